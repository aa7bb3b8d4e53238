// socket_tuning.cc - see socket_tuning.h for why and how this stays safe.
#include "filter/milter/socket_tuning.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "filter/milter/read_ahead.h"

namespace sluice::milter {
namespace {

// The head of libmilter's private struct smfi_str (libmilter.h, 8.14-8.18): the thread id
// (unsigned long), the socket, the debug level, the timeout.
struct ContextHead {
  unsigned long ctx_id;
  int ctx_sd;
  int ctx_dbg;
  time_t ctx_timeout;
};

int LocalPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return -1;
}

// A connected stream socket, not a listener, and not stdin/stdout/stderr.
bool IsConnectedStream(int fd) {
  struct stat st {};
  int type = 0, listening = 1;
  socklen_t len = sizeof type;
  socklen_t len2 = sizeof listening;
  return fd > 2 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
         getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM &&
         getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len2) == 0 && listening == 0;
}

}  // namespace

int ConnectionFd(smfi_str* ctx) {
  if (ctx == nullptr) return -1;
  const int fd = reinterpret_cast<const ContextHead*>(ctx)->ctx_sd;
  // A connection libmilter's listener accepted is one by construction: no system call.
  return AcceptedConnection(fd) || IsConnectedStream(fd) ? fd : -1;
}

void SocketTuning::ListenOn(const std::string& socket) {
  const char* env = std::getenv("SLUICE_MILTER_TCP_TUNING");
  if (env != nullptr && std::strcmp(env, "0") == 0) return;
  const auto colon = socket.find(':');
  const auto at = socket.find('@');
  if (colon == std::string::npos) return;
  const std::string port =
      socket.substr(colon + 1, at == std::string::npos ? std::string::npos : at - colon - 1);
  port_ = std::atoi(port.c_str());
}

int SocketTuning::Adopt(smfi_str* ctx) {
  if (port_ <= 0 || ctx == nullptr || !enabled_.load(std::memory_order_relaxed)) return -1;
  const int fd = reinterpret_cast<const ContextHead*>(ctx)->ctx_sd;
  // libmilter listens on one socket, ours, so what it accepted needs no port check.
  const bool ok = AcceptedConnection(fd) || (IsConnectedStream(fd) && LocalPort(fd) == port_);
  if (!ok) {
    if (enabled_.exchange(false)) {
      std::fprintf(stderr,
                   "sluice: milter: TCP tuning off (connection socket not recognised); "
                   "consider a unix: socket\n");
    }
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  BeforeRead(fd);
  return fd;
}

void SocketTuning::BeforeRead(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

}  // namespace sluice::milter
