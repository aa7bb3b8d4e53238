// log_view.h - what `sluice logs` prints: a table of messages and a summary.
//
// Pure formatting over LogEntry values (log_reader.h); no I/O, so the output is testable.
// Columns are fixed-width and long fields are cut with "~" so a line fits a terminal.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "filter/log/log_reader.h"

namespace sluice {

// The header line of the table.
std::string LogTableHeader();
// One table row: time, from, subject, score, action, top reasons (at most 3 rules).
std::string LogTableRow(const LogEntry& entry);

// Counts by action, a score histogram and the most frequent rules.
class LogSummary {
 public:
  void Add(const LogEntry& entry);
  std::string Format(size_t top_rules = 10) const;
  uint64_t total() const { return total_; }

 private:
  uint64_t total_ = 0;
  std::map<std::string, uint64_t> actions_;
  std::map<int, uint64_t> histogram_;  // bucket = floor(score) clamped to [-5, 20]
  std::map<std::string, uint64_t> rules_;
  uint64_t errors_ = 0;
};

}  // namespace sluice
