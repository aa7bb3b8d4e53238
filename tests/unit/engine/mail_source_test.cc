// mail_source_test.cc - files, directories, Maildirs, mbox files and list files.
#include "filter/engine/mail_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

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

// Files are read into one buffer reused across the walk: a short file after a long one
// must not show the long one's tail, and a file bigger than anything before (and than the
// first read) must arrive whole.
TEST_F(MailSourceTest, ReusedReadBufferGivesEachFileExactly) {
  const std::string big(300 * 1024, 'x');
  std::string huge;
  for (int i = 0; huge.size() < 1024 * 1024; ++i) huge += "line " + std::to_string(i) + "\n";
  Write("d/1.eml", "Subject: big\n\n" + big);
  Write("d/2.eml", "Subject: s\n\nshort");
  Write("d/3.eml", "");
  Write("d/4.eml", "Subject: huge\n\n" + huge);
  Write("d/5.eml", "From a@x Mon Jan  1 00:00:00 2024\nSubject: mbox\n\n" + big);
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/d", &counts, &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[root_ + "/d/1.eml"], "Subject: big\n\n" + big);
  EXPECT_EQ(seen[root_ + "/d/2.eml"], "Subject: s\n\nshort");
  EXPECT_EQ(seen[root_ + "/d/3.eml"], "");
  EXPECT_EQ(seen[root_ + "/d/4.eml"], "Subject: huge\n\n" + huge);
  EXPECT_EQ(seen[root_ + "/d/5.eml"], "Subject: mbox\n\n" + big);
}

// Only an envelope line at the start or after an empty line splits an mbox; "From " lines
// elsewhere (after text, CRLF files, at the very end without a newline) are handled alike.
TEST_F(MailSourceTest, MboxSeparatorsOnlyAfterEmptyLines) {
  Write("box",
        "From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n"
        "From b@x Tue Jan  2 00:00:00 2024\n\n"
        "From c@x Wed Jan  3 00:00:00 2024\r\nSubject: three\r\n\r\n"
        "From d@x Thu Jan  4 00:00:00 2024\r\nSubject: four\r\n\n"
        "From e@x Fri Jan  5 00:00:00 2024");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  auto seen = Walk(root_ + "/box", &counts, &errors);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[root_ + "/box:1"], "Subject: one\nFrom b@x Tue Jan  2 00:00:00 2024\n\n");
  EXPECT_EQ(seen[root_ + "/box:2"], "Subject: three\r\n\r\n");
  EXPECT_EQ(seen[root_ + "/box:3"], "Subject: four\r\n\n");
  EXPECT_EQ(seen[root_ + "/box:4"], "");
}

}  // namespace
}  // namespace sluice
