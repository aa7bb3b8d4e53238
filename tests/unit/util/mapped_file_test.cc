// mapped_file_test.cc - MappedFile and ReadFileBytes: a file's exact bytes (binary, empty,
// larger than a page), false for what cannot be read, and a file whose size stat does not
// tell (procfs) read to its end.
#include "filter/util/mapped_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace sluice {
namespace {

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-mapped-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string dir_;
};

std::string SampleBytes() {
  std::string bytes;
  for (int i = 0; i < 10000; ++i) bytes += static_cast<char>((i * 7) & 0xff);  // NULs too
  return bytes;
}

TEST_F(MappedFileTest, MapsTheWholeFile) {
  const std::string bytes = SampleBytes();
  MappedFile file;
  ASSERT_TRUE(file.Open(Write("a", bytes)));
  EXPECT_EQ(file.bytes(), bytes);
  // Opening another replaces the mapping.
  ASSERT_TRUE(file.Open(Write("b", "short")));
  EXPECT_EQ(file.bytes(), "short");
  ASSERT_TRUE(file.Open(Write("empty", "")));
  EXPECT_TRUE(file.bytes().empty());
}

TEST_F(MappedFileTest, MissingFilesAndDirectoriesAreNotMapped) {
  MappedFile file;
  ASSERT_TRUE(file.Open(Write("a", "x")));
  EXPECT_FALSE(file.Open(dir_ + "/missing"));
  EXPECT_TRUE(file.bytes().empty());  // nothing held after a failure
  EXPECT_FALSE(file.Open(dir_));
}

TEST_F(MappedFileTest, ReadFileBytesReadsEverything) {
  const std::string bytes = SampleBytes();
  std::string out = "old";
  ASSERT_TRUE(ReadFileBytes(Write("a", bytes), &out));
  EXPECT_EQ(out, bytes);
  ASSERT_TRUE(ReadFileBytes(Write("empty", ""), &out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(ReadFileBytes(dir_ + "/missing", &out));
  EXPECT_EQ(out, "");
  // procfs says size 0 and has more: read to the end, not to the stat size.
  ASSERT_TRUE(ReadFileBytes("/proc/self/status", &out));
  EXPECT_NE(out.find("Name:"), std::string::npos);
  EXPECT_NE(out.find("VmRSS:"), std::string::npos);
}

}  // namespace
}  // namespace sluice
