// thread_reuse.h - libmilter's threads are parked and reused instead of ending.
//
// Debian's libmilter serves sessions on a worker pool that keeps at most two idle workers: a
// worker that finishes its session while two others idle ends its thread, and a session that
// finds no idle worker starts one. Under 10 concurrent MTA sessions (one per message) that was
// 0.4-0.5 thread starts per message: clone3, a stack (mmap, or a cached one whose pages fault
// in again after the exiting thread's madvise), signal-mask calls, and the scoring's
// per-thread state (Hyperscan scratch, MIME parser, Bayes tables) built again by each new
// thread. perf put clone3 + madvise + munmap + exit at ~9 % of the daemon's CPU.
//
// With the static libmilter, its pthread_create and pthread_detach are renamed in our copy of
// the library to the two functions below (CMakeLists.txt). A start request takes the thread
// that parked most recently (its caches are the warmest) and hands it the start routine, with
// the requester's signal mask; only when none is parked is a new thread made. When a start
// routine returns, its thread parks for up to kParkSeconds (at most kMaxParked park at a time;
// one more, or one whose wait ran out, ends as before). libmilter detaches its workers
// itself; a pooled thread is detached already, so that call is a no-op for it.
// SLUICE_MILTER_REUSE_THREADS=0 in the environment: every request starts a thread, as before.
//
// Thread-safety: the functions may be called from any thread.
#pragma once

#include <pthread.h>

#include <cstddef>

namespace sluice::milter {

inline constexpr size_t kMaxParked = 32;
inline constexpr int kParkSeconds = 30;

// False: start requests make new threads (SLUICE_MILTER_REUSE_THREADS=0, or for tests).
void SetThreadReuse(bool on);
// Threads parked now, waiting for a start routine (tests).
size_t ParkedThreads();

}  // namespace sluice::milter

// What libmilter's pthread_create and pthread_detach are renamed to (see above). attr must be
// null for a pooled thread (libmilter passes none); with one, a plain thread is made.
extern "C" int sluice_milter_thread_create(pthread_t* thread, const pthread_attr_t* attr,
                                           void* (*routine)(void*), void* arg);
extern "C" int sluice_milter_thread_detach(pthread_t thread);
