// read_ahead.cc - see read_ahead.h. The __wrap_* functions are what the linker routes
// libmilter's (and, harmlessly, our own) read/poll/close calls to; __real_* are libc's.
#include "filter/milter/read_ahead.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#ifdef SLUICE_MILTER_READ_AHEAD
extern "C" {
ssize_t __real_read(int fd, void* buf, size_t count);
int __real_poll(struct pollfd* fds, nfds_t nfds, int timeout);
int __real_close(int fd);
}
#endif

namespace sluice::milter {
namespace {

struct Buffer {
  size_t begin = 0;
  size_t end = 0;
  char bytes[kReadAheadBytes];
};

// Indexed by fd; fds at or above the bound are never buffered (a daemon with 64k open
// connections has other problems). Zero-initialised, in .bss: untouched pages cost nothing.
constexpr int kMaxFd = 1 << 16;
std::atomic<Buffer*> g_buffers[kMaxFd];

// libmilter's worker-pool probe (mi_rd_socket_ready): poll(fd, 1 fd, 1 ms).
constexpr int kReadyProbeMs = 1;
std::atomic<int> g_session_wait_ms{kDefaultSessionWaitMs};

Buffer* Find(int fd) {
  if (fd < 0 || fd >= kMaxFd) return nullptr;
  return g_buffers[fd].load(std::memory_order_acquire);
}

}  // namespace

#ifdef SLUICE_MILTER_READ_AHEAD
bool ReadAheadLinked() { return true; }

bool BufferReads(int fd) {
  if (fd < 0 || fd >= kMaxFd) return false;
  if (Find(fd) != nullptr) return true;
  auto* b = new (std::nothrow) Buffer;
  if (b == nullptr) return false;
  g_buffers[fd].store(b, std::memory_order_release);
  return true;
}
#else
bool ReadAheadLinked() { return false; }
bool BufferReads(int) { return false; }
#endif

void SetSessionWait(int ms) { g_session_wait_ms.store(std::max(ms, 1), std::memory_order_relaxed); }

size_t BufferedBytes(int fd) {
  const Buffer* b = Find(fd);
  return b == nullptr ? 0 : b->end - b->begin;
}

}  // namespace sluice::milter

#ifdef SLUICE_MILTER_READ_AHEAD
using sluice::milter::Buffer;

extern "C" ssize_t __wrap_read(int fd, void* buf, size_t count) {
  Buffer* b = sluice::milter::Find(fd);
  if (b == nullptr || count == 0) return __real_read(fd, buf, count);
  if (b->begin == b->end) {
    // A big read (a body chunk) goes straight to the caller: no copy.
    if (count >= sizeof b->bytes / 2) return __real_read(fd, buf, count);
    const ssize_t n = __real_read(fd, b->bytes, sizeof b->bytes);
    if (n <= 0) return n;  // EOF or error (errno kept), as the socket said
    b->begin = 0;
    b->end = static_cast<size_t>(n);
  }
  const size_t n = std::min(count, b->end - b->begin);
  std::memcpy(buf, b->bytes + b->begin, n);
  b->begin += n;
  if (b->begin == b->end) b->begin = b->end = 0;
  return static_cast<ssize_t>(n);
}

extern "C" int __wrap_poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  if (nfds == 1 && fds != nullptr && (fds[0].events & POLLIN) != 0) {
    const Buffer* b = sluice::milter::Find(fds[0].fd);
    if (b != nullptr && b->begin != b->end) {
      fds[0].revents = POLLIN;
      return 1;
    }
    if (b != nullptr && timeout == sluice::milter::kReadyProbeMs) {
      timeout = sluice::milter::g_session_wait_ms.load(std::memory_order_relaxed);
    }
  }
  return __real_poll(fds, nfds, timeout);
}

extern "C" int __wrap_close(int fd) {
  if (sluice::milter::Find(fd) != nullptr) {
    delete sluice::milter::g_buffers[fd].exchange(nullptr, std::memory_order_acq_rel);
  }
  return __real_close(fd);
}
#endif
