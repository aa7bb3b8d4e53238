// downstream_pool.cc - per-I/O-thread idle downstream sessions; see downstream_pool.h.
#include "filter/smtp/downstream_pool.h"

#include <chrono>
#include <deque>

namespace sluice::smtp {
namespace {

struct Idle {
  std::string key;
  std::chrono::steady_clock::time_point since;
  std::unique_ptr<Downstream> downstream;
};

std::deque<Idle>& Pool() {
  thread_local std::deque<Idle> pool;
  return pool;
}

}  // namespace

std::unique_ptr<Downstream> DownstreamPool::Take(const std::string& key) {
  auto& pool = Pool();
  auto now = std::chrono::steady_clock::now();
  // Newest first: the most recently used connection is the likeliest to be alive.
  while (!pool.empty()) {
    Idle idle = std::move(pool.back());
    pool.pop_back();
    if (idle.key == key && idle.downstream->usable() &&
        now - idle.since < std::chrono::seconds(kMaxIdleSeconds)) {
      return std::move(idle.downstream);
    }
    // Stale or for other settings: dropped (closing it is all the downstream needs).
  }
  return nullptr;
}

void DownstreamPool::Put(const std::string& key, std::unique_ptr<Downstream> downstream) {
  if (!downstream || !downstream->usable()) return;
  auto& pool = Pool();
  auto now = std::chrono::steady_clock::now();
  // Oldest first: close the ones idle too long, and the oldest when full.
  while (!pool.empty() && (pool.size() >= kMaxIdle ||
                           now - pool.front().since >= std::chrono::seconds(kMaxIdleSeconds))) {
    pool.pop_front();
  }
  pool.push_back(Idle{key, now, std::move(downstream)});
}

}  // namespace sluice::smtp
