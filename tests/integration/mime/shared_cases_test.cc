// shared_cases_test.cc - every real-world MIME case parses without a crash and with sane output.
//
// Sweeps tests/data/mime (permissively licensed copies, always present) and
// ../shared/mime-cases (all 644 files; skipped with a message when absent, e.g. in a bare
// clone). For each file: parse twice with one Parser (buffer reuse) and check structural
// invariants and that every decoded string is valid UTF-8. Run under ASan/UBSan in the
// sanitizer build, this is the no-crash/no-leak check of issue 2. A few well-known cases
// are also checked in detail.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "filter/mime/charset.h"
#include "filter/mime/message.h"

namespace sluice::mime {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

fs::path SourceDir() {
  const char* env = std::getenv("SLUICE_SOURCE_DIR");
  return env && *env ? fs::path(env) : fs::path(SLUICE_SOURCE_DIR);
}

bool Inside(std::string_view view, const Message& m) {
  if (view.empty()) return true;
  auto within = [&](std::string_view outer) {
    return view.data() >= outer.data() && view.data() + view.size() <= outer.data() + outer.size();
  };
  if (within(m.raw)) return true;
  for (const auto& buffer : m.nested_buffers) {
    if (within(*buffer)) return true;
  }
  return false;
}

void CheckSane(const Message& m, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_FALSE(m.parts.empty());
  EXPECT_EQ(m.parts[0].path, "1");
  std::set<std::string> paths;
  for (size_t i = 0; i < m.parts.size(); ++i) {
    const Part& p = m.parts[i];
    EXPECT_TRUE(paths.insert(p.path).second) << "duplicate path " << p.path;
    EXPECT_FALSE(p.content_type.empty());
    EXPECT_NE(p.content_type.find('/'), std::string::npos) << p.content_type;
    EXPECT_LE(p.text_begin, p.text_end);
    EXPECT_LE(p.text_end, m.raw_text.size());
    EXPECT_TRUE(Inside(p.raw_body, m));
    if (i > 0) {
      EXPECT_LT(p.parent, i);
      EXPECT_EQ(p.depth, m.parts[p.parent].depth + 1);
      EXPECT_TRUE(p.path.starts_with(m.parts[p.parent].path + "."));
    }
    for (const Header& h : p.headers) {
      EXPECT_TRUE(Inside(h.raw_value, m));
      EXPECT_TRUE(IsValidUtf8(h.value)) << h.name;
    }
    EXPECT_TRUE(IsValidUtf8(p.filename));
    if (p.is_text) {
      EXPECT_FALSE(p.is_attachment);
    }
  }
  EXPECT_TRUE(IsValidUtf8(m.raw_text));
  EXPECT_TRUE(IsValidUtf8(m.visible_text));
  for (const Url& u : m.urls) {
    EXPECT_LT(u.part, m.parts.size());
    EXPECT_FALSE(u.url.empty());
  }
  for (const Attachment& a : m.attachments) EXPECT_LT(a.part, m.parts.size());
  for (const Defect& d : m.defects) EXPECT_LT(d.part, m.parts.size());
}

size_t Sweep(const fs::path& dir) {
  Parser parser;
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string raw = ReadFile(entry.path());
    const Message& first = parser.Parse(raw);
    CheckSane(first, entry.path().string());
    size_t parts = first.parts.size();
    std::string text = first.raw_text;
    const Message& again = parser.Parse(raw);
    EXPECT_EQ(again.parts.size(), parts) << entry.path();
    EXPECT_EQ(again.raw_text, text) << entry.path();
    ++files;
  }
  return files;
}

TEST(SharedCases, CopiedCasesParseSanely) {
  fs::path dir = SourceDir() / "tests" / "data" / "mime";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  EXPECT_GT(Sweep(dir), 500u);
}

TEST(SharedCases, AllSharedCasesParseSanely) {
  fs::path dir = SourceDir() / ".." / "shared" / "mime-cases";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "shared MIME cases not found at " << dir;
  EXPECT_GT(Sweep(dir), 600u);
}

Message ParseCase(const std::string& relative, std::string* raw) {
  *raw = ReadFile(SourceDir() / "tests" / "data" / "mime" / relative);
  return Parse(*raw);
}

TEST(KnownCases, CpythonDigestHasNestedMessages) {
  // msg_02.txt: multipart/mixed holding a multipart/digest of message/rfc822 parts.
  std::string raw;
  Message m = ParseCase("cpython-3.11.2/msg_02.txt", &raw);
  int digests = 0, messages = 0;
  for (const Part& p : m.parts) {
    if (p.content_type == "multipart/digest") ++digests;
    if (p.content_type == "message/rfc822") ++messages;
  }
  EXPECT_EQ(digests, 1);
  EXPECT_GE(messages, 2);
  EXPECT_EQ(m.parts[0].content_type, "multipart/mixed");
}

TEST(KnownCases, CpythonKoi8rSubjectAndBody) {
  // msg_09.txt: koi8-r text parts.
  std::string raw;
  Message m = ParseCase("cpython-3.11.2/msg_09.txt", &raw);
  bool koi = false;
  for (const Part& p : m.parts) {
    if (p.charset == "koi8-r") {
      koi = true;
      EXPECT_TRUE(IsValidUtf8(m.TextOf(p)));
    }
  }
  EXPECT_TRUE(koi);
}

}  // namespace
}  // namespace sluice::mime
