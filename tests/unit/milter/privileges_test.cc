// privileges_test.cc - handing the rules cache directory to the run-as user.
#include "filter/milter/privileges.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::milter {
namespace {

namespace fs = std::filesystem;

uid_t OwnerOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_uid;
}

class HandOverTest : public testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown)";
    if (!LookupUser("nobody", &uid_, &gid_).ok()) GTEST_SKIP() << "no user nobody";
    char tmpl[] = "/tmp/sluice-handover-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  std::string root_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

TEST_F(HandOverTest, TheDirectoryAndItsFilesGoToTheUserLinksAreNotFollowed) {
  const std::string cache = root_ + "/cache";
  fs::create_directory(cache);
  std::ofstream(cache + "/rules.hsdb") << "db";
  std::ofstream(root_ + "/outside") << "not the cache's";
  fs::create_symlink(root_ + "/outside", cache + "/link");
  fs::create_directory(cache + "/sub");
  std::ofstream(cache + "/sub/deeper") << "one level only";

  ASSERT_TRUE(HandOverDirectory(cache, "nobody").ok());
  EXPECT_EQ(OwnerOf(cache), uid_);
  EXPECT_EQ(OwnerOf(cache + "/rules.hsdb"), uid_);
  EXPECT_EQ(OwnerOf(cache + "/link"), uid_);   // the link itself
  EXPECT_EQ(OwnerOf(root_ + "/outside"), 0u);  // not what it points to
  EXPECT_EQ(OwnerOf(cache + "/sub"), uid_);
  EXPECT_EQ(OwnerOf(cache + "/sub/deeper"), 0u);
  EXPECT_EQ(OwnerOf(root_), 0u);
}

TEST_F(HandOverTest, NoUserMissingDirectoryAndUnknownUser) {
  const std::string cache = root_ + "/cache";
  fs::create_directory(cache);
  EXPECT_TRUE(HandOverDirectory(cache, "").ok());
  EXPECT_EQ(OwnerOf(cache), 0u);
  EXPECT_TRUE(HandOverDirectory(root_ + "/missing", "nobody").ok());
  EXPECT_TRUE(HandOverDirectory("", "nobody").ok());
  EXPECT_FALSE(HandOverDirectory(cache, "no-such-user-sluice").ok());
  EXPECT_EQ(OwnerOf(cache), 0u);
}

TEST_F(HandOverTest, ALinkInPlaceOfTheDirectoryIsRefused) {
  fs::create_directory(root_ + "/elsewhere");
  fs::create_directory_symlink(root_ + "/elsewhere", root_ + "/cache");
  EXPECT_FALSE(HandOverDirectory(root_ + "/cache", "nobody").ok());
  EXPECT_EQ(OwnerOf(root_ + "/elsewhere"), 0u);
}

}  // namespace
}  // namespace sluice::milter
