// log_follow.cc - following the score log across logrotate; see log_follow.h.
#include "filter/log/log_follow.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>
#include <vector>

namespace sluice {
namespace {

// Files read to their end kept open (logrotate keeps far fewer: `rotate 8`).
constexpr size_t kFinishedRemembered = 64;

bool NotBefore(const timespec& a, const timespec& b) {
  return std::tie(a.tv_sec, a.tv_nsec) >= std::tie(b.tv_sec, b.tv_nsec);
}

}  // namespace

LogFollower::File::File(int fd_in) : fd(fd_in) {
  struct stat st {};
  if (::fstat(fd_in, &st) == 0) {
    dev = st.st_dev;
    ino = st.st_ino;
  }
}

Result<std::unique_ptr<LogFollower>> LogFollower::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io(path + ": " + std::strerror(errno));
  return std::unique_ptr<LogFollower>(new LogFollower(path, fd));
}

LogFollower::LogFollower(std::string path, int fd) : path_(std::move(path)) {
  chain_.emplace_back(fd);
}

void LogFollower::ReadToEnd(File& file, const LineFn& on_line) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::pread(file.fd.get(), buf, sizeof buf, static_cast<off_t>(file.offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    file.offset += static_cast<uint64_t>(n);
    std::string_view chunk(buf, static_cast<size_t>(n));
    // Lines wholly inside this chunk go out without a copy; only a line that spans reads
    // is gathered in partial.
    for (size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
      if (file.partial.empty()) {
        on_line(chunk.substr(0, nl));
      } else {
        file.partial.append(chunk.substr(0, nl));
        on_line(file.partial);
        file.partial.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    file.partial.append(chunk);
  }
}

bool LogFollower::Known(dev_t dev, ino_t ino) const {
  for (const std::list<File>* files : {&chain_, &finished_}) {
    for (const File& f : *files) {
      if (f.dev == dev && f.ino == ino) return true;
    }
  }
  return false;
}

void LogFollower::ForgetRemovedFinished() {
  for (auto it = finished_.begin(); it != finished_.end();) {
    struct stat st {};
    const bool gone = ::fstat(it->fd.get(), &st) != 0 || st.st_nlink == 0;
    it = gone ? finished_.erase(it) : std::next(it);
  }
}

void LogFollower::LookAtName() {
  struct stat named {};
  if (::stat(path_.c_str(), &named) != 0) return;  // renamed, not created again yet
  if (Known(named.st_dev, named.st_ino)) return;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  // What was opened may already differ from what stat saw (another rotation).
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || Known(opened.st_dev, opened.st_ino)) {
    ::close(fd);
    return;
  }
  // Before the new file: those rotated away since the last look (two rotations between
  // polls), which came between the newest known file and this one.
  AddUnseen(opened);
  chain_.emplace_back(fd);
}

bool LogFollower::WriterLeftFirst() const {
  for (auto it = std::next(chain_.begin()); it != chain_.end(); ++it) {
    struct stat st {};
    if (::fstat(it->fd.get(), &st) == 0 && st.st_size > 0) return true;
  }
  return false;
}

void LogFollower::AddUnseen(const struct stat& newest) {
  struct stat last {};
  if (::fstat(chain_.back().fd.get(), &last) != 0) return;
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  struct Found {
    timespec written;
    std::string name;
    int fd;
  };
  std::vector<Found> found;
  while (const dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base) continue;
    if (name[base.size()] != '.' && name[base.size()] != '-') continue;
    // O_NONBLOCK: a FIFO by such a name must not stop the reader.
    const int fd = ::openat(dirfd(d), entry->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    struct stat st {};
    char head = 0;
    // A score log line starts with '{'; a compressed rotation (gzip, xz, zstd) does not.
    const bool take = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                      !Known(st.st_dev, st.st_ino) &&
                      !(st.st_dev == newest.st_dev && st.st_ino == newest.st_ino) &&
                      NotBefore(st.st_mtim, last.st_mtim) && ::pread(fd, &head, 1, 0) == 1 &&
                      head == '{';
    if (take) {
      found.push_back({st.st_mtim, std::string(name), fd});
    } else {
      ::close(fd);
    }
  }
  ::closedir(d);
  // Oldest first; same time stamp (coarse clocks): the numbered scheme's higher number is
  // the older file.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.written.tv_sec != b.written.tv_sec) return a.written.tv_sec < b.written.tv_sec;
    if (a.written.tv_nsec != b.written.tv_nsec) return a.written.tv_nsec < b.written.tv_nsec;
    if (a.name.size() != b.name.size()) return a.name.size() > b.name.size();
    return a.name > b.name;
  });
  for (const Found& f : found) chain_.emplace_back(f.fd);
}

void LogFollower::Poll(const LineFn& on_line) {
  {
    File& first = chain_.front();
    struct stat st {};
    if (::fstat(first.fd.get(), &st) == 0 && static_cast<uint64_t>(st.st_size) < first.offset) {
      // Truncated in place (copytruncate): what is there now is new.
      first.offset = 0;
      first.partial.clear();
    }
  }
  ForgetRemovedFinished();
  LookAtName();
  ReadToEnd(chain_.front(), on_line);
  // Rotated. Until the daemon reopens (SIGUSR1 after the rename) it still appends to the old
  // file: stay on it while the newer ones are empty. Once one has bytes, the writer has
  // moved and everything it wrote to the old file came before: read that to its end first.
  while (chain_.size() > 1 && WriterLeftFirst()) {
    File& first = chain_.front();
    ReadToEnd(first, on_line);
    if (!first.partial.empty()) on_line(first.partial);  // cut short (disk full): say so
    if (finished_.size() == kFinishedRemembered) finished_.pop_front();
    finished_.splice(finished_.end(), chain_, chain_.begin());
    ReadToEnd(chain_.front(), on_line);
  }
}

}  // namespace sluice
