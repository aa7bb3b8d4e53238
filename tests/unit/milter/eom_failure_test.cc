// eom_failure_test.cc - a message whose scoring throws at end of message still gets its
// score-log line ("nothing vanishes"), with the on_error action the MTA was given.
//
// The real Milter (libmilter, a unix socket) is driven by a minimal milter-protocol client
// (version 6, every step answered); the EngineHolder holds an Engine whose Score throws
// std::bad_alloc, which is what reaches OnEom's catch path in production.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "filter/log/log_reader.h"
#include "filter/milter/milter.h"

namespace sluice::milter {
namespace {

class ThrowingEngine final : public Engine {
 public:
  explicit ThrowingEngine(Config config) : config_(std::move(config)) {}
  Result<std::shared_ptr<const Engine>> Reload(const Config&) const override {
    return Status::Internal("not in this test");
  }
  ScoreResult Score(std::string_view) const override { throw std::bad_alloc(); }
  ScoreResult Score(std::string_view, const Thresholds&) const override { throw std::bad_alloc(); }
  ScoreResult Score(std::string_view, const Thresholds&, const ScoreOptions&) const override {
    throw std::bad_alloc();
  }
  const Config& config() const override { return config_; }

 private:
  Config config_;
};

// One milter packet each way: 4-byte big-endian length, command byte, data.
class Wire {
 public:
  explicit Wire(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Wire() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(char cmd, const std::string& data = "") {
    const uint32_t len = htonl(static_cast<uint32_t>(data.size() + 1));
    std::string packet(reinterpret_cast<const char*>(&len), 4);
    packet += cmd;
    packet += data;
    ASSERT_EQ(::write(fd_, packet.data(), packet.size()), static_cast<ssize_t>(packet.size()));
  }
  // The reply's command byte and data; command 0 when the connection closed.
  std::pair<char, std::string> Read() {
    uint32_t len = 0;
    if (!ReadAll(&len, 4)) return {0, ""};
    std::string data(ntohl(len), '\0');
    if (data.empty() || !ReadAll(data.data(), data.size())) return {0, ""};
    return {data[0], data.substr(1)};
  }

 private:
  bool ReadAll(void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
      const ssize_t got = ::read(fd_, p, n);
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

std::string Uint32s(std::initializer_list<uint32_t> values) {
  std::string out;
  for (uint32_t v : values) {
    const uint32_t be = htonl(v);
    out.append(reinterpret_cast<const char*>(&be), 4);
  }
  return out;
}

TEST(MilterEndOfMessage, ScoringThatThrowsIsLoggedWithTheOnErrorAction) {
  char dir_template[] = "/tmp/sluice-eom-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  Config config;
  config.milter.socket = "unix:" + dir + "/milter.sock";
  config.milter.spill_dir = dir;
  config.on_error = ErrorPolicy::kTempfail;
  EngineHolder engines;
  engines.Set(std::make_shared<const ThrowingEngine>(config));
  auto log = ScoreLog::Open(dir + "/score.log");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto milter = Milter::Open(config, &engines, log->get());
  ASSERT_TRUE(milter.ok()) << milter.status().ToString();
  std::thread runner([&] { (*milter)->Run(); });

  std::vector<std::string> replies;
  {
    Wire w(dir + "/milter.sock");
    ASSERT_TRUE(w.connected());
    w.Send('O', Uint32s({6, 0x1ff, 0}));  // every action, no step negotiated away
    ASSERT_EQ(w.Read().first, 'O');
    w.Send('C', std::string("client.example\0", 15) + "4" + std::string("\x09\xdd", 2) +
                    std::string("192.0.2.9\0", 10));
    EXPECT_EQ(w.Read().first, 'c');
    w.Send('M', std::string("<alice@example.org>\0", 20));
    EXPECT_EQ(w.Read().first, 'c');
    w.Send('R', std::string("<bob@example.net>\0", 18));
    EXPECT_EQ(w.Read().first, 'c');
    w.Send('L', std::string("Message-ID\0<eom-throws@example.org>\0", 36));
    EXPECT_EQ(w.Read().first, 'c');
    w.Send('N');
    EXPECT_EQ(w.Read().first, 'c');
    w.Send('B', "hello\r\n");
    EXPECT_EQ(w.Read().first, 'c');
    w.Send('E');
    for (;;) {  // modifications (none expected), then the final answer
      auto [cmd, data] = w.Read();
      ASSERT_NE(cmd, 0) << "connection closed at end of message";
      replies.push_back(std::string(1, cmd) + data.c_str());
      if (std::strchr("cartdy", cmd) != nullptr) break;
    }
    w.Send('Q');
  }
  (*milter)->Stop();
  runner.join();
  (*log)->Flush();

  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back().substr(0, 4), "y451") << replies.back();

  std::ifstream in(dir + "/score.log");
  std::vector<LogEntry> entries;
  for (std::string line; std::getline(in, line);) {
    auto entry = ParseLogLine(line);
    ASSERT_TRUE(entry.ok()) << line;
    entries.push_back(*entry);
  }
  ASSERT_EQ(entries.size(), 1u) << "the failed message has exactly one line";
  const LogEntry& e = entries[0];
  EXPECT_EQ(e.source, "milter");
  EXPECT_EQ(e.action, "tempfail");
  EXPECT_TRUE(e.error);
  EXPECT_EQ(e.message_id, "<eom-throws@example.org>");
  EXPECT_EQ(e.from, "alice@example.org");
  EXPECT_NE(e.reason.find("bad_alloc"), std::string::npos) << e.reason;

  std::remove((dir + "/score.log").c_str());
  std::remove((dir + "/milter.sock").c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace sluice::milter
