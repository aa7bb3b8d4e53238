// read_ahead.h - user-space read-ahead on libmilter's connection sockets.
//
// libmilter reads every milter packet with poll(), read(5 bytes of header), poll(),
// read(the rest): four system calls per packet, for packets that Postfix streams back to back
// (no-reply steps, ~20-60 headers per message). On a 2-core box shared with the MTA those
// calls were a third of the daemon's CPU. Once BufferReads(fd) has been called for a
// connection socket, read(fd) fills a per-connection buffer with whatever the socket holds
// (up to kReadAheadBytes) and hands libmilter its bytes from there, and a poll() for input
// on that fd alone answers "readable" without a system call while bytes are buffered.
// Nothing changes for libmilter: it sees the same bytes, in the same order, and a poll on an
// empty buffer is the real poll, so its timeouts still hold. A real poll that finds the socket
// readable takes its bytes at once: libmilter's pool probes a socket with poll() and then
// polls it again before its read, so the second poll and the read are served from the buffer
// (end of file or a read error found that way is returned by the next read).
//
// Write-behind: replies (writev) to a registered socket are held back until libmilter next
// waits for input, reads or closes it, and then leave in one write; libmilter's "may I
// write?" poll is answered without a system call. At end of message the header changes and
// the final reply were a poll and a writev each; now they are one write, and the MTA gets
// them in one read. Bigger writes than kWriteBehindBytes go out directly, in order.
//
// How: libmilter is linked statically and its read/poll/close/writev calls are redirected here by
// the linker (--wrap, see CMakeLists.txt); every other fd passes straight through (one
// array lookup). close(fd) drops the buffer, so a reused fd number never sees stale bytes.
// Without the static library (ReadAheadLinked() false) BufferReads does nothing.
//
// Session wait: Debian's libmilter runs sessions on a worker pool. After each command a
// worker probes the socket with a 1 ms poll; if nothing came, it hands the session back to
// the pool controller (a pipe write, the controller's poll over all sessions, a condition
// signal to a worker: four context switches) and the next command is served from there. On
// a loaded box the MTA's next command often comes 1-20 ms later, so that happened ~3 times
// per message. SetSessionWait(ms) lets that probe wait up to `ms` on a registered socket
// (the worker keeps its session through short gaps; longer idle sessions still go back to
// the pool). 1 = libmilter's own behaviour.
//
// Thread-safety: a registered fd is read, polled and closed by one libmilter thread at a
// time (the pool hands a session from worker to worker under its own lock), so its buffer
// is unlocked; the fd table itself is atomic.
#pragma once

#include <sys/socket.h>

#include <cstddef>

namespace sluice::milter {

inline constexpr size_t kReadAheadBytes = 16 * 1024;
inline constexpr size_t kWriteBehindBytes = 8 * 1024;

// True when libmilter's read/poll/close are routed through the read-ahead.
bool ReadAheadLinked();
// Starts read-ahead on a libmilter connection socket (idempotent). False if not possible
// (not linked, fd out of range, out of memory): reads then go to the socket as before.
bool BufferReads(int fd);
// How long libmilter's 1 ms "is the next command there?" probe may wait on a registered
// socket, in ms (>= 1; default kDefaultSessionWaitMs).
inline constexpr int kDefaultSessionWaitMs = 50;
void SetSessionWait(int ms);
// Bytes buffered for fd and not yet handed out (0 when not registered); for tests.
size_t BufferedBytes(int fd);

// True while fd is a connection libmilter's listener accepted and nobody closed since. Its
// accept() is renamed to sluice_milter_accept (CMakeLists.txt), so this needs no system call,
// where checking an fd from libmilter's context costs an fstat and two getsockopt.
bool AcceptedConnection(int fd);

}  // namespace sluice::milter

// What libmilter's accept() is renamed to: accept(2), and the new fd is marked accepted.
extern "C" int sluice_milter_accept(int fd, struct sockaddr* addr, socklen_t* len);
