// proxy_threads_test.cc - how the proxy sets up its threads and sockets: smtp.io_threads
// decides the number of connection threads, and accepted client sockets have TCP_NODELAY
// (inherited from the listener, not set per connection).
#include <dirent.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "filter/smtp/proxy.h"
#include "tests/unit/smtp/fake_smtp.h"

namespace sluice::smtp {
namespace {

using testing::ConnectTo;
using testing::FakeDownstream;
using testing::FakeEngine;
using testing::FreePort;
using testing::LineSocket;

// Threads of this process now.
int ThreadsNow() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

int LocalPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  return addr.sin_family == AF_INET ? ntohs(addr.sin_port) : -1;
}

int PeerPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  return addr.sin_family == AF_INET ? ntohs(addr.sin_port) : -1;
}

// The descriptor, in this process, of the proxy's end of the client connection whose
// client side is `client_fd` (the proxy runs in-process); -1 if none.
int ProxySideOf(int client_fd, int proxy_port) {
  int client_port = LocalPort(client_fd);
  int found = -1;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    int fd = std::atoi(entry->d_name);
    struct stat st {};
    if (fd == client_fd || ::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    if (LocalPort(fd) == proxy_port && PeerPort(fd) == client_port) found = fd;
  }
  ::closedir(dir);
  return found;
}

class ProxyThreadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.smtp.enabled = true;
    port_ = FreePort();
    config_.smtp.listen = "127.0.0.1:" + std::to_string(port_);
    config_.smtp.downstream = "127.0.0.1:" + std::to_string(downstream_.port());
    config_.smtp.hostname = "sluice.test";
    holder_ = std::make_unique<EngineHolder>(std::make_shared<FakeEngine>(config_));
  }
  std::unique_ptr<Proxy> Start() {
    auto proxy = Proxy::Start(config_, holder_.get(), nullptr);
    EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
    return proxy.ok() ? std::move(proxy).value() : nullptr;
  }

  Config config_;
  FakeDownstream downstream_;
  std::unique_ptr<EngineHolder> holder_;
  int port_ = 0;
};

TEST_F(ProxyThreadsTest, IoThreadsSetsTheNumberOfConnectionThreads) {
  // The scorer pool's size does not depend on io_threads, so the difference between two
  // proxies is the difference in I/O threads.
  int before = ThreadsNow();
  config_.smtp.io_threads = 1;
  auto one = Start();
  ASSERT_NE(one, nullptr);
  int with_one = ThreadsNow() - before;
  one->Stop();
  one.reset();
  EXPECT_EQ(ThreadsNow(), before);

  config_.smtp.io_threads = 3;
  auto three = Start();
  ASSERT_NE(three, nullptr);
  int with_three = ThreadsNow() - before;
  EXPECT_EQ(with_three - with_one, 2);
  // Three threads serve sessions as one does: a session on each of them.
  std::vector<std::unique_ptr<LineSocket>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<LineSocket>(ConnectTo(port_)));
    EXPECT_EQ(clients.back()->ReadReply(), 220);
    EXPECT_EQ(clients.back()->Command("EHLO c.test"), 250);
  }
  clients.clear();  // Stop() waits for open sessions
  three->Stop();
}

TEST_F(ProxyThreadsTest, AcceptedConnectionsHaveNoDelay) {
  auto proxy = Start();
  ASSERT_NE(proxy, nullptr);
  for (int i = 0; i < 3; ++i) {
    LineSocket client(ConnectTo(port_));
    ASSERT_EQ(client.ReadReply(), 220);  // accepted and being served
    int fd = ProxySideOf(client.fd(), port_);
    ASSERT_GE(fd, 0);
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    // Without it, each reply written after the previous one is still unacknowledged waits
    // for the client's delayed ACK (Nagle), up to tens of milliseconds.
    EXPECT_NE(nodelay, 0) << "connection " << i;
  }
  proxy->Stop();
}

}  // namespace
}  // namespace sluice::smtp
