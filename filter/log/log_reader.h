// log_reader.h - reading the score log back: one JSON line -> LogEntry, and filters.
//
// The reader is the other half of FormatLogRecord() (score_log.h): it accepts exactly the
// fields that function writes, and tolerates missing ones (older or foreign lines), so a
// log that spans an upgrade still reads.
//
// Failure: ParseLogLine returns Invalid for a line that is not a JSON object; callers
// skip such lines (a torn last line while the daemon writes, a hand edit).
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filter/util/status.h"

namespace sluice {

struct LogEntry {
  std::string time;  // ISO 8601 UTC as written, e.g. 2026-11-28T04:31:07.123Z
  std::string source;
  std::string queue_id;
  std::string message_id;
  std::string client_ip;
  std::string helo;
  std::string from;  // envelope sender
  std::vector<std::string> rcpts;
  std::string header_from;
  std::string subject;
  size_t size = 0;
  double score = 0;
  std::string action;
  std::string reason;  // why, when the score did not decide the action ("" when it did)
  bool error = false;
  std::vector<std::pair<std::string, double>> hits;  // rule id -> score, as logged
  std::optional<double> bayes_probability;           // absent when Bayes was unavailable
  uint32_t total_us = 0;
  std::vector<std::string> notes;
};

Result<LogEntry> ParseLogLine(std::string_view line);

struct LogFilter {
  std::string action;               // exact action name; "" = any
  std::string from;                 // case-insensitive substring of envelope or header From
  std::optional<double> min_score;  // score >= this
  std::string since;                // ISO time; entries at or after it ("" = all)
  bool Matches(const LogEntry& entry) const;
};

// Turns --since text into the ISO form entries are compared with. Accepts a duration back
// from `now` ("30s", "15m", "2h", "7d") or an absolute UTC time ("2026-11-28",
// "2026-11-28T04:00", "2026-11-28 04:00:00"). Invalid for anything else.
Result<std::string> ParseSince(std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace sluice
