// mail_source_test.cc - files, directories, Maildirs, mbox files and list files.
#include "filter/engine/mail_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>
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

// Envelope and ">From " lines are found 16 positions at a time: wherever a line break
// falls relative to those blocks (and in the scalar tail), the mbox splits and unquotes
// exactly as a line-by-line reading says.
TEST_F(MailSourceTest, MboxLinesAreFoundAtEveryOffset) {
  for (size_t pad = 0; pad < 40; ++pad) {
    const std::string filler(pad, 'a');
    Write("box", "From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n\n" + filler +
                     "\n>From quoted\nFrom not a split\n" + filler +
                     "\n\nFrom b@x Tue Jan  2 00:00:00 2024\nSubject: two\n\n" + filler + "\nFro");
    MailWalkCounts counts;
    std::vector<std::string> errors;
    auto seen = Walk(root_ + "/box", &counts, &errors);
    ASSERT_EQ(seen.size(), 2u) << pad;
    EXPECT_EQ(seen[root_ + "/box:1"],
              "Subject: one\n\n" + filler + "\nFrom quoted\nFrom not a split\n" + filler + "\n\n")
        << pad;
    EXPECT_EQ(seen[root_ + "/box:2"], "Subject: two\n\n" + filler + "\nFro") << pad;
  }
}

// Files are opened relative to a cached descriptor of their directory: paths that change
// directory back and forth, a path without a directory, a directory given with a trailing
// slash and a file in a directory that cannot be opened all read what a plain open reads.
TEST_F(MailSourceTest, ListsAcrossDirectoriesReadTheRightFiles) {
  Write("a/1.eml", "Subject: a1\n\n");
  Write("b/1.eml", "Subject: b1\n\n");
  Write("a/2.eml", "Subject: a2\n\n");
  Write("c/3.eml", "Subject: c3\n\n");
  Write("list", root_ + "/a/1.eml\n" + root_ + "/b/1.eml\n" + root_ + "/a/2.eml\n" + root_ +
                    "/a/1.eml\n" + root_ + "/c/\n" + root_ + "/nodir/x.eml\n" + root_ +
                    "/b/missing.eml\n");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  std::vector<std::pair<std::string, std::string>> order;
  counts = WalkMail(
      "@" + root_ + "/list",
      [&](const std::string& name, std::string_view data) { order.emplace_back(name, data); },
      [&](const std::string& name, const std::string&) { errors.push_back(name); });
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0].second, "Subject: a1\n\n");
  EXPECT_EQ(order[1].second, "Subject: b1\n\n");
  EXPECT_EQ(order[2].second, "Subject: a2\n\n");
  EXPECT_EQ(order[3].second, "Subject: a1\n\n");
  EXPECT_EQ(order[4].first, root_ + "/c/3.eml");
  EXPECT_EQ(order[4].second, "Subject: c3\n\n");
  EXPECT_EQ(errors, (std::vector<std::string>{root_ + "/nodir/x.eml", root_ + "/b/missing.eml"}));

  // A relative path without a directory part.
  const fs::path cwd = fs::current_path();
  fs::current_path(root_ + "/a");
  std::map<std::string, std::string> seen = Walk("2.eml", &counts, &errors);
  fs::current_path(cwd);
  EXPECT_EQ(seen["2.eml"], "Subject: a2\n\n");
}

// A FIFO in a Maildir (or a link to one, or to a device such as /dev/zero) is an odd entry,
// not mail: it is reported and skipped. Opening it used to wait for a writer forever
// (`sluice score` and `sluice train` hung). If the walk blocks, the test fails and lets it go.
TEST_F(MailSourceTest, FifosAndDevicesInDirectoriesAreSkipped) {
  Write("md/cur/1", "Subject: one\n\n");
  Write("md/new/3", "Subject: three\n\n");
  fs::create_directories(root_ + "/md/tmp");
  const std::string fifo = root_ + "/md/new/2";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  fs::create_symlink(fifo, root_ + "/md/cur/2-link");
  fs::create_symlink("/dev/null", root_ + "/md/cur/null");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  std::map<std::string, std::string> seen;
  auto walk = std::async(std::launch::async, [&] { seen = Walk(root_ + "/md", &counts, &errors); });
  if (walk.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "the walk blocked on the FIFO";
    // A writer that opens and closes gives each blocked open an EOF.
    while (walk.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
      const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) close(fd);
    }
    return;
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[root_ + "/md/new/3"], "Subject: three\n\n");
  EXPECT_EQ(counts.messages, 2u);
  EXPECT_EQ(counts.errors, 3u);
  EXPECT_EQ(errors, (std::vector<std::string>{root_ + "/md/cur/2-link", root_ + "/md/cur/null",
                                              root_ + "/md/new/2"}));
}

// Symbolic links back up the tree: each one made the walk go round again down to the depth
// limit (32), and two links to "." made it branch in two at every level (2^32 paths:
// `sluice score DIR` never ended, scoring the same messages over and over). Each directory
// is now walked once and the link that leads back is reported. (One link here, so that the
// old code fails quickly instead of running for ever: it saw 33 copies of each message.)
TEST_F(MailSourceTest, SymbolicLinkLoopsAreWalkedOnce) {
  Write("loop/m", "Subject: once\n\n");
  Write("loop/sub/n", "Subject: below\n\n");
  fs::create_directory_symlink("..", root_ + "/loop/sub/up");
  MailWalkCounts counts;
  std::vector<std::string> errors;
  std::map<std::string, std::string> seen;
  std::vector<std::string> names;
  counts = WalkMail(
      root_ + "/loop",
      [&](const std::string& name, std::string_view data) {
        names.push_back(name);
        seen[name] = data;
      },
      [&](const std::string& name, const std::string&) { errors.push_back(name); });
  EXPECT_EQ(counts.messages, 2u);
  EXPECT_EQ(names, (std::vector<std::string>{root_ + "/loop/m", root_ + "/loop/sub/n"}));
  EXPECT_EQ(seen[root_ + "/loop/m"], "Subject: once\n\n");
  EXPECT_EQ(errors, (std::vector<std::string>{root_ + "/loop/sub/up"}));
}

// A file that is not regular (here a pipe, as `sluice score <(...)` gives) has no size to
// trust: it is read to its end however its writer splits the bytes.
TEST_F(MailSourceTest, PipesAreReadToTheEnd) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string first = "Subject: pipe\n\n", second(100000, 'p');
  std::thread writer([&] {
    ASSERT_EQ(write(fds[1], first.data(), first.size()), static_cast<ssize_t>(first.size()));
    usleep(20000);  // the reader sees a short read first
    size_t done = 0;
    while (done < second.size()) {
      const ssize_t n = write(fds[1], second.data() + done, second.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
  });
  MailWalkCounts counts;
  std::vector<std::string> errors;
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  auto seen = Walk(path, &counts, &errors);
  writer.join();
  close(fds[0]);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(seen[path], first + second);
}

// Bounded reads (sluice score/train): a message over max_message_bytes is cut or skipped
// and said so; an endless device is not read until memory runs out.
class BoundedMailSourceTest : public MailSourceTest {
 protected:
  std::map<std::string, std::string> WalkBounded(const std::string& path, size_t bound, bool skip) {
    MailWalkOptions options;
    options.max_message_bytes = bound;
    options.skip_oversized = skip;
    std::map<std::string, std::string> seen;
    counts_ = WalkMail(
        path, options, [&](const std::string& name, std::string_view data) { seen[name] = data; },
        [&](const std::string& name, const std::string& e) { errors_.push_back(name + ": " + e); },
        [&](const std::string& name, const std::string& n) { notes_.push_back(name + ": " + n); });
    return seen;
  }
  MailWalkCounts counts_;
  std::vector<std::string> errors_, notes_;
};

TEST_F(BoundedMailSourceTest, AnEndlessDeviceIsCutAtTheBound) {
  auto seen = WalkBounded("/dev/zero", 4096, false);  // read whole, it never ends
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen["/dev/zero"], std::string(4096, '\0'));
  EXPECT_EQ(counts_.cut, 1u);
  EXPECT_EQ(notes_, (std::vector<std::string>{
                        "/dev/zero: message over 4096 bytes: cut there (the rest not read)"}));
  EXPECT_TRUE(errors_.empty());
  seen = WalkBounded("/dev/zero", 4096, true);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(errors_.back(), "/dev/zero: message over 4096 bytes");
}

TEST_F(BoundedMailSourceTest, MessagesUpToTheBoundAreUntouched) {
  const std::string exact = "Subject: x\n\n" + std::string(100 - 12, 'b');
  ASSERT_EQ(exact.size(), 100u);
  Write("exact", exact);
  Write("over", exact + "!");
  auto seen = WalkBounded(root_, 100, false);
  EXPECT_EQ(seen[root_ + "/exact"], exact);
  EXPECT_EQ(seen[root_ + "/over"], exact);
  EXPECT_EQ(notes_.size(), 1u);
  seen = WalkBounded(root_, 100, true);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[root_ + "/exact"], exact);
  EXPECT_EQ(errors_, (std::vector<std::string>{root_ + "/over: message over 100 bytes"}));
}

TEST_F(BoundedMailSourceTest, AnMboxIsBoundedPerMessage) {
  const std::string big = "Subject: big\n\n" + std::string(500, 'x') + "\n";
  Write("box",
        "From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n\nsmall\n\n"
        "From b@x Tue Jan  2 00:00:00 2024\n" +
            big +
            "\n"
            "From c@x Wed Jan  3 00:00:00 2024\nSubject: three\n\nsmall\n");
  const std::string box = root_ + "/box";
  auto seen = WalkBounded(box, 100, false);  // the file is over the bound, each small one not
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[box + ":1"], "Subject: one\n\nsmall\n\n");
  EXPECT_EQ(seen[box + ":2"], big.substr(0, 100));
  EXPECT_EQ(seen[box + ":3"], "Subject: three\n\nsmall\n");
  EXPECT_EQ(notes_, (std::vector<std::string>{
                        box + ":2: message over 100 bytes: cut there (the rest not read)"}));
  seen = WalkBounded(box, 100, true);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen.count(box + ":2"), 0u);
  EXPECT_EQ(errors_, (std::vector<std::string>{box + ":2: message over 100 bytes"}));
  EXPECT_EQ(counts_.messages, 2u);
}

}  // namespace
}  // namespace sluice
