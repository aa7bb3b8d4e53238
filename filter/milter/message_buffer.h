// message_buffer.h - one message's bytes as the milter receives them, with bounded memory.
//
// Bytes are kept in memory up to `spill_bytes`; past that everything moves to an unlinked
// temporary file in `spill_dir` and later bytes are appended there. Only the first
// `scan_limit` bytes are kept at all (what gets scored, as SpamAssassin and Rspamd do);
// the rest is counted but dropped. View() hands out the kept bytes contiguously (memory,
// or the file mapped read-only), valid until the next Append/Reset.
//
// Failure: Append returns Io if the spill file cannot be created or written; the buffer
// then stays usable with what it had (the caller applies its on_error policy).
// Thread-safety: one buffer per milter connection; not shared.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "filter/util/status.h"

namespace sluice::milter {

class MessageBuffer {
 public:
  MessageBuffer(size_t spill_bytes, size_t scan_limit, std::string spill_dir);
  ~MessageBuffer();
  MessageBuffer(const MessageBuffer&) = delete;
  MessageBuffer& operator=(const MessageBuffer&) = delete;

  Status Append(std::string_view bytes);
  // The kept bytes (at most scan_limit). Maps the spill file if there is one.
  Result<std::string_view> View();
  // Forgets the message (closes and so deletes the spill file); keeps the limits.
  void Reset();
  // Whether this buffer was made with these limits (a reload may have changed them).
  bool HasLimits(size_t spill_bytes, size_t scan_limit, const std::string& spill_dir) const {
    return spill_bytes_ == spill_bytes && scan_limit_ == scan_limit && spill_dir_ == spill_dir;
  }

  size_t total_bytes() const { return total_; }  // everything offered to Append
  size_t kept_bytes() const { return kept_; }
  bool truncated() const { return total_ > kept_; }
  bool spilled() const { return fd_ >= 0; }

 private:
  Status Spill();
  void Unmap();

  const size_t spill_bytes_;
  const size_t scan_limit_;
  const std::string spill_dir_;
  std::string memory_;
  int fd_ = -1;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  size_t total_ = 0;
  size_t kept_ = 0;
};

}  // namespace sluice::milter
