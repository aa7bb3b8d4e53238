// libmilter_signals.cc - takes libmilter's signal thread out of the daemon's signal handling.
//
// smfi_main() starts a thread that sigwait()s for SIGHUP, SIGTERM and SIGINT and stops the
// milter on any of them (SIGHUP too). `sluice serve` takes those signals on its main thread
// (cmd_serve.cc: SIGHUP reloads); the kernel hands a process-directed signal to whichever
// waiting thread it finds, the main thread first only while that one waits. A SIGHUP that came
// while the main thread was handling the signal before (a SIGUSR1 from logrotate, another
// SIGHUP) went to libmilter's thread: the milter stopped, and the daemon exited with status 0.
//
// With the static libmilter (CMakeLists.txt), its call to sigwait is renamed to the function
// below, which never returns: that thread then waits for nothing, every signal reaches the
// main thread, and Milter::Stop() (smfi_stop) remains the one way to stop the milter.
#include <signal.h>
#include <unistd.h>

extern "C" int sluice_milter_sigwait(const sigset_t*, int*) {
  for (;;) ::pause();  // every signal is blocked in this thread: never wakes
}
