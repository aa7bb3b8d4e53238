// atomic_file.cc - a temporary beside the target, written whole, then renamed over it.
#include "filter/util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {
namespace {

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status WriteFileAtomically(const std::string& path,
                           std::initializer_list<std::string_view> pieces) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Io("cannot write " + temp + ": " + std::strerror(errno));
  bool written = true;
  for (std::string_view piece : pieces) {
    if (!(written = WriteAll(fd, piece))) break;
  }
  const int saved_errno = errno;
  if (::close(fd) != 0 || !written) {
    ::unlink(temp.c_str());
    return Status::Io("cannot write " + temp + ": " + std::strerror(saved_errno));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temp.c_str());
    return Status::Io("cannot rename " + temp + " to " + path + ": " + std::strerror(rename_errno));
  }
  return Status::Ok();
}

}  // namespace sluice
