// token_store_test.cc - the RocksDB token store: learning, digests, forget, expire, errors,
// and a reader (secondary instance) next to a live trainer.
#include "filter/bayes/token_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <rocksdb/db.h>

#include "filter/bayes/token_hash.h"
#include "filter/bayes/token_table.h"

namespace sluice::bayes {
namespace {

namespace fs = std::filesystem;

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    db_ = root_ + "/db";
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<TokenStore> OpenTrainer(TokenizerOptions options = {}) {
    auto store = TokenStore::OpenForTraining(db_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  TokenCounts CountsOf(const TokenStore& store, uint64_t hash) {
    TokenCounts c;
    const uint64_t h[] = {hash};
    EXPECT_TRUE(store.Lookup(h, &c).ok());
    return c;
  }

  std::string root_, db_;
};

const std::vector<uint64_t> kTokensA = {11, 22, 33};
const std::vector<uint64_t> kTokensB = {22, 44};

TEST_F(TokenStoreTest, LearnCountsTokensAndTotals) {
  auto store = OpenTrainer();
  auto a = store->Learn(DigestOf("message a"), kTokensA, true, false, 100);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, LearnOutcome::kLearned);
  ASSERT_EQ(*store->Learn(DigestOf("message b"), kTokensB, false, false, 101),
            LearnOutcome::kLearned);
  auto totals = store->Totals();
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->spam_messages, 1u);
  EXPECT_EQ(totals->ham_messages, 1u);
  const TokenCounts shared = CountsOf(*store, 22);
  EXPECT_EQ(shared.spam, 1u);
  EXPECT_EQ(shared.ham, 1u);
  EXPECT_EQ(shared.last_day, 101u);
  EXPECT_EQ(CountsOf(*store, 11).spam, 1u);
  EXPECT_EQ(CountsOf(*store, 999).spam + CountsOf(*store, 999).ham, 0u);
}

TEST_F(TokenStoreTest, RelearningIsIgnoredAndMovingClassesWorks) {
  auto store = OpenTrainer();
  ASSERT_EQ(*store->Learn(DigestOf("m"), kTokensA, true, false, 1), LearnOutcome::kLearned);
  EXPECT_EQ(*store->Learn(DigestOf("m"), kTokensA, true, false, 1), LearnOutcome::kAlreadyLearned);
  EXPECT_EQ(CountsOf(*store, 11).spam, 1u);
  // Same message learned as ham: moved, not double counted.
  EXPECT_EQ(*store->Learn(DigestOf("m"), kTokensA, false, false, 1), LearnOutcome::kRelearned);
  EXPECT_EQ(CountsOf(*store, 11).spam, 0u);
  EXPECT_EQ(CountsOf(*store, 11).ham, 1u);
  auto totals = store->Totals();
  EXPECT_EQ(totals->spam_messages, 0u);
  EXPECT_EQ(totals->ham_messages, 1u);
}

TEST_F(TokenStoreTest, ForgetUnlearns) {
  auto store = OpenTrainer();
  ASSERT_EQ(*store->Learn(DigestOf("m"), kTokensA, true, false, 1), LearnOutcome::kLearned);
  ASSERT_EQ(*store->Learn(DigestOf("n"), kTokensB, true, false, 1), LearnOutcome::kLearned);
  EXPECT_EQ(*store->Learn(DigestOf("m"), kTokensA, true, true, 1), LearnOutcome::kForgotten);
  EXPECT_EQ(*store->Learn(DigestOf("m"), kTokensA, true, true, 1), LearnOutcome::kNotLearned);
  EXPECT_EQ(CountsOf(*store, 11).spam, 0u);
  EXPECT_EQ(CountsOf(*store, 22).spam, 1u);  // still counted by "n"
  EXPECT_EQ(store->Totals()->spam_messages, 1u);
  // Forgotten tokens are gone from iteration.
  size_t tokens = 0;
  ASSERT_TRUE(store->ForEachToken([&](uint64_t, const TokenCounts&) { ++tokens; }).ok());
  EXPECT_EQ(tokens, 2u);  // 22 and 44
  // Learnable again after forgetting.
  EXPECT_EQ(*store->Learn(DigestOf("m"), kTokensA, true, false, 1), LearnOutcome::kLearned);
}

TEST_F(TokenStoreTest, ExpireDropsRareOldTokensOnly) {
  auto store = OpenTrainer();
  ASSERT_TRUE(store->Learn(DigestOf("old"), std::vector<uint64_t>{1, 2}, true, false, 10).ok());
  ASSERT_TRUE(store->Learn(DigestOf("old2"), std::vector<uint64_t>{2}, false, false, 10).ok());
  ASSERT_TRUE(store->Learn(DigestOf("new"), std::vector<uint64_t>{3}, true, false, 100).ok());
  auto dropped = store->Expire(1, 50);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 1u);  // token 1: one message, day 10
  EXPECT_EQ(CountsOf(*store, 1).spam, 0u);
  EXPECT_EQ(CountsOf(*store, 2).spam, 1u);  // two messages
  EXPECT_EQ(CountsOf(*store, 3).spam, 1u);  // recent
}

TEST_F(TokenStoreTest, TokenizerOptionsAreRecordedAtCreation) {
  TokenizerOptions osb;
  osb.osb_window = 3;
  osb.shapes = 5;
  { auto store = OpenTrainer(osb); }
  auto reopened = OpenTrainer(TokenizerOptions{});  // the recorded options win
  EXPECT_EQ(reopened->tokenizer_options().osb_window, 3u);
  EXPECT_EQ(reopened->tokenizer_options().shapes, 5u);
  auto stats = reopened->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->tokenizer.osb_window, 3u);
}

// A new model records today's combining options (the list-header cap); a model made before
// they existed has no such fields and keeps scoring as it was made: nothing skipped, no cap.
TEST_F(TokenStoreTest, ModelsWithoutCapFieldsKeepNoCap) {
  { auto store = OpenTrainer(); }
  {
    auto recorded = OpenTrainer();
    EXPECT_EQ(recorded->tokenizer_options().family_cap, 1u);
    EXPECT_EQ(recorded->tokenizer_options().capped_families, 1u << kListHeaders);
  }
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), db_, &raw).ok());
    const std::string old_format = "hash=" + std::to_string(kTokenHashVersion) +
                                   " osb=0 min=2 max=24 text=262144 html=0 allh=0";
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), "Mformat", old_format).ok());
    delete raw;
  }
  auto old = TokenStore::OpenForScoring(db_);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ((*old)->tokenizer_options().family_cap, 0u);
  EXPECT_EQ((*old)->tokenizer_options().capped_families, 0u);
  EXPECT_EQ((*old)->tokenizer_options().skip_received, 0u);
  EXPECT_EQ((*old)->tokenizer_options().shapes, 0u);  // no shape tokens, whatever the default
}

TEST_F(TokenStoreTest, SecondTrainerIsToldTheStoreIsLocked) {
  auto first = OpenTrainer();
  auto second = TokenStore::OpenForTraining(db_, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().message().find("locked"), std::string::npos);
  EXPECT_NE(second.status().message().find(db_), std::string::npos);
}

TEST_F(TokenStoreTest, MissingAndCorruptStoresGiveClearErrors) {
  auto missing = TokenStore::OpenForScoring(db_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("sluice train"), std::string::npos);

  { auto store = OpenTrainer(); }
  // Break the MANIFEST pointer: RocksDB refuses the directory.
  { std::ofstream(db_ + "/CURRENT", std::ios::trunc) << "MANIFEST-999999\n"; }
  auto corrupt = TokenStore::OpenForScoring(db_);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find(db_), std::string::npos);
}

TEST_F(TokenStoreTest, OpenExistingNeverCreatesAStore) {
  auto missing = TokenStore::OpenExisting(db_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(fs::exists(db_)) << "expire must not create " << db_;

  { auto store = OpenTrainer(); }
  auto existing = TokenStore::OpenExisting(db_);
  ASSERT_TRUE(existing.ok()) << existing.status().ToString();
  EXPECT_TRUE((*existing)->writable());
}

TEST_F(TokenStoreTest, AFileIsNotADirectoryForEveryOpen) {
  { std::ofstream(db_) << "not a store\n"; }
  auto scoring = TokenStore::OpenForScoring(db_);
  auto existing = TokenStore::OpenExisting(db_);
  auto training = TokenStore::OpenForTraining(db_, TokenizerOptions{});
  for (const Status& st : {scoring.status(), existing.status(), training.status()}) {
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), Status::Code::kInvalid) << st.ToString();
    EXPECT_NE(st.message().find(db_ + " is not a directory"), std::string::npos) << st.ToString();
  }
}

TEST_F(TokenStoreTest, ReaderSeesTrainerWritesAfterCatchUp) {
  auto trainer = OpenTrainer();
  ASSERT_TRUE(trainer->Learn(DigestOf("a"), kTokensA, true, false, 1).ok());
  auto reader = TokenStore::OpenForScoring(db_);  // while the trainer holds the lock
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->Totals()->spam_messages, 1u);
  ASSERT_TRUE(trainer->Learn(DigestOf("b"), kTokensB, false, false, 1).ok());
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->Totals()->ham_messages, 1u);
  EXPECT_EQ(CountsOf(**reader, 44).ham, 1u);
  // Readers cannot write.
  EXPECT_FALSE((*reader)->Learn(DigestOf("c"), kTokensB, false, false, 1).ok());
}

TEST_F(TokenStoreTest, TokenTableMatchesTheStore) {
  auto store = OpenTrainer();
  for (int i = 0; i < 50; ++i) {
    std::vector<uint64_t> tokens = {static_cast<uint64_t>(i), 1000, 0};
    ASSERT_TRUE(store->Learn(DigestOf(std::to_string(i)), tokens, i % 2 == 0, false, 1).ok());
  }
  auto table = TokenTable::Build(*store, 1000);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)->size(), 51u);
  std::vector<uint64_t> probe = {0, 1, 2, 1000, 77777};
  std::vector<TokenCounts> from_table(probe.size()), from_store(probe.size());
  (*table)->Lookup(probe, from_table.data());
  ASSERT_TRUE(store->Lookup(probe, from_store.data()).ok());
  for (size_t i = 0; i < probe.size(); ++i) {
    EXPECT_EQ(from_table[i].spam, from_store[i].spam) << probe[i];
    EXPECT_EQ(from_table[i].ham, from_store[i].ham) << probe[i];
  }
  EXPECT_EQ(from_table[3].spam, 25u);
  EXPECT_EQ(from_table[3].ham, 25u);
  EXPECT_FALSE(TokenTable::Build(*store, 10).ok());  // over the cap
}

}  // namespace
}  // namespace sluice::bayes
