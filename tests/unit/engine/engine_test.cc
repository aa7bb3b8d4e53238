// engine_test.cc - the whole pipeline: rules + Bayes over one parse, notes, errors, reload.
#include "filter/engine/engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "filter/bayes/trainer.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

std::string Mail(const std::string& subject, const std::string& body) {
  return "From: Someone <someone@example.com>\r\nTo: you@example.org\r\nSubject: " + subject +
         "\r\nMessage-ID: <id-" + subject.substr(0, 4) +
         "@example.com>\r\n"
         "Content-Type: text/plain\r\n\r\n" +
         body + "\r\n";
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-engine-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    std::ofstream(root_ + "/rules.yaml") << "rules:\n"
                                            "  - id: SAYS_VIAGRA\n"
                                            "    description: test rule\n"
                                            "    target: body\n"
                                            "    words: ['viagra']\n"
                                            "    score: 3.0\n";
    config_ = DefaultConfig();
    config_.scoring.rule_files = {root_ + "/rules.yaml"};
    config_.scoring.rules_cache_dir = "";
    config_.scoring.bayes_db = root_ + "/db";
  }
  void TearDown() override { fs::remove_all(root_); }

  void TrainModel(int n) {
    auto trainer = bayes::Trainer::Open(config_.scoring.bayes_db, {});
    ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
    mime::Parser parser;
    for (int i = 0; i < n; ++i) {
      const std::string spam = Mail("offer " + std::to_string(i), "cheap viagra pills discount");
      const std::string ham = Mail("notes " + std::to_string(i), "the agenda for the meeting");
      ASSERT_TRUE((*trainer)->Learn(parser.Parse(spam), spam, true, false).ok());
      ASSERT_TRUE((*trainer)->Learn(parser.Parse(ham), ham, false, false).ok());
    }
  }

  std::shared_ptr<const Engine> OpenEngine() {
    auto engine = Engine::Open(config_);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? *engine : nullptr;
  }

  std::string root_;
  Config config_;
};

TEST_F(EngineTest, RulesAloneWhenNoModelAndSaysSo) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  const ScoreResult r = engine->Score(Mail("hello", "buy viagra"));
  EXPECT_FALSE(r.verdict.error);
  ASSERT_EQ(r.verdict.hits.size(), 1u);
  EXPECT_EQ(r.verdict.hits[0].id, "SAYS_VIAGRA");
  EXPECT_DOUBLE_EQ(r.verdict.score, 3.0);
  EXPECT_EQ(r.verdict.action, Action::kAccept);
  EXPECT_FALSE(r.verdict.bayes.available);
  ASSERT_FALSE(r.verdict.notes.empty());
  EXPECT_NE(r.verdict.notes[0].find("bayes unavailable"), std::string::npos);
  EXPECT_EQ(r.facts.subject, "hello");
  EXPECT_EQ(r.facts.from, "Someone <someone@example.com>");
  EXPECT_EQ(r.facts.message_id, "<id-hell@example.com>");
}

TEST_F(EngineTest, RulesPlusBayesDecideTogether) {
  TrainModel(20);
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  const ScoreResult spam = engine->Score(Mail("new offer", "cheap viagra pills discount"));
  ASSERT_TRUE(spam.verdict.bayes.available) << spam.verdict.bayes.status;
  EXPECT_GT(spam.verdict.bayes.probability, 0.9);
  EXPECT_NEAR(spam.verdict.score, 3.0 + spam.verdict.bayes.score, 1e-9);
  EXPECT_GT(spam.verdict.score, 10);
  EXPECT_EQ(spam.verdict.action, Action::kReject);
  EXPECT_TRUE(spam.verdict.notes.empty());

  const ScoreResult ham = engine->Score(Mail("notes again", "the agenda for the meeting"));
  EXPECT_LT(ham.verdict.bayes.probability, 0.1);
  EXPECT_LT(ham.verdict.score, 0);
  EXPECT_EQ(ham.verdict.action, Action::kAccept);

  // Other thresholds for the same message.
  Thresholds strict{{{-100.0, Action::kQuarantine}}};
  EXPECT_EQ(engine->Score(Mail("notes again", "the agenda"), strict).verdict.action,
            Action::kQuarantine);
  ScoreOptions explain;
  explain.explain = true;
  const ScoreResult explained = engine->Score(Mail("x", "cheap viagra"), strict, explain);
  ASSERT_FALSE(explained.verdict.bayes.top_tokens.empty());
  EXPECT_NE(explained.verdict.bayes.top_tokens[0].first[0], '#');
}

TEST_F(EngineTest, TruncationIsNoted) {
  config_.scoring.max_scan_bytes = 100;
  auto engine = OpenEngine();
  const std::string big = Mail("big", std::string(1000, 'a') + " viagra");
  const ScoreResult r = engine->Score(big);
  EXPECT_EQ(r.facts.size, big.size());
  bool noted = false;
  for (const auto& note : r.verdict.notes)
    noted |= note.find("truncated at 100") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_TRUE(r.verdict.hits.empty());  // the word lies beyond the scanned bytes
}

TEST_F(EngineTest, GarbageNeverThrows) {
  auto engine = OpenEngine();
  for (const std::string& raw : {std::string(), std::string("\0\0\xff", 3),
                                 std::string("Content-Type: multipart/mixed\r\n\r\n--")}) {
    const ScoreResult r = engine->Score(raw);
    EXPECT_FALSE(r.verdict.error);
  }
}

TEST_F(EngineTest, BrokenRulesRefuseToOpen) {
  std::ofstream(root_ + "/bad.yaml") << "rules:\n  - id: X\n    target: nowhere\n";
  config_.scoring.rule_files = {root_ + "/bad.yaml"};
  auto engine = Engine::Open(config_);
  EXPECT_FALSE(engine.ok());
}

TEST_F(EngineTest, ReloadKeepsTheOldEngineAndSharesTheModel) {
  TrainModel(20);
  auto engine = OpenEngine();
  Config other = config_;
  other.scoring.bayes_weight = 2.0;
  auto reloaded = engine->Reload(other);
  ASSERT_TRUE(reloaded.ok());
  const std::string raw = Mail("offer", "cheap viagra pills discount");
  const auto a = engine->Score(raw), b = (*reloaded)->Score(raw);
  EXPECT_NEAR(a.verdict.bayes.probability, b.verdict.bayes.probability, 1e-12);
  EXPECT_NEAR(b.verdict.bayes.score, a.verdict.bayes.score * 2.0 / config_.scoring.bayes_weight,
              1e-9);
  Config broken = config_;
  broken.scoring.rule_files = {root_ + "/missing.yaml"};
  EXPECT_FALSE(engine->Reload(broken).ok());
  EXPECT_FALSE(engine->Score(raw).verdict.error);  // the old one is untouched
}

// A reload runs on the daemon's reload thread: whatever goes wrong while building the new
// engine must come back as a refused reload, never as an exception (which would end the
// daemon on SIGHUP). Here the rules' Hyperscan cache holds a damaged file that cannot be
// removed (immutable, as on a read-only cache directory): the rule loader's attempt to
// delete it threw std::filesystem::filesystem_error until the loader took it as a cache
// miss (ScanTest.DamagedCacheFileThatCannotBeRemovedIsRecompiled); either way the reload
// must not throw.
TEST_F(EngineTest, ReloadNeverThrowsWhenBuildingTheNewEngineThrows) {
  config_.scoring.bayes_enabled = false;
  config_.scoring.rules_cache_dir = root_ + "/cache";
  auto engine = OpenEngine();
  ASSERT_NE(engine, nullptr);
  std::vector<std::string> locked;
  for (const auto& entry : fs::directory_iterator(config_.scoring.rules_cache_dir)) {
    if (entry.path().extension() != ".hsdb") continue;
    std::ofstream(entry.path(), std::ios::trunc) << "not a Hyperscan database";
    const std::string command = "chattr +i '" + entry.path().string() + "' 2>/dev/null";
    if (std::system(command.c_str()) != 0) {
      GTEST_SKIP() << "chattr +i unavailable here";
    }
    locked.push_back(entry.path().string());
  }
  ASSERT_FALSE(locked.empty()) << "no Hyperscan cache file was written";
  Result<std::shared_ptr<const Engine>> reloaded = Status::Internal("not run");
  EXPECT_NO_THROW(reloaded = engine->Reload(config_));
  for (const std::string& path : locked) {
    const std::string command = "chattr -i '" + path + "'";
    EXPECT_EQ(std::system(command.c_str()), 0);
  }
  const std::string raw = Mail("offer", "cheap viagra");
  if (reloaded.ok()) {
    EXPECT_FALSE((*reloaded)->Score(raw).verdict.error);  // the cache was worked around
  } else {
    EXPECT_NE(reloaded.status().message().find("cannot build"), std::string::npos)
        << reloaded.status().ToString();
  }
  EXPECT_FALSE(engine->Score(raw).verdict.error);  // the old engine keeps scoring
}

TEST_F(EngineTest, ScoresFromManyThreads) {
  TrainModel(15);
  auto engine = OpenEngine();
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const bool spam = (i + t) % 2 == 0;
        const auto r = engine->Score(spam ? Mail("o", "cheap viagra pills discount")
                                          : Mail("n", "the agenda for the meeting"));
        if ((r.verdict.score > 5) != spam) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Everything of a result but the stage times, which differ from run to run.
void ExpectSameResult(const ScoreResult& a, const ScoreResult& b) {
  EXPECT_EQ(a.verdict.score, b.verdict.score);
  EXPECT_EQ(a.verdict.action, b.verdict.action);
  ASSERT_EQ(a.verdict.hits.size(), b.verdict.hits.size());
  for (size_t i = 0; i < a.verdict.hits.size(); ++i) {
    EXPECT_EQ(a.verdict.hits[i].id, b.verdict.hits[i].id);
    EXPECT_EQ(a.verdict.hits[i].matched, b.verdict.hits[i].matched);
    EXPECT_EQ(a.verdict.hits[i].count, b.verdict.hits[i].count);
  }
  EXPECT_EQ(a.verdict.bayes.available, b.verdict.bayes.available);
  EXPECT_EQ(a.verdict.bayes.status, b.verdict.bayes.status);
  EXPECT_EQ(a.verdict.bayes.probability, b.verdict.bayes.probability);
  EXPECT_EQ(a.verdict.bayes.score, b.verdict.bayes.score);
  EXPECT_EQ(a.verdict.bayes.top_tokens, b.verdict.bayes.top_tokens);
  EXPECT_EQ(a.verdict.notes, b.verdict.notes);
  EXPECT_EQ(a.verdict.error, b.verdict.error);
  EXPECT_EQ(a.facts.message_id, b.facts.message_id);
  EXPECT_EQ(a.facts.subject, b.facts.subject);
  EXPECT_EQ(a.facts.from, b.facts.from);
  EXPECT_EQ(a.facts.size, b.facts.size);
}

// A reused ScoreResult must carry nothing of the previous message: each message scored
// into the same result equals a fresh Score() of it, whatever came before (hits or none,
// clues or none, notes or none, headers present or absent, explained or not).
TEST_F(EngineTest, ScoreIntoAReusedResultEqualsAFreshScore) {
  TrainModel(20);
  config_.scoring.max_scan_bytes = 400;
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  const std::vector<std::string> messages = {
      Mail("offer now", "cheap viagra pills discount"),
      "Subject: bare\r\n\r\nno other headers at all\r\n",
      Mail("notes again", "the agenda for the meeting"),
      Mail("long", std::string(1000, 'a') + " viagra"),  // truncated: a note
      std::string("\0\0\xff", 3),
      Mail("offer again", "cheap viagra pills"),
  };
  const Thresholds& thresholds = engine->config().scoring.thresholds;
  ScoreOptions explain;
  explain.explain = true;
  for (const ScoreOptions& options : {ScoreOptions{}, explain}) {
    ScoreResult reused;
    for (int round = 0; round < 2; ++round) {
      for (const std::string& raw : messages) {
        SCOPED_TRACE(raw.substr(0, 60));
        engine->ScoreInto(raw, thresholds, options, &reused);
        ExpectSameResult(reused, engine->Score(raw, thresholds, options));
      }
    }
  }
  // The verdicts did differ, so the comparison above could fail.
  ScoreResult a, b;
  engine->ScoreInto(messages[0], thresholds, {}, &a);
  engine->ScoreInto(messages[1], thresholds, {}, &b);
  EXPECT_NE(a.verdict.hits.size(), b.verdict.hits.size());
  EXPECT_NE(a.facts.message_id, b.facts.message_id);
}

// The excerpt of a hit is shown only when explaining (`sluice score --json`); the daemons'
// and the plain output's verdicts carry the same hits, scores and counts without it.
TEST_F(EngineTest, ExcerptsOnlyWhenExplaining) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  const std::string raw = Mail("offer", "cheap Viagra pills");
  ScoreOptions explain;
  explain.explain = true;
  const ScoreResult plain = engine->Score(raw, engine->config().scoring.thresholds, {});
  const ScoreResult shown = engine->Score(raw, engine->config().scoring.thresholds, explain);
  ASSERT_EQ(plain.verdict.hits.size(), 1u);
  ASSERT_EQ(shown.verdict.hits.size(), 1u);
  EXPECT_EQ(plain.verdict.hits[0].id, "SAYS_VIAGRA");
  EXPECT_EQ(plain.verdict.hits[0].matched, "");
  EXPECT_EQ(shown.verdict.hits[0].matched, "Viagra");
  EXPECT_EQ(plain.verdict.hits[0].count, shown.verdict.hits[0].count);
  EXPECT_EQ(plain.verdict.score, shown.verdict.score);
  EXPECT_EQ(plain.verdict.action, shown.verdict.action);
}

TEST_F(EngineTest, NoRuleFilesLoadsButWarns) {
  config_.scoring.rule_files.clear();
  auto engine = OpenEngine();
  ASSERT_TRUE(engine);
  ASSERT_EQ(engine->warnings().size(), 1u);
  EXPECT_NE(engine->warnings()[0].find("scoring.rules lists no rule files"), std::string::npos);
  EXPECT_TRUE(engine->Score(Mail("hello", "buy viagra")).verdict.hits.empty());

  config_.scoring.rule_files = {root_ + "/rules.yaml"};
  auto reloaded = engine->Reload(config_);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_TRUE((*reloaded)->warnings().empty());  // the warning goes once rules are back
}

}  // namespace
}  // namespace sluice
