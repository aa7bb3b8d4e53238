// thread_reuse.cc - see thread_reuse.h.
#include "filter/milter/thread_reuse.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace sluice::milter {
namespace {

// One pooled thread; owned by that thread, deleted when it ends.
struct Worker {
  pthread_t id{};
  std::condition_variable wake;  // under Pool::mu
  void* (*routine)(void*) = nullptr;
  void* arg = nullptr;
  sigset_t mask;  // the requester's signal mask, for the routine it hands over
};

struct Pool {
  std::mutex mu;
  std::vector<Worker*> parked;  // the most recently parked last
};

// Never destroyed: parked threads may still wait on it while the process exits.
Pool& GetPool() {
  static Pool* pool = new Pool;
  return *pool;
}

std::atomic<bool> g_reuse{[] {
  const char* env = std::getenv("SLUICE_MILTER_REUSE_THREADS");
  return env == nullptr || std::strcmp(env, "0") != 0;
}()};

thread_local Worker* t_worker = nullptr;  // set in pooled threads

void* RunPooled(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  w->id = pthread_self();
  t_worker = w;
  sigset_t current = w->mask;  // inherited from the thread that made this one
  Pool& pool = GetPool();
  for (;;) {
    w->routine(w->arg);
    std::unique_lock<std::mutex> lock(pool.mu);
    w->routine = nullptr;
    if (!g_reuse.load(std::memory_order_relaxed) || pool.parked.size() >= kMaxParked) break;
    pool.parked.push_back(w);
    if (!w->wake.wait_for(lock, std::chrono::seconds(kParkSeconds),
                          [w] { return w->routine != nullptr; })) {
      pool.parked.erase(std::find(pool.parked.begin(), pool.parked.end(), w));
      break;
    }
    lock.unlock();
    if (std::memcmp(&w->mask, &current, sizeof current) != 0) {
      pthread_sigmask(SIG_SETMASK, &w->mask, nullptr);
      current = w->mask;
    }
  }
  t_worker = nullptr;
  delete w;
  return nullptr;
}

}  // namespace

void SetThreadReuse(bool on) { g_reuse.store(on, std::memory_order_relaxed); }

size_t ParkedThreads() {
  Pool& pool = GetPool();
  std::lock_guard<std::mutex> lock(pool.mu);
  return pool.parked.size();
}

}  // namespace sluice::milter

using sluice::milter::Worker;

extern "C" int sluice_milter_thread_create(pthread_t* thread, const pthread_attr_t* attr,
                                           void* (*routine)(void*), void* arg) {
  if (attr != nullptr || !sluice::milter::g_reuse.load(std::memory_order_relaxed)) {
    return pthread_create(thread, attr, routine, arg);
  }
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  sluice::milter::Pool& pool = sluice::milter::GetPool();
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    if (!pool.parked.empty()) {
      Worker* w = pool.parked.back();
      pool.parked.pop_back();
      w->routine = routine;
      w->arg = arg;
      w->mask = mask;
      *thread = w->id;
      // Under the lock: once it is released the worker may run, park again and end.
      w->wake.notify_one();
      return 0;
    }
  }
  auto* w = new (std::nothrow) Worker;
  if (w == nullptr) return EAGAIN;
  w->routine = routine;
  w->arg = arg;
  w->mask = mask;
  const int rc = pthread_create(thread, nullptr, sluice::milter::RunPooled, w);
  if (rc != 0) {
    delete w;
    return rc;
  }
  pthread_detach(*thread);
  return 0;
}

extern "C" int sluice_milter_thread_detach(pthread_t thread) {
  // A pooled thread detaching itself: it is detached already (and must stay joinable by no one).
  if (sluice::milter::t_worker != nullptr && pthread_equal(thread, pthread_self())) return 0;
  return pthread_detach(thread);
}
