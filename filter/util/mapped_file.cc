// mapped_file.cc - mmap of a whole file; a file read at its stat size.
#include "filter/util/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "filter/util/scoped_fd.h"

namespace sluice {

MappedFile::~MappedFile() { Close(); }

void MappedFile::Close() {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

bool MappedFile::Open(const std::string& path) {
  Close();
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (st.st_size == 0) return true;
  void* data =
      ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) return false;
  data_ = data;
  size_ = static_cast<size_t>(st.st_size);
  return true;
}

bool ReadFileBytes(const std::string& path, std::string* out) {
  out->clear();
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return false;
  return ReadFdBytes(fd.get(), out);
}

bool ReadFdBytes(int fd, std::string* out) {
  out->clear();
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  // The stat size is a hint (a file may grow or be a pipe): read until end of file.
  out->resize(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) + 1 : 4096);
  size_t used = 0;
  for (;;) {
    if (used == out->size()) out->resize(out->size() * 2);
    const ssize_t n = ::read(fd, out->data() + used, out->size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out->clear();
      return false;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  out->resize(used);
  return true;
}

}  // namespace sluice
