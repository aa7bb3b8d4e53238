// mapped_file.h - a whole file mapped read-only, and a whole file read into a string.
//
// Cache files (compiled Hyperscan databases, several MB at start-up) are copied once by their
// consumer; reading them through a stream first cost a growing buffer, a copy out of it and a
// page fault per fresh 4 KB of each. A mapping shares the page cache's pages instead, faulted
// in a batch at a time.
//
// Failure: Open and ReadFileBytes return false when the file cannot be opened, stat'ed, mapped
// or read; nothing is held then. A mapped file must not be truncated while mapped (reading past
// its new end raises SIGBUS): map only files that are replaced by rename (WriteFileAtomically).
// Thread-safety: a MappedFile is immutable once open; readers may share it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path` (an empty file maps as empty bytes). Replaces what was mapped before.
  bool Open(const std::string& path);
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void Close();
  void* data_ = nullptr;
  size_t size_ = 0;
};

// The whole of `path` in *out, read with one read() of its size where it can. On false,
// errno says why (e.g. EISDIR for a directory, which opens but does not read).
bool ReadFileBytes(const std::string& path, std::string* out);
// The rest of the open file `fd` in *out, read to its end; the caller keeps `fd` and has
// checked what it is (LoadConfig refuses a FIFO before reading). On false, errno says why.
bool ReadFdBytes(int fd, std::string* out);

}  // namespace sluice
