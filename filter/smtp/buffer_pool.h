// buffer_pool.h - strings kept per I/O thread for reuse (internal to filter/smtp).
//
// A proxy connection usually carries one message and is gone: its read buffer and its
// message buffer would be allocated (and the read buffer zero-filled) for every message.
// A BufferPool keeps up to `max_count` of them, each of at most `max_bytes` capacity, for
// the next connection on the same thread. Take() gives a string given back earlier as it
// was (size and stale bytes included: SmtpStream uses the size as its capacity in use, so
// that nothing is zero-filled again), or an empty one; GiveBack() keeps it or frees it.
// Thread-safety: none; use one pool per thread (thread_local), as a connection lives and
// dies on one I/O thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sluice::smtp {

class BufferPool {
 public:
  BufferPool(size_t max_count, size_t max_bytes) : max_count_(max_count), max_bytes_(max_bytes) {}

  std::string Take() {
    if (free_.empty()) return std::string();
    std::string buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
  }

  void GiveBack(std::string buffer) {
    if (buffer.capacity() > max_bytes_ || free_.size() >= max_count_) return;
    free_.push_back(std::move(buffer));
  }

  size_t size() const { return free_.size(); }

 private:
  size_t max_count_;
  size_t max_bytes_;
  std::vector<std::string> free_;
};

}  // namespace sluice::smtp
