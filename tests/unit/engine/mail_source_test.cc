// mail_source_test.cc - files, directories, Maildirs, mbox files and list files.
#include "filter/engine/mail_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sluice {
namespace {

namespace fs = std::filesystem;

class MailSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-mail-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel, std::ios::binary) << text;
  }
  std::map<std::string, std::string> Walk(const std::string& path, MailWalkCounts* counts,
                                          std::vector<std::string>* errors) {
    std::map<std::string, std::string> seen;
    *counts = WalkMail(
        path, [&](const std::string& name, std::string_view data) { seen[name] = data; },
        [&](const std::string& name, const std::string&) { errors->push_back(name); });
    return seen;
  }
  std::string root_;
};

TEST_F(MailSourceTest, MboxFromLineRecognition) {
  EXPECT_TRUE(IsMboxFromLine("From someone@example.com  Tue Aug  6 11:51:02 2002"));
  EXPECT_TRUE(IsMboxFromLine("From MAILER-DAEMON Fri Jul  8 12:08:34 2011"));
  EXPECT_FALSE(IsMboxFromLine("From the desk of the director"));
  EXPECT_FALSE(IsMboxFromLine("From: a@b.c"));
  EXPECT_FALSE(IsMboxFromLine("Subject: x"));
}

TEST_F(MailSourceTest, MboxIsSplitAndUnquoted) {
  Write("box",
        "From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody one\n>From here\n\n"
        "From b@x Tue Jan  2 00:00:00 2024\nSubject: two\n\nFrom the desk: not a split\n");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/box", &counts, &errors);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[root_ + "/box:1"], "Subject: one\n\nbody one\nFrom here\n\n");
  EXPECT_EQ(seen[root_ + "/box:2"], "Subject: two\n\nFrom the desk: not a split\n");
  EXPECT_EQ(counts.messages, 2u);
}

TEST_F(MailSourceTest, SingleMessageWithEnvelopeLineKeepsItsName) {
  Write("msg.txt", "From a@x Mon Jan  1 00:00:00 2024\nSubject: s\n\nhi\n");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/msg.txt", &counts, &errors);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.begin()->first, root_ + "/msg.txt");
  EXPECT_EQ(seen.begin()->second, "Subject: s\n\nhi\n");
}

TEST_F(MailSourceTest, MaildirReadsCurAndNewOnly) {
  Write("md/cur/1", "Subject: a\n\n");
  Write("md/new/2", "Subject: b\n\n");
  Write("md/tmp/3", "Subject: partial\n\n");
  Write("md/.hidden", "x");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/md", &counts, &errors);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.count(root_ + "/md/cur/1"));
  EXPECT_TRUE(seen.count(root_ + "/md/new/2"));
}

TEST_F(MailSourceTest, DirectoriesRecurseAndListsWork) {
  Write("d/a.eml", "Subject: a\n\n");
  Write("d/sub/b.eml", "Subject: b\n\n");
  Write("list", "# comment\n" + root_ + "/d/a.eml\n\n" + root_ + "/missing.eml\n");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/d", &counts, &errors);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(errors.empty());
  seen = Walk("@" + root_ + "/list", &counts, &errors);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(counts.errors, 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], root_ + "/missing.eml");
}

TEST_F(MailSourceTest, UnreadableFilesAreReportedAndSkipped) {
  Write("d/a.eml", "Subject: a\n\n");
  fs::create_symlink(root_ + "/nowhere", root_ + "/d/b.eml");  // dangling: cannot be read
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/d", &counts, &errors);
  EXPECT_EQ(seen.size(), 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], root_ + "/d/b.eml");
  EXPECT_EQ(counts.messages, 1u);
  EXPECT_EQ(counts.errors, 1u);
}

}  // namespace
}  // namespace sluice
