// mail_source.cc - files, directories, Maildirs, mbox files and list files.
#include "filter/engine/mail_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "filter/util/byte_classes.h"
#include "filter/util/scoped_fd.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// The reading buffer of one WalkMail call: it only grows, so reading a message costs
// open, fstat, one read to fill it and one to see the end, close, and no allocation once
// the buffer has held the largest file (was an ifstream, a stringstream and two copies).
class FileBuffer {
 public:
  char* data() { return data_.get(); }
  size_t capacity() const { return capacity_; }
  // Makes room for at least `n` bytes, keeping the first `keep`; doubles, but not past
  // `most` (a bounded read needs no more than its bound).
  void Grow(size_t n, size_t keep, size_t most = SIZE_MAX) {
    if (n <= capacity_) return;
    const size_t capacity = std::max(n, std::min(capacity_ * 2, most));
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (keep > 0) std::memcpy(bigger.get(), data_.get(), keep);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// Opens message files relative to their directory, kept open while consecutive paths
// share it (a list file or a directory walk names thousands of files in a few
// directories): the kernel then resolves one name per file instead of every component of
// the path again, which was a sixth of the cost of reading a message.
class DirectoryCache {
 public:
  // open(path, flags), through the cached descriptor of path's directory when possible.
  int Open(const std::string& path, int flags) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash + 1 == path.size()) {
      return ::open(path.c_str(), flags);
    }
    const std::string_view dir = std::string_view(path).substr(0, slash == 0 ? 1 : slash);
    if (dir_fd_.get() < 0 || dir != dir_) {
      dir_.assign(dir);
      dir_fd_.Reset(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (dir_fd_.get() < 0) {
        dir_.clear();
        return ::open(path.c_str(), flags);  // its error is the one to report
      }
    }
    return ::openat(dir_fd_.get(), path.c_str() + slash + 1, flags);
  }

 private:
  std::string dir_;
  ScopedFd dir_fd_{-1};
};

// Reads the open file `fd` into `buffer` after its first *size bytes, to the end of the
// file or until *size reaches `limit`. `regular_size` is fstat's size of a regular file (0
// for anything else): at least one byte more is asked for, and a read that stops short at
// exactly that size is the end of the file, so a message file costs one read, not one more
// to see EOF. Anything else (a pipe, a /proc file that says 0, a file that grew or shrank
// since fstat) is read until read() returns 0 or the limit.
bool ReadUpTo(int fd, size_t regular_size, size_t limit, FileBuffer* buffer, size_t* size,
              std::string* error) {
  buffer->Grow(std::min(regular_size, limit - 1) + 1, *size);
  while (*size < limit) {
    if (*size == buffer->capacity()) {  // the file grew, or a pipe goes on
      buffer->Grow(std::min(*size * 2, limit), *size, limit);
    }
    const size_t asked = std::min(buffer->capacity(), limit) - *size;
    const ssize_t got = ::read(fd, buffer->data() + *size, asked);
    if (got < 0) {
      if (errno == EINTR) continue;
      *error = "read error: " + std::string(std::strerror(errno));
      return false;
    }
    if (got == 0) break;
    *size += static_cast<size_t>(got);
    if (regular_size > 0 && *size == regular_size && static_cast<size_t>(got) < asked) break;
  }
  return true;
}

// The state of one WalkMail call.
struct Walker {
  const MailWalkOptions& options;
  const MailFn& on_message;
  const MailErrorFn& on_error;
  const MailNoteFn& on_note;
  MailWalkCounts counts;
  FileBuffer buffer;
  std::string unquoted;  // an mbox message with ">From " lines, unquoted
  DirectoryCache directories;
  // Directories walked so far (device, inode): a symbolic link back up the tree (or two
  // links to one directory) is walked once, not again and again down to the depth limit.
  std::set<std::pair<dev_t, ino_t>> walked;

  void Error(const std::string& name, const std::string& error) {
    ++counts.errors;
    on_error(name, error);
  }
  void Note(const std::string& name, const std::string& note) {
    ++counts.cut;
    if (on_note) on_note(name, note);
  }
  // False when the message is over the bound and skipped; else *data is what to hand on.
  bool Bounded(const std::string& name, std::string_view* data) {
    const size_t bound = options.max_message_bytes;
    if (data->size() <= bound) return true;
    const std::string over = "over " + std::to_string(bound) + " bytes";
    if (options.skip_oversized) {
      Error(name, "message " + over);
      return false;
    }
    Note(name, "message " + over + ": cut there (the rest not read)");
    *data = data->substr(0, bound);
    return true;
  }
  void Message(const std::string& name, std::string_view data) {
    ++counts.messages;
    on_message(name, data);
  }
};

// The first line at or after `from` that starts with `prefix` (at least 2 bytes): its
// position just after the '\n' before it, or npos. Looks for the two bytes "\n" and
// prefix[0] together (util's FindPair, 16 positions at a time), so the lines of a message
// cost no memchr call each (string_view::find stops at every '\n').
size_t FindLineStarting(std::string_view data, size_t from, std::string_view prefix) {
  const char* p = data.data() + from;
  const char* const end = data.data() + data.size();
  for (;;) {
    p = FindPair(p, end, '\n', prefix.front());
    if (end - p < 2) return std::string_view::npos;
    const size_t line = static_cast<size_t>(p - data.data()) + 1;
    if (data.substr(line).starts_with(prefix)) return line;
    p += 1;
  }
}

// Splits an mbox into messages; the envelope lines are dropped, ">From " unquoted once.
// A separator is a "From " envelope line at the start or after an empty line, so only
// the lines starting with "From " are looked at, not every line.
void SplitMbox(const std::string& path, std::string_view data, Walker* walker) {
  std::vector<std::pair<size_t, size_t>> ranges;  // [begin, end) of each message
  size_t begin = std::string_view::npos;
  size_t pos = 0;  // start of a line that begins with "From "
  while (pos != std::string_view::npos) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    const bool separator = IsMboxFromLine(data.substr(pos, eol - pos)) &&
                           (pos == 0 || (pos >= 2 && data[pos - 2] == '\n') ||
                            (pos >= 3 && data[pos - 2] == '\r' && data[pos - 3] == '\n'));
    if (separator) {
      if (begin != std::string_view::npos) ranges.emplace_back(begin, pos);
      begin = std::min(eol + 1, data.size());
    }
    if (eol >= data.size()) break;
    pos = FindLineStarting(data, eol, "From ");
  }
  if (begin != std::string_view::npos) ranges.emplace_back(begin, data.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    std::string_view body = data.substr(ranges[i].first, ranges[i].second - ranges[i].first);
    const std::string name = ranges.size() == 1 ? path : path + ":" + std::to_string(i + 1);
    if (!walker->Bounded(name, &body)) continue;
    if (FindLineStarting(body, 0, ">From ") == std::string_view::npos) {
      walker->Message(name, body);
      continue;
    }
    std::string& message = walker->unquoted;
    message.clear();
    size_t p = 0;
    while (p < body.size()) {
      size_t eol = body.find('\n', p);
      eol = eol == std::string_view::npos ? body.size() : eol + 1;
      std::string_view line = body.substr(p, eol - p);
      size_t quotes = 0;
      while (quotes < line.size() && line[quotes] == '>') ++quotes;
      if (quotes > 0 && line.substr(quotes).starts_with("From ")) line.remove_prefix(1);
      message.append(line);
      p = eol;
    }
    walker->Message(name, message);
  }
}

// A message file is read to one byte over the bound at most (that byte tells it is over);
// an mbox, known from its first line, is read on to its end and bounded per message.
void WalkFile(const std::string& path, int fd, size_t regular_size, Walker* walker) {
  const size_t bound = walker->options.max_message_bytes;
  size_t size = 0;
  std::string error;
  FileBuffer& buffer = walker->buffer;
  bool ok =
      ReadUpTo(fd, regular_size, bound == SIZE_MAX ? SIZE_MAX : bound + 1, &buffer, &size, &error);
  auto data = [&] { return std::string_view(buffer.data(), size); };
  const bool mbox =
      ok && data().starts_with("From ") && IsMboxFromLine(data().substr(0, data().find('\n')));
  if (ok && mbox && bound != SIZE_MAX && size > bound) {
    // A regular file ends; a pipe may not.
    const size_t stream_limit = bound > SIZE_MAX / MailWalkOptions::kMaxStreamMessages
                                    ? SIZE_MAX
                                    : bound * MailWalkOptions::kMaxStreamMessages;
    ok = ReadUpTo(fd, regular_size, regular_size > 0 ? SIZE_MAX : stream_limit, &buffer, &size,
                  &error);
    if (ok && regular_size == 0 && size == stream_limit) {
      walker->Note(path, "mbox stream over " + std::to_string(stream_limit) +
                             " bytes: cut there (the rest not read)");
    }
  }
  if (!ok) {
    walker->Error(path, error);
    return;
  }
  if (mbox) {
    SplitMbox(path, data(), walker);
    return;
  }
  std::string_view message = data();
  if (walker->Bounded(path, &message)) walker->Message(path, message);
}

// `named`: the path was given by the user (a list file or the command line), not found by
// listing a directory.
void WalkPath(const std::string& path, Walker* walker, int depth, bool named);

void WalkDirectory(const fs::path& dir, Walker* walker, int depth) {
  std::error_code ec;
  const bool maildir = fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
  std::vector<std::string> entries;
  auto collect = [&](const fs::path& d) {
    std::error_code iter_ec;
    for (const auto& entry : fs::directory_iterator(d, iter_ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (maildir && entry.is_directory(iter_ec)) continue;  // only cur/ and new/
      entries.push_back(entry.path().string());
    }
    if (iter_ec) walker->Error(d.string(), "cannot list: " + iter_ec.message());
  };
  if (maildir) {
    collect(dir / "cur");
    collect(dir / "new");
  } else {
    collect(dir);
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string& entry : entries) WalkPath(entry, walker, depth + 1, false);
}

// One open() tells a file from a directory (fstat on the descriptor), so a message file
// costs no separate stat. What a directory holds besides files and directories (a FIFO, a
// socket, a link to /dev/zero: odd entries of a Maildir) is reported and skipped: opening
// a FIFO waits for a writer forever, a device reads forever. It is opened O_NONBLOCK for
// that reason (no effect on regular files). A path the user named is read whatever it is:
// `sluice score <(...)` and /dev/stdin are pipes.
void WalkPath(const std::string& path, Walker* walker, int depth, bool named) {
  if (depth > 32) {
    walker->Error(path, "directories nested too deep");
    return;
  }
  ScopedFd fd(
      walker->directories.Open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (named ? 0 : O_NONBLOCK)));
  if (fd.get() < 0) {
    const int open_errno = errno;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      walker->Error(path, "no such file or directory");
    } else if (fs::is_directory(status)) {
      WalkDirectory(path, walker, depth);  // reports why it cannot be listed
    } else {
      walker->Error(path, "cannot open: " + std::string(std::strerror(open_errno)));
    }
    return;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    walker->Error(path, "cannot stat: " + std::string(std::strerror(errno)));
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    // Two links to "." inside a directory made 2^32 paths before the depth limit: `sluice
    // score DIR` never ended, scoring the same messages over and over. A directory named
    // twice on the command line is still walked twice, as asked.
    if (!walker->walked.insert({st.st_dev, st.st_ino}).second && !named) {
      walker->Error(path, "directory already walked (a symbolic link loop)");
      return;
    }
    WalkDirectory(path, walker, depth);
    return;
  }
  if (!named && !S_ISREG(st.st_mode)) {
    walker->Error(path, "not a regular file (a FIFO, socket or device)");
    return;
  }
  WalkFile(path, fd.get(), S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0, walker);
}

}  // namespace

bool IsMboxFromLine(std::string_view line) {
  if (!line.starts_with("From ")) return false;
  line.remove_prefix(5);
  const size_t space = line.find(' ');
  if (space == 0 || space == std::string_view::npos) return false;
  line.remove_prefix(space);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (std::string_view day : kDays) {
    if (line.starts_with(day)) return true;
  }
  return false;
}

MailWalkCounts WalkMail(const std::string& path, const MailFn& on_message,
                        const MailErrorFn& on_error) {
  return WalkMail(path, MailWalkOptions{}, on_message, on_error, nullptr);
}

MailWalkCounts WalkMail(const std::string& path, const MailWalkOptions& options,
                        const MailFn& on_message, const MailErrorFn& on_error,
                        const MailNoteFn& on_note) {
  Walker walker{options, on_message, on_error, on_note, {}, {}, {}, {}, {}};
  if (path.starts_with("@")) {
    const std::string list = path.substr(1);
    std::ifstream in(list);
    if (!in) {
      walker.Error(list, "cannot open list file");
      return walker.counts;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      WalkPath(line, &walker, 0, true);
    }
    return walker.counts;
  }
  WalkPath(path, &walker, 0, true);
  return walker.counts;
}

}  // namespace sluice
