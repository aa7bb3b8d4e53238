// read_ahead.cc - see read_ahead.h. The __wrap_* functions are what the linker routes
// libmilter's (and, harmlessly, our own) read/poll/close calls to; __real_* are libc's.
#include "filter/milter/read_ahead.h"

#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#ifdef SLUICE_MILTER_READ_AHEAD
extern "C" {
ssize_t __real_read(int fd, void* buf, size_t count);
int __real_poll(struct pollfd* fds, nfds_t nfds, int timeout);
int __real_close(int fd);
ssize_t __real_writev(int fd, const struct iovec* iov, int iovcnt);
}
#endif

namespace sluice::milter {
namespace {

struct Buffer {
  size_t begin = 0;
  size_t end = 0;
  // What a read-ahead from poll() found instead of bytes, for the next read() to return:
  // end of file, or an errno.
  bool eof = false;
  int error = 0;
  char bytes[kReadAheadBytes];
  size_t out_len = 0;  // replies held back until libmilter next waits for input
  char out[kWriteBehindBytes];
};

// Indexed by fd; fds at or above the bound are never buffered (a daemon with 64k open
// connections has other problems). Zero-initialised, in .bss: untouched pages cost nothing.
constexpr int kMaxFd = 1 << 16;
std::atomic<Buffer*> g_buffers[kMaxFd];
// Connections accepted by libmilter's listener and not closed since (AcceptedConnection).
std::atomic<bool> g_accepted[kMaxFd];

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

bool AcceptedConnection(int fd) {
  return fd >= 0 && fd < kMaxFd && g_accepted[fd].load(std::memory_order_acquire);
}

size_t BufferedBytes(int fd) {
  const Buffer* b = Find(fd);
  return b == nullptr ? 0 : b->end - b->begin;
}

}  // namespace sluice::milter

extern "C" int sluice_milter_accept(int fd, struct sockaddr* addr, socklen_t* len) {
  const int conn = accept(fd, addr, len);
  if (conn >= 0 && conn < sluice::milter::kMaxFd) {
    sluice::milter::g_accepted[conn].store(true, std::memory_order_release);
  }
  return conn;
}

#ifdef SLUICE_MILTER_READ_AHEAD
using sluice::milter::Buffer;

namespace {

// Sends the held-back replies in one write. A failure is left for the next read to see (the
// MTA is gone); libmilter then ends the session as it would have.
void Flush(int fd, Buffer* b) {
  size_t off = 0;
  while (off < b->out_len) {
    const iovec iov{b->out + off, b->out_len - off};
    const ssize_t n = __real_writev(fd, &iov, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  b->out_len = 0;
}

// poll() said the socket is readable and nothing is buffered: take its bytes now. libmilter's
// next steps are another poll and a read of the same bytes (after the pool's readiness probe
// comes mi_rd_cmd's own poll); both are then answered from the buffer. End of file or an error
// is kept for the next read to return, as the socket would have.
void Fill(int fd, Buffer* b) {
  const int saved = errno;
  const ssize_t n = __real_read(fd, b->bytes, sizeof b->bytes);
  if (n > 0) {
    b->begin = 0;
    b->end = static_cast<size_t>(n);
  } else if (n == 0) {
    b->eof = true;
  } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
    b->error = errno;
  }
  errno = saved;
}

bool HasInput(const Buffer* b) { return b->begin != b->end || b->eof || b->error != 0; }

}  // namespace

extern "C" ssize_t __wrap_read(int fd, void* buf, size_t count) {
  Buffer* b = sluice::milter::Find(fd);
  if (b == nullptr || count == 0) return __real_read(fd, buf, count);
  if (b->out_len > 0) Flush(fd, b);
  if (b->begin == b->end && b->eof) {
    b->eof = false;  // the socket says so again if asked again
    return 0;
  }
  if (b->begin == b->end && b->error != 0) {
    errno = b->error;
    b->error = 0;
    return -1;
  }
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
  if (nfds == 1 && fds != nullptr && fds[0].events == POLLOUT) {
    // libmilter asks before each reply; held back replies need no room in the socket.
    if (sluice::milter::Find(fds[0].fd) != nullptr) {
      fds[0].revents = POLLOUT;
      return 1;
    }
  }
  if (nfds == 1 && fds != nullptr && (fds[0].events & POLLIN) != 0) {
    Buffer* b = sluice::milter::Find(fds[0].fd);
    if (b != nullptr && b->out_len > 0) Flush(fds[0].fd, b);
    if (b != nullptr && HasInput(b)) {
      fds[0].revents = POLLIN;
      return 1;
    }
    if (b != nullptr && timeout == sluice::milter::kReadyProbeMs) {
      timeout = sluice::milter::g_session_wait_ms.load(std::memory_order_relaxed);
    }
    const int n = __real_poll(fds, nfds, timeout);
    if (b != nullptr && n == 1 && fds[0].revents == POLLIN) Fill(fds[0].fd, b);
    return n;
  }
  return __real_poll(fds, nfds, timeout);
}

// Replies to a registered socket are held back (up to kWriteBehindBytes) until libmilter
// next waits for input, reads or closes: the end-of-message header changes and the final
// reply then leave in one write instead of a poll and a writev each.
extern "C" ssize_t __wrap_writev(int fd, const struct iovec* iov, int iovcnt) {
  Buffer* b = sluice::milter::Find(fd);
  if (b == nullptr || iovcnt < 0) return __real_writev(fd, iov, iovcnt);
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  if (b->out_len + total > sizeof b->out) Flush(fd, b);
  if (total > sizeof b->out) return __real_writev(fd, iov, iovcnt);
  for (int i = 0; i < iovcnt; ++i) {
    std::memcpy(b->out + b->out_len, iov[i].iov_base, iov[i].iov_len);
    b->out_len += iov[i].iov_len;
  }
  return static_cast<ssize_t>(total);
}

extern "C" int __wrap_close(int fd) {
  if (fd >= 0 && fd < sluice::milter::kMaxFd) {
    sluice::milter::g_accepted[fd].store(false, std::memory_order_release);
  }
  if (Buffer* b = sluice::milter::Find(fd)) {
    if (b->out_len > 0) Flush(fd, b);
    delete sluice::milter::g_buffers[fd].exchange(nullptr, std::memory_order_acq_rel);
  }
  return __real_close(fd);
}
#endif
