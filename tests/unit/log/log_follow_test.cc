// log_follow_test.cc - `sluice logs --follow`'s reader against the real score-log writer:
// lines in order, none lost, across logrotate's rename + create + SIGUSR1 reopen (also
// while a writer keeps appending), and across copytruncate.
#include "filter/log/log_follow.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "filter/log/log_reader.h"
#include "filter/log/score_log.h"
#include "sample_record.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class LogFollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-follow-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "score.log").string();
    auto log = ScoreLog::Open(path_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }
  // One record whose queue id is `id`.
  void Write(const std::string& id) {
    LogRecord r = Sample();
    r.envelope.queue_id = id;
    log_->Write(std::move(r));
  }
  // logrotate "create": rename, a new empty file by the name; the reopen comes later.
  void RenameAndCreate(const std::string& suffix) {
    fs::rename(path_, path_ + suffix);
    std::ofstream(path_).flush();
  }
  // The queue ids of the lines the follower hands over now.
  std::vector<std::string> Poll(LogFollower* follower) {
    std::vector<std::string> ids;
    follower->Poll([&](std::string_view line) {
      auto e = ParseLogLine(line);
      ids.push_back(e.ok() ? e->queue_id : "unreadable: " + std::string(line));
    });
    return ids;
  }

  // Writes records `ids`, then opens a follower, which must read them first.
  std::unique_ptr<LogFollower> FollowAfter(const std::vector<std::string>& ids) {
    for (const std::string& id : ids) Write(id);
    log_->Flush();
    auto follower = LogFollower::Open(path_);
    EXPECT_TRUE(follower.ok()) << follower.status().ToString();
    if (!follower.ok()) return nullptr;
    EXPECT_EQ(Poll(follower->get()), ids);
    return std::move(follower).value();
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<ScoreLog> log_;
};

using Ids = std::vector<std::string>;

TEST_F(LogFollowTest, ReadsWholeLinesAsTheyCome) {
  auto follower = FollowAfter({"A", "B"});
  ASSERT_NE(follower, nullptr);
  EXPECT_EQ(Poll(follower.get()), Ids{});
  {
    std::ofstream out(path_, std::ios::app);
    out << R"({"queue_id":"C"})"
        << "\n"
        << R"({"queue_id":"D")";  // D not ended yet
  }
  EXPECT_EQ(Poll(follower.get()), Ids{"C"});
  std::ofstream(path_, std::ios::app) << "}\n";
  EXPECT_EQ(Poll(follower.get()), Ids{"D"});
  EXPECT_FALSE(LogFollower::Open((dir_ / "missing.log").string()).ok());
}

// The packaged logrotate renames the log and creates an empty one; the daemon writes to the
// renamed file until its SIGUSR1 reopen. A follower that switched at the rename lost those
// lines (C here).
TEST_F(LogFollowTest, LinesWrittenToTheRenamedFileBeforeTheReopenAreRead) {
  auto follower = FollowAfter({"A"});
  ASSERT_NE(follower, nullptr);
  RenameAndCreate(".1");
  EXPECT_EQ(Poll(follower.get()), Ids{});
  Write("C");  // still to the renamed file
  log_->Flush();
  log_->Reopen();
  Write("D");  // to the new one
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), (Ids{"C", "D"}));
  Write("E");
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), Ids{"E"});
}

TEST_F(LogFollowTest, TruncatedInPlaceIsReadFromTheStart) {
  auto follower = FollowAfter({"A", "B"});
  ASSERT_NE(follower, nullptr);
  fs::resize_file(path_, 0);  // copytruncate (the writer appends: O_APPEND)
  Write("C");
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), Ids{"C"});
}

// logrotate's numbered scheme run twice before the follower polls again (a forced run right
// after the weekly one, or two daemons' logs in one busy minute): score.log -> .1 -> .2, the
// middle file B lands at .1 and is never at the name when the follower looks. Before, the
// follower went from A straight to C and lost every line written to B.
TEST_F(LogFollowTest, TwoRotationsBetweenPollsLoseNoLines) {
  auto follower = FollowAfter({"A1"});
  ASSERT_NE(follower, nullptr);
  Write("A2");  // to A, not read yet
  log_->Flush();
  RenameAndCreate(".1");  // A -> .1, B created
  Write("A3");            // still to A
  log_->Flush();
  log_->Reopen();
  log_->Flush();  // the reopen done: what follows goes to B
  Write("B1");
  Write("B2");
  log_->Flush();
  fs::rename(path_ + ".1", path_ + ".2");  // A -> .2
  RenameAndCreate(".1");                   // B -> .1, C created
  Write("B3");                             // still to B
  log_->Flush();
  log_->Reopen();
  log_->Flush();
  Write("C1");
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), (Ids{"A2", "A3", "B1", "B2", "B3", "C1"}));
  Write("C2");
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), Ids{"C2"});
}

// The middle file seen at the name once, while still empty (the daemon had not reopened yet),
// then rotated away before it was read: it is kept open from that first sight.
TEST_F(LogFollowTest, AFileSeenEmptyAndRotatedAwayIsStillRead) {
  auto follower = FollowAfter({"A1"});
  ASSERT_NE(follower, nullptr);
  RenameAndCreate(".1");  // A -> .1, B created
  EXPECT_EQ(Poll(follower.get()), Ids{});
  log_->Reopen();
  log_->Flush();
  Write("B1");
  log_->Flush();
  fs::rename(path_ + ".1", path_ + ".2.gz");  // A compressed away (a new file in reality)
  fs::remove(path_ + ".2.gz");
  RenameAndCreate(".1");                         // B -> .1, C created
  fs::rename(path_ + ".1", dir_ / "elsewhere");  // and B moved out of the pattern entirely
  log_->Reopen();
  log_->Flush();
  Write("C1");
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), (Ids{"B1", "C1"}));
}

// Older rotated files (written before the followed one) are not read again when a rotation
// is followed.
TEST_F(LogFollowTest, OlderRotatedFilesAreNotReadAgain) {
  {
    std::ofstream(path_ + ".3") << R"({"queue_id":"OLD"})"
                                << "\n";
  }
  fs::last_write_time(path_ + ".3", fs::file_time_type::clock::now() - std::chrono::hours(24));
  auto follower = FollowAfter({"A1"});
  ASSERT_NE(follower, nullptr);
  RenameAndCreate(".1");
  log_->Reopen();
  log_->Flush();
  Write("B1");
  log_->Flush();
  fs::rename(path_ + ".1", path_ + ".2");
  RenameAndCreate(".1");
  log_->Reopen();
  log_->Flush();
  Write("C1");
  log_->Flush();
  EXPECT_EQ(Poll(follower.get()), (Ids{"B1", "C1"}));
}

// A writer writing all the time while the log is rotated twice in a row (numbered scheme)
// between the follower's polls, again and again: every line once, in order.
TEST_F(LogFollowTest, DoubleRotationsWhileAWriterAppendsLoseNothing) {
  auto follower = LogFollower::Open(path_);
  ASSERT_TRUE(follower.ok());
  Ids seen;
  int next = 0;
  auto write_some = [&](int n) {
    for (int j = 0; j < n; ++j) Write(std::to_string(next++));
  };
  auto rotate = [&] {
    for (int k = 4; k >= 1; --k) {
      const std::string from = path_ + "." + std::to_string(k);
      if (fs::exists(from)) fs::rename(from, path_ + "." + std::to_string(k + 1));
    }
    RenameAndCreate(".1");
  };
  for (int round = 0; round < 20; ++round) {
    write_some(100);
    rotate();  // while the writer thread writes those
    write_some(30);
    // Every third round the follower looks in between (the middle file seen at the name).
    if (round % 3 == 1) {
      for (auto& id : Poll(follower->get())) seen.push_back(std::move(id));
    }
    log_->Reopen();
    write_some(100);
    rotate();
    write_some(30);
    log_->Reopen();
    write_some(100);
    log_->Flush();
    for (auto& id : Poll(follower->get())) seen.push_back(std::move(id));
  }
  for (size_t i = 0; i < seen.size() && i < static_cast<size_t>(next); ++i) {
    ASSERT_EQ(seen[i], std::to_string(i)) << "line " << i << " lost or out of order";
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(next)) << "lines lost or duplicated";
}

// A writer appending all the time, the file rotated again and again under it (rename and
// create while lines are still being written, more lines, reopen) while the follower polls:
// every line arrives once, in order. Each round ends once the follower has read a line from
// the new file, so that no rotation comes before the follower saw the previous one (two
// rotations within one poll would hide the middle file from any reader that follows a name).
TEST_F(LogFollowTest, NothingIsLostWhileAWriterAppendsAcrossRotations) {
  auto follower = LogFollower::Open(path_);
  ASSERT_TRUE(follower.ok());
  constexpr int kRounds = 40;
  std::atomic<bool> done{false};
  std::atomic<size_t> seen_count{0};
  Ids seen;
  std::thread reader([&] {
    for (;;) {
      const bool last = done.load();
      for (auto& id : Poll(follower->get())) seen.push_back(std::move(id));
      seen_count = seen.size();
      if (last) return;
    }
  });
  int next = 0;
  auto write_some = [&](int n) {
    for (int j = 0; j < n; ++j) Write(std::to_string(next++));
  };
  for (int round = 0; round < kRounds; ++round) {
    write_some(200);
    RenameAndCreate("." + std::to_string(round));  // while the writer thread writes those
    write_some(50);                                // the renamed file, unless written late
    log_->Reopen();
    write_some(200);
    log_->Flush();  // all written, reopen done
    write_some(1);  // certainly in the new file
    log_->Flush();
    for (int wait = 0; wait < 500 && seen_count.load() < static_cast<size_t>(next); ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (seen_count.load() < static_cast<size_t>(next)) break;  // lost: the check below says
  }
  done = true;
  reader.join();
  ASSERT_EQ(seen.size(), static_cast<size_t>(next)) << "lines lost or duplicated";
  for (int i = 0; i < next; ++i) ASSERT_EQ(seen[i], std::to_string(i)) << i;
}

}  // namespace
}  // namespace sluice
