// log_follow.h - reading a score log as it grows, across logrotate: `sluice logs --follow`.
//
// A LogFollower reads the file by name from its start, then whatever is appended, one
// complete line at a time. Rotation is the packaged logrotate's "create" mode: the file is
// renamed, a new empty one is created by the same name, then SIGUSR1 makes the daemon reopen.
// Until that reopen the daemon still appends to the renamed file, so the follower stays on
// it until the new file has bytes (the writer has moved: everything it wrote to the old one
// came before), reads the old one to its end and only then goes on with the new one. A file
// truncated in place (logrotate's copytruncate) is read again from its start.
//
// Failure: Open returns an Io status when the file cannot be opened. Later read errors, or a
// name that points nowhere for a while (between rename and create), only mean no lines this
// time. Thread-safety: none; one reader.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "filter/util/scoped_fd.h"
#include "filter/util/status.h"

namespace sluice {

class LogFollower {
 public:
  static Result<std::unique_ptr<LogFollower>> Open(const std::string& path);

  // Hands each complete line that came since the last call (without its '\n', in file
  // order) to `on_line`; a last line without '\n' waits for the next call. The first call
  // reads the whole file as it is. A rotated file's unterminated last line (a write cut
  // short) is handed over as it is before moving to the new file.
  void Poll(const std::function<void(std::string_view)>& on_line);

 private:
  LogFollower(std::string path, int fd);
  // Reads from offset_ to the end of the open file.
  void ReadToEnd(const std::function<void(std::string_view)>& on_line);
  // Takes `fd` (just opened by name) as the file to follow, from its start.
  void Switch(int fd);

  std::string path_;
  ScopedFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;  // read up to here
  std::string partial_;  // bytes after the last '\n' read
};

}  // namespace sluice
