// cmd_logs.cc - `sluice logs [FILE]`: the score log as a table, filtered, followed, summed.
//
// FILE defaults to the configuration's log.score_log. Lines that are not score-log JSON
// (a torn last line while the daemon writes) are skipped and counted on stderr.
// --follow keeps reading as the daemon appends and follows a logrotate (a new file by the
// same name, after the old one is read to its end; log_follow.h) until interrupted; a file
// that does not exist yet is waited for (a note on stderr), as `tail -F` does.
// Exit status: 0 ok (also when nothing matched); 1 the file cannot be read; 2 bad options.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <optional>
#include <thread>

#include "filter/cli/command.h"
#include "filter/log/log_follow.h"
#include "filter/log/log_reader.h"
#include "filter/log/log_view.h"

namespace sluice::cli {
namespace {

// True when nothing is at `path` (yet): not for a file we may not read.
bool Missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 && errno == ENOENT;
}

struct LogsArgs {
  std::string file;
  std::string action;
  std::string from;
  double min_score = 0;
  bool has_min_score = false;
  std::string since;
  size_t last = 20;
  bool follow = false;
  bool summary = false;
};

int Logs(const Globals& globals, const LogsArgs& args) {
  std::string path = args.file;
  if (path.empty()) {
    auto config = globals.LoadConfiguration();
    if (!config.ok()) {
      std::cerr << "sluice logs: config: " << config.status().ToString() << "\n";
      return 2;
    }
    path = config->log.score_log;
    if (path.empty()) {
      std::cerr << "sluice logs: no score log configured (log.score_log); name a FILE\n";
      return 2;
    }
  }
  LogFilter filter;
  filter.action = args.action;
  filter.from = args.from;
  if (args.has_min_score) filter.min_score = args.min_score;
  if (!args.since.empty()) {
    auto since = ParseSince(args.since, std::chrono::system_clock::now());
    if (!since.ok()) {
      std::cerr << "sluice logs: " << since.status().message() << "\n";
      return 2;
    }
    filter.since = *since;
  }

  auto follower = LogFollower::Open(path);
  if (!follower.ok() && args.follow && Missing(path)) {
    // Like `tail -F`: a daemon that has not logged yet (or a log between rotations) is
    // worth waiting for; say so once, so a mistyped name does not just hang silently.
    std::cerr << "sluice logs: " << path << " does not exist yet; waiting for it to appear\n";
    while (!follower.ok() && Missing(path)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      follower = LogFollower::Open(path);
    }
  }
  if (!follower.ok()) {
    std::cerr << "sluice logs: cannot read " << follower.status().message() << "\n";
    return 1;
  }
  size_t skipped = 0;
  LogSummary summary;
  std::deque<LogEntry> tail;
  auto take = [&](std::string_view line) -> std::optional<LogEntry> {
    if (line.empty()) return std::nullopt;
    auto entry = ParseLogLine(line);
    if (!entry.ok()) {
      ++skipped;
      return std::nullopt;
    }
    if (!filter.Matches(*entry)) return std::nullopt;
    return std::move(*entry);
  };
  // The file as it is now; a last line without its newline may still be being written.
  (*follower)->Poll([&](std::string_view line) {
    auto entry = take(line);
    if (!entry) return;
    if (args.summary) {
      summary.Add(*entry);
    } else {
      tail.push_back(std::move(*entry));
      if (tail.size() > args.last) tail.pop_front();
    }
  });
  if (skipped > 0) std::cerr << "sluice logs: skipped " << skipped << " unreadable line(s)\n";
  if (args.summary) {
    std::cout << summary.Format();
    return 0;
  }
  std::cout << LogTableHeader() << "\n";
  for (const auto& e : tail) std::cout << LogTableRow(e) << "\n";
  if (!args.follow) return 0;

  // Follow: poll for appended lines (LogFollower follows a rotation without losing the
  // lines written to the old file before the daemon reopened).
  for (;;) {
    std::cout.flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    (*follower)->Poll([&](std::string_view line) {
      if (auto entry = take(line)) std::cout << LogTableRow(*entry) << "\n";
    });
  }
}

const bool registered = RegisterCommand(85, [](CLI::App& app, Globals& globals) {
  auto args = std::make_shared<LogsArgs>();
  auto* cmd = app.add_subcommand(
      "logs", "show the score log: the last messages as a table, filtered, followed or summed");
  cmd->add_option("file", args->file, "score log (default: log.score_log of the configuration)");
  cmd->add_option("--action", args->action, "only this action (accept, add_header, reject, ...)");
  cmd->add_option("--from", args->from, "only senders containing this text (case-insensitive)");
  cmd->add_option("--min-score", args->min_score, "only messages scoring at least this")
      ->each([args](const std::string&) { args->has_min_score = true; });
  cmd->add_option("--since", args->since,
                  "only messages since a time (2026-11-28T04:00) or ago (30m, 2h, 7d)");
  cmd->add_option("-n,--last", args->last, "how many of the last matching messages (default 20)");
  cmd->add_flag("-f,--follow", args->follow, "keep printing new messages as they are logged");
  cmd->add_flag("--summary", args->summary,
                "counts by action, score histogram and top rules instead");
  cmd->callback([&globals, args] { globals.exit_code = Logs(globals, *args); });
});

}  // namespace
}  // namespace sluice::cli
