// atomic_file_test.cc - WriteFileAtomically: the pieces in order, an old file replaced whole,
// no temporary left behind, and a clear error (old file kept) when the directory is missing.
#include "filter/util/atomic_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-atomic-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, WritesThePiecesInOrderAndReplacesAnOldFile) {
  const std::string path = dir_ + "/f";
  std::ofstream(path) << "old contents, longer than the new ones";
  std::string binary("a\0b", 3);
  ASSERT_TRUE(WriteFileAtomically(path, {"one ", binary, "", " three"}).ok());
  EXPECT_EQ(Read(path), std::string("one a\0b three", 13));
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(e.path().filename(), "f");  // no temporary left
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(AtomicFileTest, AMissingDirectoryIsAnErrorNamingTheFile) {
  const std::string path = dir_ + "/no-such-dir/f";
  Status s = WriteFileAtomically(path, {"x"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIo);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

TEST_F(AtomicFileTest, AFailedRenameKeepsTheOldFileAndRemovesTheTemporary) {
  const std::string path = dir_ + "/d";
  std::filesystem::create_directory(path);  // a non-empty directory cannot be renamed over
  std::ofstream(path + "/inside") << "kept";
  Status s = WriteFileAtomically(path, {"x"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot rename"), std::string::npos) << s.message();
  EXPECT_EQ(Read(path + "/inside"), "kept");
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) files += e.path() != path;
  EXPECT_EQ(files, 0u);
}

}  // namespace
}  // namespace sluice
