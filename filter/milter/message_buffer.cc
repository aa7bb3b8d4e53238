// message_buffer.cc - memory first, then an unlinked temporary file; see message_buffer.h.
#include "filter/milter/message_buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sluice::milter {

MessageBuffer::MessageBuffer(size_t spill_bytes, size_t scan_limit, std::string spill_dir)
    : spill_bytes_(spill_bytes), scan_limit_(scan_limit), spill_dir_(std::move(spill_dir)) {}

MessageBuffer::~MessageBuffer() { Reset(); }

void MessageBuffer::Unmap() {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
}

void MessageBuffer::Reset() {
  Unmap();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  memory_.clear();
  // A huge message must not pin its capacity for the rest of the connection.
  if (memory_.capacity() > spill_bytes_ + 4096) std::string().swap(memory_);
  total_ = 0;
  kept_ = 0;
}

// Writes at `offset`, not at the file position: a write cut short (disk full) leaves a
// fragment past the kept bytes, and the next Append must overwrite it, not follow it.
static Status WriteAll(int fd, const char* data, size_t len, size_t offset) {
  while (len > 0) {
    const ssize_t n = ::pwrite(fd, data, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Io(std::string("spill file write: ") + std::strerror(errno));
    data += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status MessageBuffer::Spill() {
  // O_TMPFILE: never visible in the directory, gone when closed, even after a crash.
  int fd = ::open(spill_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string tmpl = spill_dir_ + "/sluice-spill-XXXXXX";
    fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
      return Status::Io("cannot create a spill file in " + spill_dir_ + ": " +
                        std::strerror(errno));
    }
    ::unlink(tmpl.c_str());
  }
  Status st = WriteAll(fd, memory_.data(), memory_.size(), 0);
  if (!st.ok()) {
    ::close(fd);
    return st;
  }
  fd_ = fd;
  std::string().swap(memory_);
  return Status::Ok();
}

Status MessageBuffer::Append(std::string_view bytes) {
  total_ += bytes.size();
  const size_t room = scan_limit_ > kept_ ? scan_limit_ - kept_ : 0;
  bytes = bytes.substr(0, std::min(room, bytes.size()));
  if (bytes.empty()) return Status::Ok();
  Unmap();
  if (fd_ < 0 && kept_ + bytes.size() > spill_bytes_) {
    Status st = Spill();
    // Keeps what fits in memory; the caller decides what a failed spill means.
    if (!st.ok()) return st;
  }
  if (fd_ >= 0) {
    Status st = WriteAll(fd_, bytes.data(), bytes.size(), kept_);
    if (!st.ok()) return st;
  } else {
    memory_.append(bytes);
  }
  kept_ += bytes.size();
  return Status::Ok();
}

Result<std::string_view> MessageBuffer::View() {
  if (fd_ < 0) return std::string_view(memory_);
  if (kept_ == 0) return std::string_view();
  if (map_ == nullptr) {
    void* p = ::mmap(nullptr, kept_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return Status::Io(std::string("spill file mmap: ") + std::strerror(errno));
    map_ = p;
    map_len_ = kept_;
  }
  return std::string_view(static_cast<const char*>(map_), map_len_);
}

}  // namespace sluice::milter
