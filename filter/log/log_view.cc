// log_view.cc - the `sluice logs` table and summary.
#include "filter/log/log_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice {
namespace {

// Cuts to `width` display columns (counting UTF-8 code points), marking a cut with "~".
std::string Fit(const std::string& s, size_t width) {
  std::string out;
  size_t cols = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80         ? 1
                       : (c >> 5) == 6  ? 2
                       : (c >> 4) == 14 ? 3
                       : (c >> 3) == 30 ? 4
                                        : 1;
    if (cols + 1 > width || (cols + 1 == width && i + len < s.size())) {
      out += '~';
      ++cols;
      break;
    }
    // Control characters would break the table.
    if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out.append(s, i, len);
    }
    ++cols;
    i += len;
  }
  out.append(width - std::min(width, cols), ' ');
  return out;
}

// "2026-11-28T04:31:07.123Z" -> "11-28 04:31:07".
std::string ShortTime(const std::string& iso) {
  if (iso.size() >= 19) return iso.substr(5, 5) + " " + iso.substr(11, 8);
  return iso;
}

}  // namespace

std::string LogTableHeader() {
  return Fit("TIME", 14) + " " + Fit("FROM", 28) + " " + Fit("SUBJECT", 36) + " " + "  SCORE " +
         Fit("ACTION", 15) + " REASONS";
}

std::string LogTableRow(const LogEntry& e) {
  std::string reasons;
  for (size_t i = 0; i < e.hits.size() && i < 3; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "(%.1f)", e.hits[i].second);
    if (!reasons.empty()) reasons += ' ';
    reasons += e.hits[i].first + buf;
  }
  if (e.bayes_probability) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "bayes=%.2f", *e.bayes_probability);
    if (!reasons.empty()) reasons += ' ';
    reasons += buf;
  }
  // Not decided by the score (size limit, downstream refusal, timeout): that comes first.
  if (!e.reason.empty()) reasons = reasons.empty() ? e.reason : e.reason + "; " + reasons;
  if (e.error) reasons = "ERROR " + reasons;
  char score[16];
  std::snprintf(score, sizeof score, "%7.1f", e.score);
  const std::string& from = e.from.empty() ? e.header_from : e.from;
  return Fit(ShortTime(e.time), 14) + " " + Fit(from.empty() ? "<>" : from, 28) + " " +
         Fit(e.subject, 36) + " " + score + " " + Fit(e.action, 15) + " " + reasons;
}

void LogSummary::Add(const LogEntry& e) {
  ++total_;
  ++actions_[e.action.empty() ? "?" : e.action];
  const int bucket = std::clamp(static_cast<int>(std::floor(e.score)), -5, 20);
  ++histogram_[bucket];
  for (const auto& hit : e.hits) ++rules_[hit.first];
  if (e.error) ++errors_;
}

std::string LogSummary::Format(size_t top_rules) const {
  std::string out;
  char buf[160];
  std::snprintf(buf, sizeof buf, "messages: %llu  (scoring errors: %llu)\n\nby action:\n",
                static_cast<unsigned long long>(total_), static_cast<unsigned long long>(errors_));
  out += buf;
  for (const auto& [action, n] : actions_) {
    std::snprintf(buf, sizeof buf, "  %-16s %8llu  %5.1f%%\n", action.c_str(),
                  static_cast<unsigned long long>(n), total_ ? 100.0 * n / total_ : 0.0);
    out += buf;
  }
  out += "\nscore histogram:\n";
  uint64_t most = 1;
  for (const auto& [bucket, n] : histogram_) most = std::max(most, n);
  for (const auto& [bucket, n] : histogram_) {
    const std::string label = bucket == -5 ? "   < -4"
                              : bucket == 20
                                  ? "  >= 20"
                                  : std::to_string(bucket) + ".." + std::to_string(bucket + 1);
    const size_t bar = static_cast<size_t>(40.0 * n / most + 0.5);
    std::snprintf(buf, sizeof buf, "  %8s %8llu  %s\n", label.c_str(),
                  static_cast<unsigned long long>(n), std::string(bar, '#').c_str());
    out += buf;
  }
  std::vector<std::pair<std::string, uint64_t>> rules(rules_.begin(), rules_.end());
  std::sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  out += "\ntop rules:\n";
  for (size_t i = 0; i < rules.size() && i < top_rules; ++i) {
    std::snprintf(buf, sizeof buf, "  %-32s %8llu\n", rules[i].first.c_str(),
                  static_cast<unsigned long long>(rules[i].second));
    out += buf;
  }
  if (rules.empty()) out += "  (none)\n";
  return out;
}

}  // namespace sluice
