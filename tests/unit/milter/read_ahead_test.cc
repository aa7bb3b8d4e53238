// read_ahead_test.cc - the read-ahead under libmilter's reads: same bytes in the same order,
// fewer system calls, poll answered from the buffer, nothing stale after close.
// This binary links sluice_milter, so its read/poll/close go through the same wrappers as
// libmilter's do in the daemon.
#include "filter/milter/read_ahead.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

namespace sluice::milter {
namespace {

struct Pair {
  int mta = -1;     // the writing end (the MTA)
  int milter = -1;  // the end libmilter reads
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    mta = fds[0];
    milter = fds[1];
  }
  ~Pair() {
    if (mta >= 0) close(mta);
    if (milter >= 0) close(milter);
  }
};

void WriteAll(int fd, const std::string& s) {
  ASSERT_EQ(write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
}

std::string ReadN(int fd, size_t n) {
  std::string out(n, '\0');
  const ssize_t got = read(fd, out.data(), n);
  out.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return out;
}

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

TEST(ReadAhead, UnregisteredSocketReadsAsBefore) {
  Pair p;
  WriteAll(p.mta, "abcdef");
  EXPECT_EQ(ReadN(p.milter, 2), "ab");
  EXPECT_EQ(BufferedBytes(p.milter), 0u);
  EXPECT_EQ(ReadN(p.milter, 10), "cdef");
}

TEST(ReadAhead, SmallReadsAreServedFromOneSocketRead) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  Pair p;
  ASSERT_TRUE(BufferReads(p.milter));
  // Three packets as an MTA streams them: a 5-byte head, then the rest, each.
  WriteAll(p.mta, "HEAD1body-one|HEAD2|HEAD3body-three");
  EXPECT_EQ(ReadN(p.milter, 5), "HEAD1");
  // The socket was drained into the buffer by that first read.
  EXPECT_EQ(BufferedBytes(p.milter), 30u);
  EXPECT_EQ(ReadN(p.milter, 9), "body-one|");
  EXPECT_EQ(ReadN(p.milter, 5), "HEAD2");
  // Readable from the buffer even though the socket itself is empty now.
  EXPECT_TRUE(Readable(p.milter, 0));
  EXPECT_EQ(ReadN(p.milter, 6), "|HEAD3");
  // A read larger than what is buffered gets only the buffered bytes (libmilter loops).
  EXPECT_EQ(ReadN(p.milter, 100), "body-three");
  EXPECT_EQ(BufferedBytes(p.milter), 0u);
  // Empty buffer: poll is the real one again (nothing there, so it times out).
  EXPECT_FALSE(Readable(p.milter, 0));
  WriteAll(p.mta, "later");
  EXPECT_TRUE(Readable(p.milter, 1000));
  EXPECT_EQ(ReadN(p.milter, 5), "later");
}

TEST(ReadAhead, LargeReadsBypassTheBuffer) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  Pair p;
  ASSERT_TRUE(BufferReads(p.milter));
  const std::string big(kReadAheadBytes, 'x');
  WriteAll(p.mta, big);
  std::string got;
  while (got.size() < big.size()) {
    std::string part = ReadN(p.milter, big.size() - got.size());
    ASSERT_FALSE(part.empty());
    got += part;
    EXPECT_EQ(BufferedBytes(p.milter), 0u);  // never copied through the buffer
  }
  EXPECT_EQ(got, big);
}

TEST(ReadAhead, EndOfStreamAndPollFlagsPassThrough) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  Pair p;
  ASSERT_TRUE(BufferReads(p.milter));
  WriteAll(p.mta, "last");
  close(p.mta);
  p.mta = -1;
  EXPECT_EQ(ReadN(p.milter, 2), "la");
  EXPECT_EQ(ReadN(p.milter, 2), "st");
  char c;
  EXPECT_EQ(read(p.milter, &c, 1), 0);  // EOF, as the socket says
}

TEST(ReadAhead, AReadablePollTakesTheBytesAtOnce) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  Pair p;
  ASSERT_TRUE(BufferReads(p.milter));
  WriteAll(p.mta, "HEAD1body");
  // libmilter polls (the pool's probe, then mi_rd_cmd) before each read: the first poll that
  // finds bytes reads them, so the second poll and the reads need no system call.
  EXPECT_TRUE(Readable(p.milter, 1000));
  EXPECT_EQ(BufferedBytes(p.milter), 9u);
  EXPECT_TRUE(Readable(p.milter, 0));
  EXPECT_EQ(ReadN(p.milter, 5), "HEAD1");
  EXPECT_EQ(ReadN(p.milter, 4), "body");
  // End of stream found by that read-ahead: the next read returns it, and the socket again.
  shutdown(p.mta, SHUT_WR);
  EXPECT_TRUE(Readable(p.milter, 1000));
  EXPECT_EQ(BufferedBytes(p.milter), 0u);
  EXPECT_TRUE(Readable(p.milter, 0));
  char c;
  EXPECT_EQ(read(p.milter, &c, 1), 0);
  EXPECT_EQ(read(p.milter, &c, 1), 0);
}

TEST(ReadAhead, CloseDropsBufferedBytesSoAReusedFdStartsClean) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  int fd_number;
  {
    Pair p;
    ASSERT_TRUE(BufferReads(p.milter));
    WriteAll(p.mta, "HEAD1stale-bytes");
    EXPECT_EQ(ReadN(p.milter, 5), "HEAD1");
    EXPECT_GT(BufferedBytes(p.milter), 0u);
    fd_number = p.milter;
  }  // both ends closed with bytes still buffered
  EXPECT_EQ(BufferedBytes(fd_number), 0u);
  Pair q;  // socketpair takes the lowest free numbers: the same two fds again
  ASSERT_EQ(q.milter, fd_number);
  WriteAll(q.mta, "fresh");
  EXPECT_EQ(ReadN(q.milter, 5), "fresh");  // not "stale"
}

ssize_t WriteV(int fd, std::initializer_list<std::string> parts) {
  std::vector<iovec> iov;
  for (const std::string& p : parts) iov.push_back({const_cast<char*>(p.data()), p.size()});
  return writev(fd, iov.data(), static_cast<int>(iov.size()));
}

// What the MTA end can read right now (non-blocking).
std::string Drain(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(ReadAhead, RepliesAreHeldUntilLibmilterWaitsForInput) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  Pair p;
  ASSERT_TRUE(BufferReads(p.milter));
  // "May I write?" is answered at once.
  pollfd out{p.milter, POLLOUT, 0};
  EXPECT_EQ(poll(&out, 1, 0), 1);
  EXPECT_EQ(out.revents, POLLOUT);
  EXPECT_EQ(WriteV(p.milter, {"h1", "-header"}), 9);
  EXPECT_EQ(WriteV(p.milter, {"c"}), 1);
  EXPECT_EQ(Drain(p.mta), "");  // held back
  // Waiting for the next command sends them, in order, in one go.
  EXPECT_FALSE(Readable(p.milter, 0));
  EXPECT_EQ(Drain(p.mta), "h1-headerc");
  // A read sends them too.
  EXPECT_EQ(WriteV(p.milter, {"reply2"}), 6);
  WriteAll(p.mta, "next");
  EXPECT_EQ(ReadN(p.milter, 4), "next");
  EXPECT_EQ(Drain(p.mta), "reply2");
  // A write bigger than the hold-back space goes out directly, after what was held.
  EXPECT_EQ(WriteV(p.milter, {"small"}), 5);
  const std::string big(kWriteBehindBytes + 1, 'b');
  EXPECT_EQ(WriteV(p.milter, {big}), static_cast<ssize_t>(big.size()));
  EXPECT_EQ(Drain(p.mta), "small" + big);
  // Close sends what is held.
  EXPECT_EQ(WriteV(p.milter, {"last"}), 4);
  close(p.milter);
  p.milter = -1;
  EXPECT_EQ(Drain(p.mta), "last");
}

TEST(ReadAhead, UnregisteredWritesGoStraightOut) {
  Pair p;
  EXPECT_EQ(WriteV(p.mta, {"to", "-milter"}), 9);
  EXPECT_EQ(Drain(p.milter), "to-milter");
}

// libmilter's 1 ms "next command there?" probe on a registered socket waits up to the
// session wait, so a command arriving a few ms later keeps the session on its worker.
TEST(ReadAhead, SessionWaitStretchesOnlyTheOneMillisecondProbe) {
  if (!ReadAheadLinked()) GTEST_SKIP() << "built without the static libmilter";
  Pair p;
  ASSERT_TRUE(BufferReads(p.milter));
  auto late_write = [&] {
    return std::thread([fd = p.mta] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      EXPECT_EQ(write(fd, "x", 1), 1);
    });
  };
  SetSessionWait(5000);
  std::thread w = late_write();
  EXPECT_TRUE(Readable(p.milter, 1));  // the probe waited for the late command
  w.join();
  EXPECT_EQ(ReadN(p.milter, 1), "x");
  // Other timeouts are left alone (0 ms here: nothing there, no wait).
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(Readable(p.milter, 0));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  // SetSessionWait(1) is libmilter's own behaviour: the probe gives up after 1 ms.
  SetSessionWait(1);
  w = late_write();
  EXPECT_FALSE(Readable(p.milter, 1));
  w.join();
  EXPECT_TRUE(Readable(p.milter, 1000));
  SetSessionWait(kDefaultSessionWaitMs);
  // An unregistered socket's 1 ms poll is never stretched.
  Pair q;
  SetSessionWait(5000);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(Readable(q.milter, 1));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  SetSessionWait(kDefaultSessionWaitMs);
}

// libmilter's accept() (renamed to sluice_milter_accept) marks the connection, so verifying the
// fd from its context needs no system call; close clears the mark before the number is reused.
TEST(ReadAhead, AcceptedConnectionsAreMarkedUntilClosed) {
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string name = "sluice-accept-test-" + std::to_string(getpid());
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // abstract: no file to clean up
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  const int client = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), len), 0);

  EXPECT_FALSE(AcceptedConnection(listener));
  EXPECT_FALSE(AcceptedConnection(client)) << "connected, but not accepted by libmilter";
  const int conn = sluice_milter_accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  EXPECT_TRUE(AcceptedConnection(conn));
  close(conn);
  EXPECT_FALSE(AcceptedConnection(conn));
  // A plain socket that gets the same number is not taken for a connection.
  Pair p;
  EXPECT_FALSE(AcceptedConnection(p.milter));
  EXPECT_FALSE(AcceptedConnection(-1));
  close(client);
  close(listener);
}

}  // namespace
}  // namespace sluice::milter
