// token_table_snapshot_test.cc - the table a trainer saves beside its store: loaded by a
// scorer only while it is current and intact, and then the same as a scan of the store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "filter/bayes/token_store.h"
#include "filter/bayes/token_table.h"

namespace sluice::bayes {
namespace {

namespace fs = std::filesystem;

class TokenTableSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-snapshot-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    db_ = root_ + "/db";
    auto store = TokenStore::OpenForTraining(db_, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    trainer_ = std::move(store).value();
    // Enough tokens that the table has many slots, including the hash 0.
    for (uint64_t m = 0; m < 40; ++m) {
      std::vector<uint64_t> hashes = {0, m * 7919 + 1, m % 5 + 100};
      for (uint64_t i = 0; i < 50; ++i) hashes.push_back((m * 50 + i + 1) * 0x9e3779b97f4a7c15ULL);
      ASSERT_TRUE(
          trainer_->Learn(DigestOf("m" + std::to_string(m)), hashes, m % 3 == 0, false, 1).ok());
      probes_.insert(probes_.end(), hashes.begin(), hashes.end());
    }
    probes_.push_back(123456789);  // unknown
  }
  void TearDown() override {
    trainer_.reset();
    fs::remove_all(root_);
  }

  std::unique_ptr<TokenStore> OpenReader() {
    auto store = TokenStore::OpenForScoring(db_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::vector<TokenCounts> LookupAll(const TokenTable& table) {
    std::vector<TokenCounts> out(probes_.size());
    table.Lookup(probes_, out.data());
    return out;
  }

  void ExpectSameCounts(const TokenTable& a, const TokenTable& b) {
    const auto ca = LookupAll(a), cb = LookupAll(b);
    ASSERT_EQ(ca.size(), cb.size());
    for (size_t i = 0; i < ca.size(); ++i) {
      EXPECT_EQ(ca[i].spam, cb[i].spam) << i;
      EXPECT_EQ(ca[i].ham, cb[i].ham) << i;
    }
  }

  std::string SnapshotPath() const { return db_ + "/" + TokenTable::kSnapshotFile; }

  std::string root_, db_;
  std::unique_ptr<TokenStore> trainer_;
  std::vector<uint64_t> probes_;
};

TEST_F(TokenTableSnapshotTest, NoSnapshotIsNotFound) {
  auto reader = OpenReader();
  auto loaded = TokenTable::LoadSnapshot(*reader, UINT64_MAX);
  EXPECT_EQ(loaded.status().code(), Status::Code::kNotFound);
}

TEST_F(TokenTableSnapshotTest, ACurrentSnapshotLoadsTheSameCountsAsAScan) {
  ASSERT_TRUE(trainer_->Flush().ok());
  ASSERT_TRUE(TokenTable::SaveSnapshot(*trainer_).ok());
  trainer_.reset();  // closed, as after `sluice train`
  auto reader = OpenReader();
  auto loaded = TokenTable::LoadSnapshot(*reader, UINT64_MAX);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto scanned = TokenTable::Build(*reader, UINT64_MAX);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ((*loaded)->size(), (*scanned)->size());
  ExpectSameCounts(**loaded, **scanned);
  const auto counts = LookupAll(**loaded);
  EXPECT_EQ(counts[0].spam + counts[0].ham, 40u);  // hash 0, in every message
  EXPECT_EQ(counts.back().spam + counts.back().ham, 0u);

  // Over the caller's cap: not used (the caller reads the store instead).
  EXPECT_FALSE(TokenTable::LoadSnapshot(*reader, (*loaded)->size() - 1).ok());
}

TEST_F(TokenTableSnapshotTest, ALaterLearnMakesTheSnapshotStale) {
  ASSERT_TRUE(TokenTable::SaveSnapshot(*trainer_).ok());
  ASSERT_TRUE(TokenTable::LoadSnapshot(*trainer_, UINT64_MAX).ok());
  const std::vector<uint64_t> more = {probes_[5], 424242};
  ASSERT_TRUE(trainer_->Learn(DigestOf("later"), more, true, false, 2).ok());
  auto stale = TokenTable::LoadSnapshot(*trainer_, UINT64_MAX);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.status().message().find("stale"), std::string::npos);
  // Saved again, it is current and has the new counts.
  ASSERT_TRUE(TokenTable::SaveSnapshot(*trainer_).ok());
  auto fresh = TokenTable::LoadSnapshot(*trainer_, UINT64_MAX);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  auto scanned = TokenTable::Build(*trainer_, UINT64_MAX);
  ASSERT_TRUE(scanned.ok());
  ExpectSameCounts(**fresh, **scanned);
}

TEST_F(TokenTableSnapshotTest, DamagedSnapshotsAreIgnored) {
  ASSERT_TRUE(TokenTable::SaveSnapshot(*trainer_).ok());
  const std::string path = SnapshotPath();
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 200u);
  auto write = [&](const std::string& content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  };
  // One flipped bit among the slots: the checksum catches it.
  std::string flipped = bytes;
  flipped[bytes.size() - 20] ^= 0x10;
  write(flipped);
  EXPECT_FALSE(TokenTable::LoadSnapshot(*trainer_, UINT64_MAX).ok());
  write(bytes.substr(0, bytes.size() - 16));  // truncated
  EXPECT_FALSE(TokenTable::LoadSnapshot(*trainer_, UINT64_MAX).ok());
  write("SLTOKTB1");  // header cut short
  EXPECT_FALSE(TokenTable::LoadSnapshot(*trainer_, UINT64_MAX).ok());
  std::string other = bytes;
  other[0] = 'X';  // not our magic
  write(other);
  EXPECT_FALSE(TokenTable::LoadSnapshot(*trainer_, UINT64_MAX).ok());
  write(bytes);  // and the intact file loads again
  EXPECT_TRUE(TokenTable::LoadSnapshot(*trainer_, UINT64_MAX).ok());
}

}  // namespace
}  // namespace sluice::bayes
