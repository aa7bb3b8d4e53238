// log_follow.cc - following the score log across logrotate; see log_follow.h.
#include "filter/log/log_follow.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

Result<std::unique_ptr<LogFollower>> LogFollower::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io(path + ": " + std::strerror(errno));
  return std::unique_ptr<LogFollower>(new LogFollower(path, fd));
}

LogFollower::LogFollower(std::string path, int fd) : path_(std::move(path)), fd_(-1) { Switch(fd); }

void LogFollower::Switch(int fd) {
  fd_.Reset(fd);
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  offset_ = 0;
  partial_.clear();
}

void LogFollower::ReadToEnd(const std::function<void(std::string_view)>& on_line) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::pread(fd_.get(), buf, sizeof buf, static_cast<off_t>(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    offset_ += static_cast<uint64_t>(n);
    std::string_view chunk(buf, static_cast<size_t>(n));
    // Lines wholly inside this chunk go out without a copy; only a line that spans reads
    // is gathered in partial_.
    for (size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
      if (partial_.empty()) {
        on_line(chunk.substr(0, nl));
      } else {
        partial_.append(chunk.substr(0, nl));
        on_line(partial_);
        partial_.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    partial_.append(chunk);
  }
}

void LogFollower::Poll(const std::function<void(std::string_view)>& on_line) {
  struct stat open_st {};
  if (::fstat(fd_.get(), &open_st) == 0 && static_cast<uint64_t>(open_st.st_size) < offset_) {
    // Truncated in place (copytruncate): what is there now is new.
    offset_ = 0;
    partial_.clear();
  }
  ReadToEnd(on_line);
  struct stat named {};
  if (::stat(path_.c_str(), &named) != 0) return;  // renamed, not created again yet
  if (named.st_dev == dev_ && named.st_ino == ino_) return;
  // Rotated. Until the daemon reopens (SIGUSR1 after the rename) it still appends to the old
  // file: stay on it while the new one is empty. Once the new one has bytes, the writer has
  // moved and everything it wrote to the old file came before: read that to its end first.
  if (named.st_size == 0) return;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ReadToEnd(on_line);
  if (!partial_.empty()) on_line(partial_);  // cut short (disk full): the reader says so
  Switch(fd);
  ReadToEnd(on_line);
}

}  // namespace sluice
