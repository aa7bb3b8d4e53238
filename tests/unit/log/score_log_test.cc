// score_log_test.cc - the score log writer: line format, concurrency, reopen, failure.
#include "filter/log/score_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "filter/log/log_reader.h"
#include "sample_record.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class ScoreLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-log-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(FormatLogRecord, RoundTripsThroughTheReader) {
  const std::string line = FormatLogRecord(Sample());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto e = ParseLogLine(line);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->time, "2025-11-28T04:31:07.123Z");
  EXPECT_EQ(e->queue_id, "4F2A1");
  EXPECT_EQ(e->client_ip, "192.0.2.7");
  EXPECT_EQ(e->from, "alice@example.org");
  ASSERT_EQ(e->rcpts.size(), 2u);
  EXPECT_EQ(e->rcpts[1], "carol@example.com");
  EXPECT_EQ(e->subject, "Cheap p\xc3\xaflls");
  EXPECT_EQ(e->size, 2048u);
  EXPECT_DOUBLE_EQ(e->score, 12.346);
  EXPECT_EQ(e->action, "reject");
  ASSERT_EQ(e->hits.size(), 2u);
  EXPECT_EQ(e->hits[0].first, "GTUBE");
  EXPECT_DOUBLE_EQ(e->hits[0].second, 1000.0);
  ASSERT_TRUE(e->bayes_probability.has_value());
  EXPECT_DOUBLE_EQ(*e->bayes_probability, 0.999);
  EXPECT_EQ(e->total_us, 260u);
  EXPECT_NE(line.find("\"us\":{\"mime\":120,\"rules\":80,\"bayes\":40,\"total\":260}"),
            std::string::npos)
      << line;
}

TEST(FormatLogRecord, InvalidUtf8StaysOneValidLine) {
  LogRecord r = Sample();
  r.facts.subject = "bad \xff\xfe bytes\nand a newline";
  const std::string line = FormatLogRecord(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  ASSERT_TRUE(ParseLogLine(line).ok()) << line;
}

TEST_F(ScoreLogTest, ConcurrentWritersGiveWholeLines) {
  const fs::path path = dir_ / "score.log";
  auto log = ScoreLog::Open(path.string());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        LogRecord r = Sample();
        r.envelope.queue_id = std::to_string(t) + "-" + std::to_string(i);
        (*log)->Write(std::move(r));
      }
    });
  }
  for (auto& th : threads) th.join();
  (*log)->Flush();
  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 1000u);
  std::set<std::string> ids;
  for (const auto& line : lines) {
    auto e = ParseLogLine(line);
    ASSERT_TRUE(e.ok()) << line;
    ids.insert(e->queue_id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST_F(ScoreLogTest, ReopenFollowsLogrotate) {
  const fs::path path = dir_ / "score.log";
  auto log = ScoreLog::Open(path.string());
  ASSERT_TRUE(log.ok());
  (*log)->Write(Sample());
  (*log)->Flush();
  fs::rename(path, dir_ / "score.log.1");
  (*log)->Write(Sample());  // still goes to the renamed file: not reopened yet
  (*log)->Reopen();
  (*log)->Flush();
  (*log)->Write(Sample());
  (*log)->Flush();
  EXPECT_EQ(Lines(dir_ / "score.log.1").size(), 2u);
  EXPECT_EQ(Lines(path).size(), 1u);
}

TEST_F(ScoreLogTest, DestructorFlushesQueuedLines) {
  const fs::path path = dir_ / "score.log";
  {
    auto log = ScoreLog::Open(path.string());
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 100; ++i) (*log)->Write(Sample());
  }
  EXPECT_EQ(Lines(path).size(), 100u);
}

// The writer lingers after a batch and Write() does not wake it then: lines written during
// the linger must still reach the file by themselves, without a Flush().
TEST_F(ScoreLogTest, LinesWrittenWhileTheWriterLingersArriveWithoutFlush) {
  const fs::path path = dir_ / "score.log";
  auto log = ScoreLog::Open(path.string());
  ASSERT_TRUE(log.ok());
  auto wait_for_lines = [&](size_t n) {
    for (int i = 0; i < 500 && Lines(path).size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Lines(path).size();
  };
  (*log)->Write(Sample());
  EXPECT_EQ(wait_for_lines(1), 1u);
  for (int round = 0; round < 20; ++round) {  // some land in a linger, some after it
    (*log)->Write(Sample());
    std::this_thread::sleep_for(std::chrono::microseconds(300 * (round % 4)));
  }
  EXPECT_EQ(wait_for_lines(21), 21u);
}

// A full disk can cut a batch in the middle of a line (write(2) takes what fits, then fails).
// The next line, once there is room again, must start on a line of its own: glued to the
// torn one, it was unreadable too. The file-size limit (RLIMIT_FSIZE) stands in for the
// full disk: past it write(2) is short, then fails with EFBIG.
TEST_F(ScoreLogTest, LineAfterAWriteCutShortByAFullDiskStartsOnItsOwnLine) {
  const fs::path path = dir_ / "score.log";
  auto log = ScoreLog::Open(path.string());
  ASSERT_TRUE(log.ok());
  LogRecord first = Sample();
  first.envelope.queue_id = "FIRST";
  (*log)->Write(first);
  (*log)->Flush();
  const auto whole = fs::file_size(path);

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  rlimit small = saved;
  small.rlim_cur = whole + 40;  // the next line is cut after 40 bytes
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  LogRecord torn = Sample();
  torn.envelope.queue_id = "TORN";
  (*log)->Write(torn);
  (*log)->Flush();
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_EQ(fs::file_size(path), whole + 40);  // the short write happened

  LogRecord after = Sample();
  after.envelope.queue_id = "AFTER";
  (*log)->Write(after);
  (*log)->Flush();
  const auto lines = Lines(path);
  ASSERT_GE(lines.size(), 3u);
  auto e = ParseLogLine(lines.back());
  ASSERT_TRUE(e.ok()) << lines.back();
  EXPECT_EQ(e->queue_id, "AFTER");
  auto f = ParseLogLine(lines.front());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->queue_id, "FIRST");
}

// A log file that blocks (a hung NFS mount; here a FIFO nobody reads yet) must not grow
// the daemon without bound: past kMaxQueued waiting records, more are dropped and counted,
// and everything not dropped still arrives, whole, once the file moves again.
TEST_F(ScoreLogTest, BlockedFileDropsPastTheQueueBoundAndDeliversTheRest) {
  const fs::path path = dir_ / "score.fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // lets Open() succeed
  ASSERT_GE(reader, 0);
  auto log = ScoreLog::Open(path.string());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const size_t total = ScoreLog::kMaxQueued * 3;
  for (size_t i = 0; i < total; ++i) (*log)->Write(Sample());  // the pipe fills at ~64 KB
  const uint64_t dropped = (*log)->dropped();
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, total);
  // Drain the pipe while the log writes the rest and closes.
  std::string received;
  std::thread drain([&] {
    ::fcntl(reader, F_SETFL, 0);  // blocking reads until the writer closes
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(reader, buf, sizeof buf);
      if (n <= 0) break;
      received.append(buf, static_cast<size_t>(n));
    }
  });
  log->reset();  // flushes what was queued, closes the FIFO: the reader sees EOF
  drain.join();
  ::close(reader);
  size_t lines = 0;
  for (size_t at = 0; (at = received.find('\n', at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, total - dropped);
  const std::string first = received.substr(0, received.find('\n'));
  EXPECT_TRUE(ParseLogLine(first).ok()) << first;
}

// A FIFO nobody reads as the score log: open(2) for writing would wait for a reader for
// ever (and `sluice serve` with it, at start). Refused at once, by Open and by Check.
TEST_F(ScoreLogTest, AFifoNobodyReadsIsRefusedWithoutBlocking) {
  const fs::path path = dir_ / "score.fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto opening = std::async(std::launch::async, [&] { return ScoreLog::Open(path.string()); });
  if (opening.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    const int release = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // lets the open return
    opening.wait();
    ::close(release);
    FAIL() << "ScoreLog::Open blocked on a FIFO with no reader";
  }
  auto log = opening.get();
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("nobody reads"), std::string::npos)
      << log.status().ToString();
  const Status checked = ScoreLog::Check(path.string());
  EXPECT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find("nobody reads"), std::string::npos) << checked.ToString();
  // Check creates nothing and takes a file that is not there yet or a regular one.
  EXPECT_TRUE(ScoreLog::Check((dir_ / "new.log").string()).ok());
  EXPECT_FALSE(fs::exists(dir_ / "new.log"));
  EXPECT_FALSE(ScoreLog::Check(dir_.string()).ok());
}

TEST_F(ScoreLogTest, OpenFailsOnMissingDirectory) {
  auto log = ScoreLog::Open((dir_ / "no" / "such" / "score.log").string());
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("score.log"), std::string::npos);
}

// `serve --check` runs Check; what Open refuses at start must not pass it. A log in a
// directory that does not exist (a typo, a state directory not made yet) passed Check,
// and the start then failed.
TEST_F(ScoreLogTest, CheckRefusesALogOpenWouldRefuse) {
  const std::string missing_dir = (dir_ / "no" / "such" / "score.log").string();
  ASSERT_FALSE(ScoreLog::Open(missing_dir).ok());
  const Status checked = ScoreLog::Check(missing_dir);
  EXPECT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find("score log " + missing_dir + ": No such file or directory"),
            std::string::npos)
      << checked.ToString();
  const std::string under_a_file = (dir_ / "plain").string();
  std::ofstream(under_a_file).flush();
  EXPECT_FALSE(ScoreLog::Check(under_a_file + "/score.log").ok());
  EXPECT_FALSE(ScoreLog::Open(under_a_file + "/score.log").ok());
  // Still fine: a new log in an existing directory (nothing created), an existing one.
  EXPECT_TRUE(ScoreLog::Check((dir_ / "fresh.log").string()).ok());
  EXPECT_FALSE(fs::exists(dir_ / "fresh.log"));
  EXPECT_TRUE(ScoreLog::Check(under_a_file).ok());
}

}  // namespace
}  // namespace sluice
