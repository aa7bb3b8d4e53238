// bayes_model_test.cc - the scoring-side model: unavailable states, classification of
// parsed messages, and a trainer writing while the model serves (Refresh picks it up).
#include "filter/bayes/bayes_model.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "filter/bayes/trainer.h"

namespace sluice::bayes {
namespace {

namespace fs = std::filesystem;

std::string Mail(const std::string& subject, const std::string& body) {
  return "From: someone@example.com\r\nTo: you@example.org\r\nSubject: " + subject +
         "\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n";
}

std::string Spam(int i) {
  return Mail("cheap meds " + std::to_string(i),
              "buy cheap viagra pills online now, discount pharmacy offer " + std::to_string(i));
}
std::string Ham(int i) {
  return Mail(
      "meeting notes " + std::to_string(i),
      "the quarterly report draft is attached, see you at the meeting " + std::to_string(i));
}

class BayesModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-model-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    db_ = root_ + "/db";
  }
  void TearDown() override { fs::remove_all(root_); }

  void Train(Trainer* trainer, int from, int to) {
    mime::Parser parser;
    for (int i = from; i < to; ++i) {
      const std::string spam = Spam(i), ham = Ham(i);
      ASSERT_TRUE(trainer->Learn(parser.Parse(spam), spam, true, false).ok());
      ASSERT_TRUE(trainer->Learn(parser.Parse(ham), ham, false, false).ok());
    }
  }

  BayesOutcome ClassifyText(const BayesModel& model, const std::string& raw, bool explain) {
    mime::Parser parser;
    BayesOutcome out;
    model.Classify(parser.Parse(raw), explain, &out);
    return out;
  }

  std::string root_, db_;
};

TEST_F(BayesModelTest, MissingStoreIsUnavailableWithReason) {
  auto model = BayesModel::Open(db_, {});
  EXPECT_FALSE(model->available());
  const BayesOutcome out = ClassifyText(*model, Spam(1), false);
  EXPECT_FALSE(out.available);
  EXPECT_DOUBLE_EQ(out.probability, 0.5);
  EXPECT_NE(out.status.find("no token DB"), std::string::npos) << out.status;
}

TEST_F(BayesModelTest, TooSmallModelIsUnavailable) {
  {
    auto trainer = Trainer::Open(db_, {});
    ASSERT_TRUE(trainer.ok());
    Train(trainer->get(), 0, 3);
  }
  auto model = BayesModel::Open(db_, {});
  EXPECT_FALSE(model->available());
  EXPECT_NE(model->status().find("model too small"), std::string::npos) << model->status();
}

TEST_F(BayesModelTest, ClassifiesSpamAndHamAndExplains) {
  {
    auto trainer = Trainer::Open(db_, {});
    ASSERT_TRUE(trainer.ok());
    Train(trainer->get(), 0, 20);
  }
  auto model = BayesModel::Open(db_, {});
  ASSERT_TRUE(model->available()) << model->status();
  const BayesOutcome spam = ClassifyText(*model, Spam(1000), true);
  ASSERT_TRUE(spam.available);
  EXPECT_GT(spam.probability, 0.9);
  ASSERT_FALSE(spam.top_tokens.empty());
  bool named = false;
  for (const auto& [token, p] : spam.top_tokens) named |= token == "viagra" && p > 0.9;
  EXPECT_TRUE(named);
  const BayesOutcome ham = ClassifyText(*model, Ham(1000), false);
  EXPECT_LT(ham.probability, 0.1);
  ASSERT_FALSE(ham.top_tokens.empty());
  EXPECT_EQ(ham.top_tokens[0].first[0], '#');  // hashes only without explain
}

TEST_F(BayesModelTest, TrainerWritingWhileModelServes) {
  auto trainer = Trainer::Open(db_, {});
  ASSERT_TRUE(trainer.ok());
  Train(trainer->get(), 0, 12);
  auto model = BayesModel::Open(db_, {});  // opens next to the live trainer
  ASSERT_TRUE(model->available()) << model->status();
  EXPECT_EQ(model->totals().spam_messages, 12u);

  // Score from several threads while the trainer keeps learning.
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> scorers;
  for (int t = 0; t < 2; ++t) {
    scorers.emplace_back([&] {
      mime::Parser parser;
      const std::string raw = Spam(5000);
      while (!done) {
        BayesOutcome out;
        model->Classify(parser.Parse(raw), false, &out);
        if (!out.available || out.probability < 0.9) ++bad;
      }
    });
  }
  Train(trainer->get(), 12, 40);
  model->Refresh();
  done = true;
  for (auto& t : scorers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(model->totals().spam_messages, 40u);
  EXPECT_EQ(model->totals().ham_messages, 40u);
}

TEST_F(BayesModelTest, ModelAppearsWhenTrainedLater) {
  BayesOptions options;
  auto model = BayesModel::Open(db_, options);
  EXPECT_FALSE(model->available());
  {
    auto trainer = Trainer::Open(db_, {});
    ASSERT_TRUE(trainer.ok());
    Train(trainer->get(), 0, 15);
  }
  model->Refresh();
  EXPECT_TRUE(model->available()) << model->status();
}

// A mailing list's headers, all seen in ham only, enter a new model's verdict as one clue
// (the recorded list cap); a model made without the cap counts every one of them.
std::string ListMail(const std::string& subject, const std::string& body) {
  return "List-Id: <talk.lists.example.org>\r\nList-Post: <mailto:talk@lists.example.org>\r\n"
         "List-Unsubscribe: <mailto:leave@lists.example.org>\r\nList-Help: <mailto:help@x>\r\n"
         "X-Mailman-Version: 2.0\r\nPrecedence: bulk\r\nErrors-To: owner@lists.example.org\r\n" +
         Mail(subject, body);
}

size_t ListClues(const BayesOutcome& out) {
  size_t n = 0;
  for (const auto& [token, p] : out.top_tokens) {
    n += token.starts_with("hn:list-") || token.starts_with("hn:x-mailman") ||
         token.starts_with("hv:list-id") || token.starts_with("hn:precedence") ||
         token.starts_with("hv:precedence") || token.starts_with("hn:errors-to");
  }
  return n;
}

TEST_F(BayesModelTest, ListHeadersCountAsOneClueInANewModel) {
  for (uint32_t cap : {1u, 0u}) {
    fs::remove_all(db_);
    {
      TokenizerOptions options;
      options.family_cap = cap;
      auto trainer = Trainer::Open(db_, options);
      ASSERT_TRUE(trainer.ok());
      mime::Parser parser;
      for (int i = 0; i < 20; ++i) {
        const std::string spam = Spam(i), ham = ListMail("notes " + std::to_string(i), "see you");
        ASSERT_TRUE((*trainer)->Learn(parser.Parse(spam), spam, true, false).ok());
        ASSERT_TRUE((*trainer)->Learn(parser.Parse(ham), ham, false, false).ok());
      }
    }
    BayesOptions options;
    options.top_tokens = 100;
    auto model = BayesModel::Open(db_, options);
    ASSERT_TRUE(model->available()) << model->status();
    const BayesOutcome out =
        ClassifyText(*model, ListMail("cheap meds", "buy cheap viagra pills online now"), true);
    if (cap == 1) {
      EXPECT_EQ(ListClues(out), 1u);
    } else {
      EXPECT_GE(ListClues(out), 7u);
    }
  }
}

}  // namespace
}  // namespace sluice::bayes
