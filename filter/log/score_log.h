// score_log.h - the per-message score log: one JSON line per message.
//
// Write() only queues the record; a writer thread formats and appends it, so the hot
// path never waits on the disk. Reopen() (SIGUSR1, for logrotate) makes the writer
// reopen the file by name. The destructor flushes what is queued.
//
// Failure: Open fails if the file cannot be opened for append (or is a FIFO nobody reads,
// which would block). Later write errors are counted and reported on stderr once, never
// thrown. Memory is bounded: when the file blocks (a hung NFS mount, a FIFO whose reader
// stalls) and kMaxQueued records wait, further records are dropped and counted
// (dropped()), reported on stderr once per streak.
// Thread-safety: Write() and Reopen() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "filter/engine/engine.h"
#include "filter/util/status.h"
#include "filter/verdict/verdict.h"

namespace sluice {

// What the MTA told us about the transaction (milter macros or SMTP session).
struct Envelope {
  std::string queue_id;
  std::string client_ip;
  std::string client_name;
  std::string helo;
  std::string mail_from;
  std::vector<std::string> rcpts;
  std::string auth_user;  // authenticated sender, "" if none
};

struct LogRecord {
  std::chrono::system_clock::time_point time;
  std::string source;  // "milter", "smtp", "cli"
  Envelope envelope;
  MessageFacts facts;
  Verdict verdict;
  // Why the message ended as it did when the score did not decide it ("" when it did): a
  // message over the size limit, a downstream that refused it, a client that timed out.
  // verdict.action is then what the client was told.
  std::string reason;
};

// The JSON object for one record (one line, no trailing newline), appended to *out.
// Invalid UTF-8 in a field becomes U+FFFD: the line always stays valid JSON.
void AppendLogRecord(const LogRecord& record, std::string* out);
// The same, as a new string.
std::string FormatLogRecord(const LogRecord& record);

class ScoreLog {
 public:
  // Opens `path` for appending, creating it. Never blocks: a FIFO (or socket) nobody reads
  // is refused (Io, "... nobody reads ..."), as the same check refuses it at Reopen().
  static Result<std::unique_ptr<ScoreLog>> Open(const std::string& path);
  // What Open would refuse, without creating or writing anything (`serve --check`).
  static Status Check(const std::string& path);
  virtual ~ScoreLog() = default;
  // Records waiting for the writer at most; more are dropped, not queued.
  static constexpr size_t kMaxQueued = 10000;

  virtual void Write(LogRecord record) = 0;
  virtual void Reopen() = 0;
  // Blocks until everything queued so far is written (tests, shutdown).
  virtual void Flush() = 0;
  // Records dropped so far because kMaxQueued were already waiting.
  virtual uint64_t dropped() const = 0;
};

}  // namespace sluice
