// message_buffer_test.cc - memory, spill to an unlinked file, scan limit, reset.
#include "filter/milter/message_buffer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <string>

namespace sluice::milter {
namespace {

size_t FilesIn(const char* dir) {
  size_t n = 0;
  if (DIR* d = opendir(dir)) {
    while (dirent* e = readdir(d)) n += std::string(e->d_name).rfind("sluice-spill", 0) == 0;
    closedir(d);
  }
  return n;
}

TEST(MessageBuffer, SmallMessageStaysInMemory) {
  MessageBuffer b(100, 1000, "/tmp");
  ASSERT_TRUE(b.Append("Subject: hi\r\n\r\n").ok());
  ASSERT_TRUE(b.Append("body").ok());
  EXPECT_FALSE(b.spilled());
  EXPECT_EQ(*b.View(), "Subject: hi\r\n\r\nbody");
  EXPECT_FALSE(b.truncated());
}

TEST(MessageBuffer, SpillsAboveThresholdAndKeepsBytesInOrder) {
  MessageBuffer b(64, 1 << 20, "/tmp");
  std::string expect;
  for (int i = 0; i < 1000; ++i) {
    const std::string chunk = "line " + std::to_string(i) + "\r\n";
    ASSERT_TRUE(b.Append(chunk).ok());
    expect += chunk;
  }
  EXPECT_TRUE(b.spilled());
  auto view = b.View();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(*view, expect);
  // Appending after a View() remaps and still sees everything.
  ASSERT_TRUE(b.Append("tail").ok());
  EXPECT_EQ(*b.View(), expect + "tail");
  EXPECT_EQ(FilesIn("/tmp"), 0u) << "the spill file must never be visible";
}

TEST(MessageBuffer, KeepsOnlyTheScanLimitButCountsAll) {
  MessageBuffer b(8, 10, "/tmp");
  ASSERT_TRUE(b.Append("0123456").ok());
  ASSERT_TRUE(b.Append("789abcdef").ok());
  ASSERT_TRUE(b.Append("more").ok());
  EXPECT_EQ(*b.View(), "0123456789");
  EXPECT_TRUE(b.truncated());
  EXPECT_EQ(b.kept_bytes(), 10u);
  EXPECT_EQ(b.total_bytes(), 20u);
}

TEST(MessageBuffer, ResetStartsOver) {
  MessageBuffer b(4, 100, "/tmp");
  ASSERT_TRUE(b.Append("spilled bytes").ok());
  ASSERT_TRUE(b.spilled());
  b.Reset();
  EXPECT_FALSE(b.spilled());
  EXPECT_EQ(b.total_bytes(), 0u);
  ASSERT_TRUE(b.Append("ab").ok());
  EXPECT_EQ(*b.View(), "ab");
}

TEST(MessageBuffer, UnwritableSpillDirIsAnErrorNotACrash) {
  MessageBuffer b(4, 100, "/nonexistent/sluice");
  ASSERT_TRUE(b.Append("abc").ok());
  Status st = b.Append("defgh");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/sluice"), std::string::npos);
  EXPECT_EQ(*b.View(), "abc");  // what it had stays usable
}

// A spill write cut short (disk full; here the file-size limit) fails the Append and keeps
// what was kept; once there is room again, the next Append must land right after the kept
// bytes, not after the fragment the failed write left in the file.
TEST(MessageBuffer, AppendAfterAShortSpillWriteKeepsTheBytesInOrder) {
  MessageBuffer b(4, 1 << 20, "/tmp");
  ASSERT_TRUE(b.Append("0123456789").ok());
  ASSERT_TRUE(b.spilled());
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 14;  // the next 8 bytes stop after 4
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const Status cut = b.Append("ABCDEFGH");
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(cut.ok());
  EXPECT_EQ(*b.View(), "0123456789");  // what it had stays usable
  ASSERT_TRUE(b.Append("xyz").ok());
  EXPECT_EQ(*b.View(), "0123456789xyz");
  EXPECT_EQ(b.kept_bytes(), 13u);
}

}  // namespace
}  // namespace sluice::milter
