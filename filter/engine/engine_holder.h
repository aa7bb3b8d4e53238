// engine_holder.h - the current Engine of a running daemon, swapped atomically on reload.
//
// Each message takes a snapshot with Get() when it starts and keeps it to the end, so a
// reload never disturbs a message in flight (the OpenDKIM pattern, with shared_ptr).
// Thread-safety: Get() and Set() may be called from any thread.
#pragma once

#include <atomic>
#include <memory>

#include "filter/engine/engine.h"

namespace sluice {

class EngineHolder {
 public:
  explicit EngineHolder(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}
  std::shared_ptr<const Engine> Get() const { return engine_.load(std::memory_order_acquire); }
  void Set(std::shared_ptr<const Engine> engine) {
    engine_.store(std::move(engine), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Engine>> engine_;
};

}  // namespace sluice
