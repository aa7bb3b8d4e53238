// score_log.cc - the score log's writer thread (the line format is in log_format.cc).
//
// Write() moves the record into a queue under a mutex and returns; one writer thread
// formats the lines into one reused buffer and appends them with a single write(2) per batch, so
// concurrent writers never interleave inside a line. After a batch the writer lingers kLinger
// before it looks again, and Write() wakes it only when it is idle: under load one wake-up and one
// write(2) carry many lines instead of one each (a futex wake and a context switch per message were
// a measurable part of the SMTP proxy's CPU per message). The file is opened O_APPEND, which keeps
// lines whole even if two processes share a log.
//
// Failure: a failed open at Open() is returned; a failed write or reopen later is
// counted and reported on stderr once per streak, never thrown; records are dropped
// then (the mail itself is never held up by the log). A line cut short by a full disk is
// ended with a newline before the next batch, so only that line is lost.
#include "filter/log/score_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace sluice {
namespace {

// How long the writer gathers lines after a batch: short enough that `tail -f` and
// `sluice logs --follow` see a line at once, long enough to batch a few hundred per second.
// A daemon's lines arrive a few ms apart (the milter at ~300 msgs/s on 2 cores): with 2 ms
// the writer went idle between most of them, so each line cost a wake-up, four futex calls
// and a write(2) of its own.
constexpr std::chrono::milliseconds kLinger{20};

// Opens the log for appending without ever waiting: a FIFO nobody reads would block
// open(2) (and with it `sluice serve` at start, or the writer thread at a reopen) until a
// reader comes. O_NONBLOCK makes that ENXIO, said plainly; it is cleared once open, so the
// writer's write(2)s behave as before. -1 with *error set on failure.
int OpenForAppend(const std::string& path, std::string* error) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0640);
  if (fd < 0) {
    *error = errno == ENXIO ? "a FIFO or socket nobody reads (a score log must be a file)"
                            : std::strerror(errno);
    return -1;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

class FileScoreLog final : public ScoreLog {
 public:
  FileScoreLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    writer_ = std::thread([this] { Run(); });
  }

  ~FileScoreLog() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    writer_.join();
    if (fd_ >= 0) ::close(fd_);
  }

  void Write(LogRecord record) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.size() >= kMaxQueued) {
        // The writer is stuck on the file: the mail must not wait, nor grow the daemon
        // without bound. Counted; the writer reports it.
        ++dropped_;
        return;
      }
      queue_.push_back(std::move(record));
      ++queued_;
      if (!writer_idle_) return;  // busy or lingering: it looks at the queue by itself
    }
    wake_.notify_one();
  }

  uint64_t dropped() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return dropped_;
  }

  void Reopen() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      reopen_ = true;
    }
    wake_.notify_one();
  }

  void Flush() override {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t target = queued_;
    const bool want_reopen = reopen_;
    ++flush_waiters_;  // cuts the writer's linger short
    wake_.notify_one();
    done_.wait(lock, [&] { return written_ >= target && (!want_reopen || !reopen_); });
    --flush_waiters_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      writer_idle_ = true;
      wake_.wait(lock, [&] { return stopping_ || reopen_ || !queue_.empty(); });
      writer_idle_ = false;
      if (dropped_ > dropped_reported_) {
        const uint64_t dropped = dropped_reported_ = dropped_;
        lock.unlock();  // stderr may block too; writers must not wait for it
        std::fprintf(stderr,
                     "sluice: score log: %s blocks; %llu record(s) dropped so far (at most %zu "
                     "wait)\n",
                     path_.c_str(), static_cast<unsigned long long>(dropped), kMaxQueued);
        lock.lock();
      }
      const bool wrote = !queue_.empty();
      if (wrote) {
        batch_.swap(queue_);
        lock.unlock();
        text_.clear();  // keeps its capacity: no allocation per batch once warm
        // A write cut short (disk full) left a partial line: end it, so this batch's
        // first line is not glued to it.
        if (torn_) text_ += '\n';
        for (const auto& record : batch_) {
          AppendLogRecord(record, &text_);
          text_ += '\n';
        }
        Append(text_);
        lock.lock();
        written_ += batch_.size();
        batch_.clear();
      }
      // After the queue: lines written before Reopen() belong to the old file.
      if (reopen_) {
        reopen_ = false;
        lock.unlock();
        DoReopen();
        lock.lock();
      }
      done_.notify_all();
      if (stopping_ && queue_.empty()) return;
      if (wrote) {
        wake_.wait_for(lock, kLinger, [&] { return stopping_ || reopen_ || flush_waiters_ > 0; });
      }
    }
  }

  void DoReopen() {
    std::string error;
    const int fd = OpenForAppend(path_, &error);
    if (fd < 0) {
      std::fprintf(stderr, "sluice: score log: cannot reopen %s: %s (keeping the old file)\n",
                   path_.c_str(), error.c_str());
      return;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    // A new (rotated) file has no partial line to end; the same file reopened still has.
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_size == 0) torn_ = false;
  }

  void Append(const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
      const ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!failing_) {
          std::fprintf(stderr, "sluice: score log: write to %s failed: %s\n", path_.c_str(),
                       std::strerror(errno));
        }
        failing_ = true;
        // Whatever reached the file of this batch may end mid-line.
        if (off > 0) torn_ = text[off - 1] != '\n';
        return;
      }
      off += static_cast<size_t>(n);
    }
    failing_ = false;
    torn_ = false;
  }

  const std::string path_;
  int fd_;  // owned by the writer thread after construction
  bool failing_ = false;
  bool torn_ = false;  // the file may end in a partial line (a write was cut short)

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<LogRecord> queue_;
  std::deque<LogRecord> batch_;  // writer thread only
  std::string text_;             // writer thread only
  uint64_t queued_ = 0;
  uint64_t dropped_ = 0;           // records refused while kMaxQueued waited
  uint64_t dropped_reported_ = 0;  // writer thread: what stderr has been told
  int flush_waiters_ = 0;
  bool writer_idle_ = false;  // waiting for work: the next Write() must wake it
  uint64_t written_ = 0;
  bool reopen_ = false;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace

Result<std::unique_ptr<ScoreLog>> ScoreLog::Open(const std::string& path) {
  std::string error;
  const int fd = OpenForAppend(path, &error);
  if (fd < 0) return Status::Io("score log " + path + ": " + error);
  return std::unique_ptr<ScoreLog>(new FileScoreLog(path, fd));
}

Status ScoreLog::Check(const std::string& path) {
  auto refused = [&path](int error) {
    return Status::Io("score log " + path + ": " + std::strerror(error));
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return refused(errno);
    // Created at start, in its directory: one that is missing or not writable fails Open
    // there, so it must fail here too (--check said ok, then the start failed).
    const size_t slash = path.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    if (::access(dir.c_str(), W_OK | X_OK) != 0) return refused(errno);
    return Status::Ok();
  }
  if (S_ISDIR(st.st_mode)) return refused(EISDIR);
  if (S_ISREG(st.st_mode)) return ::access(path.c_str(), W_OK) == 0 ? Status::Ok() : refused(errno);
  std::string error;
  const int fd = OpenForAppend(path, &error);  // creates nothing: the path exists
  if (fd < 0) return Status::Io("score log " + path + ": " + error);
  ::close(fd);
  return Status::Ok();
}

}  // namespace sluice
