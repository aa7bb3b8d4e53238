// socket_tuning.h - TCP_NODELAY / TCP_QUICKACK on libmilter's accepted MTA connections.
//
// Why: over loopback TCP, a protocol step that gets no reply (the MTA's macro packets, our
// header-add packets) leaves the sender's next small write waiting for a delayed ACK, about
// 40 ms per message (mta-recipes.md §5). NODELAY on our side and re-armed QUICKACK on reads
// remove both waits.
//
// libmilter does not expose the connection's descriptor, so Adopt() reads it from the
// context (libmilter 8.14-8.18 keep it as the second field) and then *verifies* it: a
// connection libmilter's own accept() returned (read_ahead.h, no system call), or else a
// connected TCP stream socket whose local port is the one we listen on. Anything else and
// tuning is switched off for good (and said once on stderr); nothing breaks without it.
// SLUICE_MILTER_TCP_TUNING=0 in the environment switches it off (for benchmarks).
//
// Thread-safety: Adopt() and BeforeRead() may be called from any connection thread.
#pragma once

#include <atomic>
#include <string>

struct smfi_str;

namespace sluice::milter {

// The connection's descriptor read from the context and verified to be a connected stream
// socket (not the listener), or -1. Used for the read-ahead (read_ahead.h) on any socket.
int ConnectionFd(smfi_str* ctx);

class SocketTuning {
 public:
  // Remembers the TCP port of "inet:PORT@HOST" / "inet6:PORT@HOST"; unix sockets need none.
  void ListenOn(const std::string& socket);
  // The connection's descriptor with TCP_NODELAY set, or -1 when not reachable/verified.
  int Adopt(smfi_str* ctx);
  // Asks the kernel to ACK the next incoming packet at once.
  void BeforeRead(int fd);

 private:
  int port_ = -1;
  std::atomic<bool> enabled_{true};
};

}  // namespace sluice::milter
