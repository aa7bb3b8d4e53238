// spam_headers.cc - X-Spam-* header formatting; see spam_headers.h.
#include "filter/smtp/spam_headers.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace sluice::smtp {
namespace {

std::string OneDecimal(double value) {
  if (!std::isfinite(value)) return value > 0 ? "999.0" : "-999.0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  // "-0.0" reads as a bug to admins.
  if (std::string_view(buf) == "-0.0") return "0.0";
  return buf;
}

// Bayes shows up as a test like SpamAssassin's BAYES_xx buckets.
std::string BayesTest(const BayesOutcome& bayes) {
  if (!bayes.available) return "";
  static constexpr int kBuckets[] = {0, 5, 20, 40, 50, 60, 80, 95, 99};
  int percent = static_cast<int>(bayes.probability * 100.0);
  int bucket = 0;
  for (int b : kBuckets) {
    if (percent >= b) bucket = b;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "BAYES_%02d", bucket);
  return buf;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SpamHeaders(const Verdict& verdict,
                                                             const Thresholds& thresholds,
                                                             const HeaderConfig& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!headers.add_headers) return out;
  double required = thresholds.SpamThreshold();
  bool spam = verdict.score >= required;
  if (!spam && !headers.add_status_on_ham) return out;

  std::vector<std::string> tests;
  for (const RuleHit& hit : verdict.hits) tests.push_back(hit.id);
  std::string bayes = BayesTest(verdict.bayes);
  if (!bayes.empty()) tests.push_back(bayes);

  std::string status = std::string(spam ? "Yes" : "No") + ", score=" + OneDecimal(verdict.score) +
                       " required=" + OneDecimal(required) + " tests=";
  // Fold after a comma once the line would pass 78 columns ("X-Spam-Status: " is 15).
  size_t column = 15 + status.size();
  if (tests.empty()) status += "none";
  for (size_t i = 0; i < tests.size(); ++i) {
    std::string item = tests[i] + (i + 1 < tests.size() ? "," : "");
    if (column + item.size() > 78 && i > 0) {
      status += "\r\n\t";
      column = 8;
    }
    status += item;
    column += item.size();
  }
  if (spam) out.emplace_back("X-Spam-Flag", "YES");
  out.emplace_back("X-Spam-Score", OneDecimal(verdict.score));
  out.emplace_back("X-Spam-Status", std::move(status));
  return out;
}

std::string RenderHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  return out;
}

namespace {

bool IsSpamHeaderName(std::string_view line) {
  constexpr std::string_view kPrefix = "x-spam-";
  if (line.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kPrefix[i]) return false;
  }
  return true;
}

}  // namespace

size_t StripSpamHeaders(std::string* message) {
  // One pass that compacts in place: the kept lines move down over the dropped ones. (It
  // erased each dropped field, moving the rest of the message every time: a message with
  // many X-Spam-* fields above a big body cost fields x size, seconds to hours of one I/O
  // thread's time, stalling every session on that thread.)
  std::string& m = *message;
  size_t removed = 0;
  size_t pos = 0;         // the line being looked at
  size_t kept = 0;        // end of what is kept; == pos until the first drop
  bool dropping = false;  // the current field is an X-Spam-* one
  while (pos < m.size()) {
    size_t nl = m.find('\n', pos);
    size_t next = nl == std::string::npos ? m.size() : nl + 1;
    std::string_view line(m.data() + pos, next - pos);
    bool blank = line == "\r\n" || line == "\n";
    if (blank) break;  // end of the header block
    bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation) {
      dropping = IsSpamHeaderName(line);
      if (dropping) ++removed;
    }
    if (!dropping) {
      if (kept != pos) std::memmove(m.data() + kept, m.data() + pos, next - pos);
      kept += next - pos;
    }
    pos = next;
  }
  if (kept != pos) {
    // The blank line and the body follow what is kept.
    std::memmove(m.data() + kept, m.data() + pos, m.size() - pos);
    m.resize(kept + (m.size() - pos));
  }
  return removed;
}

std::string TagSubject(std::string_view message, std::string_view tag) {
  // Search the header block only (up to the first empty line).
  size_t header_end = message.find("\r\n\r\n");
  size_t limit = header_end == std::string_view::npos ? message.size() : header_end + 2;
  size_t pos = 0;
  while (pos < limit) {
    size_t eol = message.find("\r\n", pos);
    if (eol == std::string_view::npos || eol > limit) eol = limit;
    std::string_view line = message.substr(pos, eol - pos);
    if (line.size() >= 8 && (line[0] == 'S' || line[0] == 's') &&
        (line.substr(1, 7) == "ubject:" || line.substr(1, 7) == "UBJECT:")) {
      size_t value = pos + 8;
      while (value < eol && message[value] == ' ') ++value;
      std::string out(message.substr(0, value));
      out += tag;
      out += ' ';
      out += message.substr(value);
      return out;
    }
    pos = eol + 2;
  }
  std::string out = "Subject: " + std::string(tag) + "\r\n";
  out += message;
  return out;
}

}  // namespace sluice::smtp
