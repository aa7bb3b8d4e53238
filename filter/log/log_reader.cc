// log_reader.cc - parsing score-log lines and matching them against `sluice logs` filters.
#include "filter/log/log_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>

namespace sluice {
namespace {

using json = nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

// A field that must be true/false; anything else (a hand edit, a foreign line) is `absent`.
// json::value() would throw on a wrong type.
bool Flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// A count: a negative, non-finite or too large number must not reach an unsigned cast
// (undefined behaviour); it reads as 0, or as the largest value.
template <typename T>
T Count(const json& j, const char* key) {
  const double v = Num(j, key);
  if (!(v > 0)) return 0;
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string FormatIso(std::time_t secs) {
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace

Result<LogEntry> ParseLogLine(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Invalid("not a score log line (expected a JSON object)");
  LogEntry e;
  e.time = Str(j, "time");
  e.source = Str(j, "source");
  e.queue_id = Str(j, "queue_id");
  e.message_id = Str(j, "message_id");
  e.client_ip = Str(j, "client_ip");
  e.helo = Str(j, "helo");
  e.from = Str(j, "from");
  e.header_from = Str(j, "header_from");
  e.subject = Str(j, "subject");
  e.size = Count<size_t>(j, "size");
  e.score = Num(j, "score");
  e.action = Str(j, "action");
  e.reason = Str(j, "reason");
  e.error = Flag(j, "error");
  if (auto it = j.find("rcpts"); it != j.end() && it->is_array()) {
    for (const auto& r : *it)
      if (r.is_string()) e.rcpts.push_back(r.get<std::string>());
  }
  if (auto it = j.find("hits"); it != j.end() && it->is_array()) {
    for (const auto& h : *it)
      if (h.is_object()) e.hits.emplace_back(Str(h, "id"), Num(h, "score"));
  }
  if (auto it = j.find("bayes"); it != j.end() && it->is_object()) {
    if (Flag(*it, "available")) e.bayes_probability = Num(*it, "probability");
  }
  if (auto it = j.find("us"); it != j.end() && it->is_object()) {
    e.total_us = Count<uint32_t>(*it, "total");
  }
  if (auto it = j.find("notes"); it != j.end() && it->is_array()) {
    for (const auto& n : *it)
      if (n.is_string()) e.notes.push_back(n.get<std::string>());
  }
  return e;
}

bool LogFilter::Matches(const LogEntry& e) const {
  if (!action.empty() && e.action != action) return false;
  if (min_score && e.score < *min_score) return false;
  // Compared as text: both are ISO 8601 UTC, so lexical order is time order.
  if (!since.empty() && e.time < since) return false;
  if (!from.empty()) {
    const std::string needle = Lower(from);
    if (Lower(e.from).find(needle) == std::string::npos &&
        Lower(e.header_from).find(needle) == std::string::npos) {
      return false;
    }
  }
  return true;
}

Result<std::string> ParseSince(std::string_view text, std::chrono::system_clock::time_point now) {
  if (text.empty()) return Status::Invalid("--since: empty");
  // A relative duration: digits and one unit letter.
  const char unit = text.back();
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), ::isdigit) &&
      std::string_view("smhd").find(unit) != std::string_view::npos) {
    const long long mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
    // At most ~10,000 years back, so neither the count nor the product overflows.
    constexpr long long kMaxSeconds = 10000LL * 366 * 86400;
    long long n = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || n > kMaxSeconds / mult) {
      return Status::Invalid("--since: \"" + std::string(text) + "\" is too far back");
    }
    const std::time_t t =
        std::chrono::system_clock::to_time_t(now) - static_cast<std::time_t>(n * mult);
    return FormatIso(t);
  }
  // An absolute time: YYYY-MM-DD[(T| )HH:MM[:SS]].
  int y, mo, d, h = 0, mi = 0, s = 0;
  char sep = 0;
  std::string str(text);
  const int got =
      std::sscanf(str.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &s);
  const bool date_only = got == 3 && str.size() == 10;
  const bool with_time = got >= 6 && (sep == 'T' || sep == ' ');
  if (!date_only && !with_time) {
    return Status::Invalid(
        "--since: expected a duration (30m, 2h, 7d) or a UTC time "
        "(2026-11-28 or 2026-11-28T04:00[:00]), got \"" +
        str + "\"");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return Status::Invalid("--since: out-of-range date or time \"" + str + "\"");
  }
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
  return std::string(buf);
}

}  // namespace sluice
