// log_follow.h - reading a score log as it grows, across logrotate: `sluice logs --follow`.
//
// A LogFollower reads the file by name from its start, then whatever is appended, one
// complete line at a time. Rotation is the packaged logrotate's "create" mode: the file is
// renamed, a new empty one is created by the same name, then SIGUSR1 makes the daemon reopen.
// Until that reopen the daemon still appends to the renamed file, so the follower keeps every
// file it has seen at the name open, in order, and stays on the oldest until a newer one has
// bytes (the writer has moved: everything it wrote to the old one came before); it reads the
// old one to its end and only then goes on with the next. A file is opened the first time it
// is seen at the name, so a rotation away from it later cannot hide it.
//
// Two rotations between two polls leave a file the follower never saw at the name (logrotate's
// numbered scheme: A went to .2, the middle file B to .1, C is at the name). When it first
// sees a new file at the name, the follower looks in the log's directory for such files:
// regular files named NAME.* or NAME-* that hold text (not compressed), that it does not
// know, and that were written no earlier than the newest file it knew (older rotated files
// were finished before that one began). They go before the new file, in the order of their
// last write. A middle file compressed or removed before the poll is lost (no reader can get
// it back), and so are lines written to one that was still empty when the follower looked.
//
// A file truncated in place (logrotate's copytruncate) is read again from its start.
//
// Failure: Open returns an Io status when the file cannot be opened. Later read errors, or a
// name that points nowhere for a while (between rename and create), only mean no lines this
// time. Thread-safety: none; one reader.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <list>
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
  // short) is handed over as it is before moving to the next file.
  void Poll(const std::function<void(std::string_view)>& on_line);

 private:
  // One file of the rotation chain, open since it was first seen.
  struct File {
    explicit File(int fd);
    ScopedFd fd;
    dev_t dev = 0;
    ino_t ino = 0;
    uint64_t offset = 0;  // read up to here
    std::string partial;  // bytes after the last '\n' read
  };
  using LineFn = std::function<void(std::string_view)>;

  LogFollower(std::string path, int fd);
  // Reads from file.offset to the end of the file.
  static void ReadToEnd(File& file, const LineFn& on_line);
  // Opens what is at the name now when it is a file not yet known, and adds it to the
  // chain after the files AddUnseen finds.
  void LookAtName();
  // True when a file after the first in the chain has bytes: the writer left the first.
  bool WriterLeftFirst() const;
  // Adds to the chain, oldest first, the rotated files that came between the chain's last
  // file and `newest` (just found at the name) without being seen at the name.
  void AddUnseen(const struct stat& newest);
  // A file in the chain or finished (identity by device and inode: each is held open, so its
  // inode number cannot go to a new file while it is known).
  bool Known(dev_t dev, ino_t ino) const;
  // Closes finished files that were removed: nothing can find them again, and their inode
  // numbers may now be reused by new files (rotation removes the oldest file each time).
  void ForgetRemovedFinished();

  std::string path_;
  std::list<File> chain_;  // front: being read; back: last seen at the name
  // Files read to their end, kept open while they exist (the last few) so that neither the
  // name nor the directory search takes one for a new file.
  std::list<File> finished_;
};

}  // namespace sluice
