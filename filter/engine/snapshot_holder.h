// snapshot_holder.h - a shared_ptr that readers copy and a reload swaps.
//
// Readers take a snapshot with Get() and keep it as long as they need it; Set() makes a new
// value current without disturbing them (the OpenDKIM reload pattern).
//
// A mutex-guarded shared_ptr, not std::atomic<std::shared_ptr>: GCC 12 implements the
// latter with a lock hidden in the pointer's low bit, which ThreadSanitizer cannot see, so
// every TSan run reported races on it. One uncontended lock per message costs nothing next
// to scoring. Set() drops the old value after unlocking, so its destructor (for an Engine:
// closing the Bayes store, freeing Hyperscan databases) never runs under the lock.
//
// Thread-safety: Get() and Set() may be called from any thread.
#pragma once

#include <memory>
#include <mutex>

namespace sluice {

template <typename T>
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<T> value = nullptr) : value_(std::move(value)) {}
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

  // The current value (null only if none was ever given).
  std::shared_ptr<T> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return value_;
  }
  // Makes `value` current; holders of the old snapshot keep it.
  void Set(std::shared_ptr<T> value) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      value_.swap(value);
    }
    // `value` now holds the previous snapshot and is released here, outside the lock.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> value_;
};

}  // namespace sluice
