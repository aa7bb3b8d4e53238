// thread_reuse_test.cc - libmilter's thread starts (renamed to sluice_milter_thread_create)
// reuse parked threads: the routine runs with its argument and the requester's signal mask,
// a finished thread parks and takes the next routine (its thread_local state survives), its
// self-detach is accepted, and with reuse off every start is a new thread.
#include "filter/milter/thread_reuse.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::milter {
namespace {

thread_local int t_routines_run = 0;  // routines this thread has run

struct Job {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int routines_on_thread = 0;  // t_routines_run after this routine
  bool usr2_blocked = false;
  int detach_rc = -1;
  bool hold = false;  // the routine waits until released
  bool released = false;
};

void* Routine(void* arg) {
  auto* run = static_cast<Job*>(arg);
  // What libmilter's workers do first.
  const int detach_rc = sluice_milter_thread_detach(pthread_self());
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  std::unique_lock<std::mutex> lock(run->mu);
  run->cv.wait(lock, [run] { return !run->hold || run->released; });
  run->detach_rc = detach_rc;
  run->routines_on_thread = ++t_routines_run;
  run->usr2_blocked = sigismember(&mask, SIGUSR2) == 1;
  run->done = true;
  run->cv.notify_all();
  return nullptr;
}

void Start(Job* run) {
  pthread_t id;
  ASSERT_EQ(sluice_milter_thread_create(&id, nullptr, Routine, run), 0);
}

void Release(Job* run) {
  std::lock_guard<std::mutex> lock(run->mu);
  run->released = true;
  run->cv.notify_all();
}

void WaitDone(Job* run) {
  std::unique_lock<std::mutex> lock(run->mu);
  ASSERT_TRUE(run->cv.wait_for(lock, std::chrono::seconds(10), [run] { return run->done; }));
}

// The thread parks after its routine returned: wait until `n` are parked.
bool WaitParked(size_t n) {
  for (int i = 0; i < 1000; ++i) {
    if (ParkedThreads() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

class ThreadReuse : public ::testing::Test {
 protected:
  void SetUp() override { SetThreadReuse(true); }
  void TearDown() override { SetThreadReuse(true); }
};

TEST_F(ThreadReuse, AFinishedThreadRunsTheNextRoutine) {
  Job first;
  Start(&first);
  WaitDone(&first);
  EXPECT_EQ(first.detach_rc, 0);  // a pooled thread's self-detach is accepted
  ASSERT_TRUE(WaitParked(1));
  const size_t parked = ParkedThreads();

  Job second;
  Start(&second);
  WaitDone(&second);
  EXPECT_EQ(second.detach_rc, 0);
  // The same thread: its thread_local count went on.
  EXPECT_GE(second.routines_on_thread, 2);
  ASSERT_TRUE(WaitParked(parked));
  EXPECT_EQ(ParkedThreads(), parked);  // no thread more than before
}

TEST_F(ThreadReuse, OffEveryStartIsANewThread) {
  SetThreadReuse(false);
  for (int i = 0; i < 3; ++i) {
    Job run;
    Start(&run);
    WaitDone(&run);
    EXPECT_EQ(run.routines_on_thread, 1);
    EXPECT_EQ(run.detach_rc, 0);  // libc's own detach of a fresh thread
  }
}

TEST_F(ThreadReuse, TheRoutineGetsTheRequestersSignalMask) {
  Job warm;  // make sure a thread is parked, so the next starts reuse it
  Start(&warm);
  WaitDone(&warm);
  ASSERT_TRUE(WaitParked(1));
  for (bool blocked : {true, false, true}) {
    Job run;
    std::thread requester([&] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGUSR2);
      pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
      Start(&run);
    });
    requester.join();
    WaitDone(&run);
    EXPECT_EQ(run.usr2_blocked, blocked);
    EXPECT_GE(run.routines_on_thread, 2);  // a reused thread
    ASSERT_TRUE(WaitParked(1));
  }
}

TEST_F(ThreadReuse, ConcurrentStartsEachRunOnceAndAtMostTheLimitPark) {
  constexpr size_t kRuns = kMaxParked + 8;
  std::vector<Job> runs(kRuns);
  for (auto& run : runs) {
    run.hold = true;
    Start(&run);
  }
  EXPECT_EQ(ParkedThreads(), 0u);  // every parked thread was taken; the rest are new
  for (auto& run : runs) Release(&run);
  for (auto& run : runs) WaitDone(&run);
  for (const auto& run : runs) EXPECT_EQ(run.detach_rc, 0);
  ASSERT_TRUE(WaitParked(kMaxParked));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ParkedThreads(), kMaxParked);  // the 8 more ended
}

}  // namespace
}  // namespace sluice::milter
