#include "filter/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

namespace sluice {
namespace {

TEST(ConfigTest, EmbeddedDefaultParses) {
  auto config = ParseConfig(DefaultConfigText(), "<embedded default>");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->scoring.thresholds.ActionFor(4.9), Action::kAccept);
  EXPECT_EQ(config->scoring.thresholds.ActionFor(5.0), Action::kAddHeader);
  EXPECT_EQ(config->scoring.thresholds.ActionFor(12), Action::kReject);
  ASSERT_EQ(config->scoring.rule_files.size(), 1u);
  EXPECT_NE(config->scoring.rule_files[0].find("/rules/sluice.yaml"), std::string::npos);
  EXPECT_EQ(config->scoring.rule_files[0].find("${"), std::string::npos);
  EXPECT_EQ(config->milter.socket_mode, 0660u);
  EXPECT_EQ(config->smtp.io_threads, 0u);  // one per core
}

// A config path that names a directory (a slip: --config /etc/sluice) loaded as an empty
// configuration, no rules and no token store, and `serve --check` said ok.
TEST(ConfigTest, LoadConfigRefusesWhatIsNotAReadableFile) {
  const std::string dir = ::testing::TempDir() + "sluice-config-dir-" + std::to_string(::getpid());
  ASSERT_TRUE(std::filesystem::create_directories(dir));
  auto config = LoadConfig(dir);
  std::filesystem::remove(dir);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find(dir + ": cannot read config file: Is a directory"),
            std::string::npos)
      << config.status().ToString();
  auto missing = LoadConfig(dir + "/missing.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot read config file: No such file"),
            std::string::npos)
      << missing.status().ToString();
  const std::string file = dir + ".yaml";
  { std::ofstream(file) << "scoring:\n  bayes:\n    enabled: false\n"; }
  auto good = LoadConfig(file);
  std::filesystem::remove(file);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_FALSE(good->scoring.bayes_enabled);
}

// A config path naming a FIFO (or a device) blocked every command in open(2) until some
// writer came, a SIGHUP reload with it too; now refused at once. The load runs on a thread so
// that the old blocking open fails the test instead of hanging it: the test then opens the
// FIFO for writing itself to let it go.
TEST(ConfigTest, LoadConfigRefusesAFifoWithoutBlocking) {
  const std::string fifo =
      ::testing::TempDir() + "sluice-config-fifo-" + std::to_string(::getpid()) + ".yaml";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::promise<Status> loaded;
  auto done = loaded.get_future();
  std::thread loader([&] { loaded.set_value(LoadConfig(fifo).status()); });
  const bool blocked = done.wait_for(std::chrono::seconds(5)) != std::future_status::ready;
  if (blocked) std::ofstream(fifo).flush();  // a writer: the open returns, EOF
  loader.join();
  std::filesystem::remove(fifo);
  ASSERT_FALSE(blocked) << "LoadConfig blocked on a FIFO with no writer";
  const Status status = done.get();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(fifo + ": cannot read config file: not a regular file"),
            std::string::npos)
      << status.ToString();
  auto device = LoadConfig("/dev/null");
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.status().message().find("not a regular file"), std::string::npos);
}

// YAML's .nan and .inf are doubles: a NaN threshold never matched (and made the threshold
// sort undefined), a NaN weight made every score NaN. Refused with file:line.
TEST(ConfigTest, ScoresAndWeightMustBeFinite) {
  for (const char* text :
       {"scoring:\n  actions: {reject: .nan}\n",
        "scoring:\n  actions: {add_header: 5, reject: .inf}\n",
        "scoring:\n  actions: {add_header: -.inf}\n",
        "milter:\n  outbound_actions: {reject: .NaN}\n", "scoring:\n  bayes: {weight: .nan}\n"}) {
    auto config = ParseConfig(text, "t.yaml");
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.status().message().find(": must be a finite number"), std::string::npos)
        << config.status().ToString();
    EXPECT_EQ(config.status().message().rfind("t.yaml:", 0), 0u) << config.status().ToString();
  }
  EXPECT_TRUE(
      ParseConfig("scoring:\n  actions: {reject: -5.5}\n  bayes: {weight: 0}\n", "t.yaml").ok());
}

TEST(ConfigTest, SmtpIoThreadsIsReadAndBounded) {
  auto one = ParseConfig("smtp:\n  io_threads: 1\n", "c.yaml");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->smtp.io_threads, 1u);
  auto many = ParseConfig("smtp:\n  io_threads: 65\n", "c.yaml");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().message(), "c.yaml:2: smtp.io_threads: at most 64");
  auto huge = ParseConfig("smtp:\n  io_threads: 4294967297\n", "c.yaml");
  EXPECT_FALSE(huge.ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  io_threads: -1\n", "c.yaml").ok());
}

TEST(ConfigTest, UnknownKeyIsRefusedWithLine) {
  auto config = ParseConfig("scoring:\n  actions:\n    reject: 10\n  bogus: 1\n", "/etc/x.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), "/etc/x.yaml:4: scoring.bogus: unknown key");
}

// The daemons parse these lists only when they start or reload the listener; a typo must
// be refused here, with its file:line, so `serve --check` catches it and a SIGHUP refuses
// the whole file (the SMTP proxy used to skip it after the rest had been applied).
TEST(ConfigTest, BadNetworkEntriesAreRefusedWithLine) {
  auto good = ParseConfig(
      "milter:\n  trusted_networks: [192.0.2.0/24, \"2001:db8::/32\", 10.1.2.3]\n"
      "smtp:\n  allowed_networks: [127.0.0.0/8]\n  xforward_hosts: []\n",
      "c.yaml");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->milter.trusted_networks.size(), 3u);
  EXPECT_TRUE(good->smtp.xforward_hosts.empty());

  auto prefix =
      ParseConfig("smtp:\n  allowed_networks:\n    - 127.0.0.0/8\n    - 10.0.0.0/33\n", "c.yaml");
  ASSERT_FALSE(prefix.ok());
  EXPECT_EQ(prefix.status().message().rfind("c.yaml:4: smtp.allowed_networks: ", 0), 0u)
      << prefix.status().message();
  EXPECT_NE(prefix.status().message().find("10.0.0.0/33"), std::string::npos);

  auto name = ParseConfig("milter:\n  trusted_networks: [mail.example.org]\n", "c.yaml");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().message().rfind("c.yaml:2: milter.trusted_networks: ", 0), 0u)
      << name.status().message();
  EXPECT_FALSE(ParseConfig("smtp:\n  xforward_hosts: [\"::1/129\"]\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  xforward_hosts: 127.0.0.1\n", "c.yaml").ok());
}

// The proxy never resolves names: a host name (or a bad port) here would fail every session.
TEST(ConfigTest, ListenAndDownstreamNeedNumericAddressAndPort) {
  auto good =
      ParseConfig("smtp:\n  listen: \"[::1]:10025\"\n  downstream: 192.0.2.7:25\n", "c.yaml");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->smtp.listen, "[::1]:10025");
  EXPECT_EQ(good->smtp.downstream, "192.0.2.7:25");
  auto host = ParseConfig("smtp:\n  enabled: true\n  downstream: localhost:10026\n", "c.yaml");
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().message().rfind("c.yaml:3: smtp.downstream: expected IP:PORT", 0), 0u)
      << host.status().message();
  EXPECT_FALSE(ParseConfig("smtp:\n  listen: 127.0.0.1\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  listen: 127.0.0.1:0\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  listen: 127.0.0.1:65536\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  downstream: \"127.0.0.1:2x\"\n", "c.yaml").ok());
}

// A milter.socket libmilter cannot take (a bare path, a typo in the scheme) loaded, passed
// `serve --check` (systemd's ExecStartPre) and a reload, then failed the start.
TEST(ConfigTest, MilterSocketNeedsAScheme) {
  for (const char* good :
       {"inet:11339@127.0.0.1", "inet6:11339@[::1]", "unix:/run/s.sock", "local:/run/s.sock", ""}) {
    auto config = ParseConfig(std::string("milter:\n  socket: \"") + good + "\"\n", "c.yaml");
    ASSERT_TRUE(config.ok()) << good << ": " << config.status().ToString();
    EXPECT_EQ(config->milter.socket, good);
  }
  for (const char* bad :
       {"/run/sluice/milter.sock", "unix:", "inet 11339@127.0.0.1", "tcp:11339@127.0.0.1"}) {
    auto config = ParseConfig(std::string("milter:\n  socket: \"") + bad + "\"\n", "c.yaml");
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_EQ(
        config.status().message().rfind("c.yaml:2: milter.socket: expected inet:PORT@HOST", 0), 0u)
        << config.status().message();
  }
}

// 32-bit settings: a value that does not fit used to wrap (4294967296 -> 0: no client
// admitted), and a zero timeout or limit made every session fail at once.
TEST(ConfigTest, ThirtyTwoBitSettingsAreRangeChecked) {
  auto wrap = ParseConfig("smtp:\n  max_connections: 4294967296\n", "c.yaml");
  ASSERT_FALSE(wrap.ok());
  EXPECT_EQ(wrap.status().message(), "c.yaml:2: smtp.max_connections: at most 4294967295");
  auto zero = ParseConfig("smtp:\n  command_timeout_s: 0\n", "c.yaml");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "c.yaml:2: smtp.command_timeout_s: at least 1");
  EXPECT_FALSE(ParseConfig("scoring:\n  time_budget_ms: 4294967297\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  max_recipients: 0\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("milter:\n  timeout_s: 8589934592\n", "c.yaml").ok());
  auto edge = ParseConfig(
      "smtp:\n  max_connections: 4294967295\n  data_timeout_s: 1\nmilter:\n  timeout_s: 0\n",
      "c.yaml");
  ASSERT_TRUE(edge.ok()) << edge.status().ToString();
  EXPECT_EQ(edge->smtp.max_connections, 4294967295u);
  EXPECT_EQ(edge->smtp.data_timeout_s, 1u);
  EXPECT_EQ(edge->milter.timeout_s, 0u);  // libmilter's default
}

// Reply texts, the subject tag and the host name go on one line of the SMTP dialogue or a
// header: a newline (which a YAML folded `>` string ends with) used to reach the wire.
TEST(ConfigTest, TextsThatGoOnTheWireAreOneLine) {
  auto folded =
      ParseConfig("headers:\n  reject_text: >\n    Rejected as spam, see\n    the FAQ\n", "c.yaml");
  ASSERT_FALSE(folded.ok());
  EXPECT_EQ(folded.status().message().rfind("c.yaml:2: headers.reject_text: must be one line", 0),
            0u)
      << folded.status().message();
  EXPECT_FALSE(ParseConfig("headers:\n  tempfail_text: \"later\\r\\nnow\"\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("headers:\n  subject_tag: \"[SPAM]\\n\"\n", "c.yaml").ok());
  EXPECT_FALSE(ParseConfig("smtp:\n  hostname: mx example\n", "c.yaml").ok());
  auto good = ParseConfig(
      "headers:\n  reject_text: \"Rejected: 100% spam\"\n  subject_tag: \"*** SPAM ***\"\n"
      "smtp:\n  hostname: mx.example.org\n",
      "c.yaml");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->headers.reject_text, "Rejected: 100% spam");
  EXPECT_EQ(good->headers.subject_tag, "*** SPAM ***");
}

TEST(ConfigTest, UnknownActionAndBadValue) {
  auto bad_action = ParseConfig("scoring:\n  actions:\n    bounce: 3\n", "c.yaml");
  ASSERT_FALSE(bad_action.ok());
  EXPECT_NE(bad_action.status().message().find("c.yaml:3: scoring.actions.bounce: unknown action"),
            std::string::npos);
  auto bad_number = ParseConfig("scoring:\n  max_scan_bytes: lots\n", "c.yaml");
  ASSERT_FALSE(bad_number.ok());
  EXPECT_NE(bad_number.status().message().find("c.yaml:2: scoring.max_scan_bytes: bad value"),
            std::string::npos);
  auto broken = ParseConfig("scoring: [\n", "c.yaml");
  EXPECT_FALSE(broken.ok());
}

TEST(ConfigTest, ThresholdsSortedAndRelativePaths) {
  auto config = ParseConfig(
      "scoring:\n  rules: [local.yaml]\n  actions: {reject: 12, rewrite_subject: 4, add_header: "
      "6}\n",
      "/etc/sluice/sluice.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->scoring.rule_files.at(0), "/etc/sluice/local.yaml");
  EXPECT_EQ(config->scoring.thresholds.ActionFor(5), Action::kRewriteSubject);
  EXPECT_EQ(config->scoring.thresholds.ActionFor(6), Action::kAddHeader);
  EXPECT_EQ(config->scoring.thresholds.SpamThreshold(), 4);
}

}  // namespace
}  // namespace sluice
