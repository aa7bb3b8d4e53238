// log_format.cc - one score-log record as one JSON line; see score_log.h.
//
// The line is written straight into the caller's buffer, key by key, in the order and
// byte for byte as nlohmann::ordered_json's dump() wrote it before (tests/unit/log keeps
// that reference and compares): building a JSON tree per message (one allocation per key
// and value) cost the writer thread more than the write(2) it feeds. The common values
// take a fast path: printable-ASCII strings are copied as they are, control characters get
// JSON's escapes, and scores (already rounded to 3 decimals) print from their integer
// thousandths. Strings with 8-bit bytes (UTF-8 subjects, or invalid bytes that become
// U+FFFD) and numbers outside that range go through nlohmann's own serializer, so every
// line stays identical to the old format.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "filter/log/score_log.h"

namespace sluice {
namespace {

using json = nlohmann::ordered_json;

// Invalid UTF-8 in a subject or address must not make the line unwritable.
void AppendViaLibrary(const json& value, std::string* out) {
  out->append(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

void AppendString(std::string_view s, std::string* out) {
  bool plain = true;
  for (unsigned char c : s) {
    if (c >= 0x80) {
      AppendViaLibrary(json(std::string(s)), out);
      return;
    }
    if (c < 0x20 || c == '"' || c == '\\') plain = false;
  }
  out->push_back('"');
  if (plain) {
    out->append(s);
  } else {
    // JSON's two-character escapes, then \u00XX for the other control characters.
    constexpr std::string_view kEscaped("\"\\\b\f\n\r\t");
    constexpr std::string_view kLetters("\"\\bfnrt");
    for (char c : s) {
      const size_t k = kEscaped.find(c);
      if (k != std::string_view::npos) {
        out->push_back('\\');
        out->push_back(kLetters[k]);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
        out->append(buf);
      } else {
        out->push_back(c);
      }
    }
  }
  out->push_back('"');
}

void AppendUnsigned(uint64_t v, std::string* out) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out->append(buf, end);
}

// Scores are shown with SpamAssassin's precision (3 decimals), which keeps lines short
// and stable. Printed as the decimal of its thousandths: "12.346", "5.0", "-0.25", exactly
// what the shortest round-trip form of the rounded double is below 10^12.
void AppendScore(double v, std::string* out) {
  if (!std::isfinite(v) || std::fabs(v) >= 1e12) {
    // Outside anything a score reaches: the old rounding, and the library's formatting.
    AppendViaLibrary(
        json(static_cast<double>(static_cast<long long>(v * 1000.0 + (v < 0 ? -0.5 : 0.5))) /
             1000.0),
        out);
    return;
  }
  long long thousandths = static_cast<long long>(v * 1000.0 + (v < 0 ? -0.5 : 0.5));
  if (thousandths < 0) out->push_back('-');
  unsigned long long m =
      thousandths < 0 ? 0ULL - static_cast<unsigned long long>(thousandths) : thousandths;
  AppendUnsigned(m / 1000, out);
  out->push_back('.');
  unsigned frac = static_cast<unsigned>(m % 1000);
  if (frac == 0) {
    out->push_back('0');
    return;
  }
  char digits[3] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                    static_cast<char>('0' + frac % 10)};
  size_t n = 3;
  while (digits[n - 1] == '0') --n;
  out->append(digits, n);
}

// "2026-11-28T04:31:07.123Z": UTC with milliseconds, sortable as text.
void AppendIsoTime(std::chrono::system_clock::time_point tp, std::string* out) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  int n = std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, static_cast<int>(ms % 1000));
  out->append(buf, static_cast<size_t>(n));
}

void AppendStrings(const std::vector<std::string>& items, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendString(items[i], out);
  }
  out->push_back(']');
}

}  // namespace

void AppendLogRecord(const LogRecord& r, std::string* out) {
  const Verdict& v = r.verdict;
  // Keys and separators are literals: ours, plain ASCII, nothing to escape.
  out->append("{\"time\":");
  AppendIsoTime(r.time, out);
  out->append(",\"source\":");
  AppendString(r.source, out);
  out->append(",\"queue_id\":");
  AppendString(r.envelope.queue_id, out);
  out->append(",\"message_id\":");
  AppendString(r.facts.message_id, out);
  out->append(",\"client_ip\":");
  AppendString(r.envelope.client_ip, out);
  out->append(",\"client_name\":");
  AppendString(r.envelope.client_name, out);
  out->append(",\"helo\":");
  AppendString(r.envelope.helo, out);
  out->append(",\"from\":");
  AppendString(r.envelope.mail_from, out);
  out->append(",\"rcpts\":");
  AppendStrings(r.envelope.rcpts, out);
  if (!r.envelope.auth_user.empty()) {
    out->append(",\"auth\":");
    AppendString(r.envelope.auth_user, out);
  }
  out->append(",\"header_from\":");
  AppendString(r.facts.from, out);
  out->append(",\"subject\":");
  AppendString(r.facts.subject, out);
  out->append(",\"size\":");
  AppendUnsigned(r.facts.size, out);
  out->append(",\"score\":");
  AppendScore(v.score, out);
  out->append(",\"action\":");
  AppendString(ActionName(v.action), out);
  if (!r.reason.empty()) {
    out->append(",\"reason\":");
    AppendString(r.reason, out);
  }
  if (v.error) out->append(",\"error\":true");
  out->append(",\"hits\":[");
  for (size_t i = 0; i < v.hits.size(); ++i) {
    const RuleHit& hit = v.hits[i];
    out->append(i > 0 ? ",{\"id\":" : "{\"id\":");
    AppendString(hit.id, out);
    out->append(",\"score\":");
    AppendScore(hit.score, out);
    if (!hit.target.empty()) {
      out->append(",\"target\":");
      AppendString(hit.target, out);
    }
    if (hit.count != 1) {
      out->append(",\"count\":");
      AppendUnsigned(hit.count, out);
    }
    out->push_back('}');
  }
  if (v.bayes.available) {
    out->append("],\"bayes\":{\"available\":true,\"probability\":");
    AppendScore(v.bayes.probability, out);
    out->append(",\"score\":");
    AppendScore(v.bayes.score, out);
  } else {
    out->append("],\"bayes\":{\"available\":false,\"status\":");
    AppendString(v.bayes.status, out);
  }
  out->append("},\"us\":{\"mime\":");
  AppendUnsigned(v.times.mime_us, out);
  out->append(",\"rules\":");
  AppendUnsigned(v.times.rules_us, out);
  out->append(",\"bayes\":");
  AppendUnsigned(v.times.bayes_us, out);
  out->append(",\"total\":");
  AppendUnsigned(v.times.total_us, out);
  out->push_back('}');
  if (!v.notes.empty()) {
    out->append(",\"notes\":");
    AppendStrings(v.notes, out);
  }
  out->push_back('}');
}

std::string FormatLogRecord(const LogRecord& record) {
  std::string line;
  AppendLogRecord(record, &line);
  return line;
}

}  // namespace sluice
