// engine_holder.h - the current Engine of a running daemon, swapped on reload.
//
// Each message takes a snapshot with Get() when it starts and keeps it to the end, so a
// reload never disturbs a message in flight. TSan-clean: a mutex, see snapshot_holder.h.
// Thread-safety: Get() and Set() may be called from any thread.
#pragma once

#include "filter/engine/engine.h"
#include "filter/engine/snapshot_holder.h"

namespace sluice {

using EngineHolder = SnapshotHolder<const Engine>;

}  // namespace sluice
