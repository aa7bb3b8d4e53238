// downstream_pool.h - idle downstream sessions kept for the next client transaction.
//
// Opening a downstream session costs a TCP connect, a greeting and an EHLO: as much as the
// transaction itself when clients send one message per connection (smtp-source, most MTAs).
// A client session that ends with its downstream idle (no transaction open) parks it here;
// the next MAIL on the same I/O thread takes it. One pool per I/O thread (thread_local):
// a Downstream belongs to its thread's io_context. Entries are keyed by the downstream
// settings (a reload that changes them retires the old ones), capped in number and idle
// age, and may have been closed by the peer meanwhile: the caller retries once on a fresh
// connection when a reused one fails before the transaction started.
#pragma once

#include <memory>
#include <string>

#include "filter/smtp/downstream.h"

namespace sluice::smtp {

class DownstreamPool {
 public:
  // Enough for every session of a busy thread to park its downstream: with 200 client
  // sessions and a cap of 64 per thread, one message in nine paid for a new downstream
  // connection (connect, greeting, EHLO, QUIT). Idle ones older than kMaxIdleSeconds are
  // closed whenever a session parks or takes one.
  static constexpr size_t kMaxIdle = 256;
  static constexpr int kMaxIdleSeconds = 10;

  // An idle session opened with settings `key`, or nullptr.
  static std::unique_ptr<Downstream> Take(const std::string& key);
  // Parks a usable session that has no transaction open.
  static void Put(const std::string& key, std::unique_ptr<Downstream> downstream);
};

}  // namespace sluice::smtp
