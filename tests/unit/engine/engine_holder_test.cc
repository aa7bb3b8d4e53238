// engine_holder_test.cc - EngineHolder under concurrent Get/Set: every reader sees a whole
// engine, generations only move forward, and a replaced engine lives exactly as long as the
// last message holding it. Labelled "tsan": run in a ThreadSanitizer build it also proves the
// holder race-free (the reason it is a mutex, not std::atomic<std::shared_ptr>).
#include "filter/engine/engine_holder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sluice {
namespace {

std::atomic<int> g_live{0};

// A stand-in engine: no rules, no store; its "generation" rides in the config.
class FakeEngine final : public Engine {
 public:
  explicit FakeEngine(int generation) {
    config_.scoring.time_budget_ms = static_cast<uint32_t>(generation);
    ++g_live;
  }
  ~FakeEngine() override { --g_live; }
  Result<std::shared_ptr<const Engine>> Reload(const Config&) const override {
    return Status::Internal("not used");
  }
  ScoreResult Score(std::string_view raw) const override { return Score(raw, {}, {}); }
  ScoreResult Score(std::string_view raw, const Thresholds& t) const override {
    return Score(raw, t, {});
  }
  ScoreResult Score(std::string_view raw, const Thresholds&, const ScoreOptions&) const override {
    ScoreResult r;
    r.facts.size = raw.size();
    return r;
  }
  const Config& config() const override { return config_; }
  int generation() const { return static_cast<int>(config_.scoring.time_budget_ms); }

 private:
  Config config_ = DefaultConfig();
};

int Generation(const std::shared_ptr<const Engine>& e) {
  return static_cast<const FakeEngine*>(e.get())->generation();
}

TEST(EngineHolderTest, MessageKeepsItsEngineAcrossASwap) {
  {
    EngineHolder holder(std::make_shared<FakeEngine>(1));
    auto in_flight = holder.Get();
    holder.Set(std::make_shared<FakeEngine>(2));
    EXPECT_EQ(Generation(in_flight), 1);     // the message finishes on its engine
    EXPECT_EQ(Generation(holder.Get()), 2);  // new messages take the new one
    EXPECT_EQ(g_live.load(), 2);
    in_flight.reset();
    EXPECT_EQ(g_live.load(), 1);  // the old engine went with its last message
  }
  EXPECT_EQ(g_live.load(), 0);
}

TEST(EngineHolderTest, ConcurrentReadersAndReloadsSeeWholeEnginesInOrder) {
  constexpr int kReaders = 8;
  constexpr int kReloads = 300;
  {
    EngineHolder holder(std::make_shared<FakeEngine>(0));
    std::atomic<bool> done{false};
    std::atomic<int> backwards{0};
    std::atomic<long> gets{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < kReaders; ++i) {
      readers.emplace_back([&] {
        int last = 0;
        while (!done.load()) {
          auto e = holder.Get();
          ASSERT_TRUE(e);
          const int g = Generation(e);
          if (g < last) ++backwards;
          last = g;
          EXPECT_EQ(e->Score("x").facts.size, 1u);
          ++gets;
        }
      });
    }
    for (int g = 1; g <= kReloads; ++g) {
      holder.Set(std::make_shared<FakeEngine>(g));
      if (g % 50 == 0) std::this_thread::yield();
    }
    while (gets.load() < kReaders * 10) std::this_thread::yield();
    done = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(backwards.load(), 0);
    EXPECT_EQ(Generation(holder.Get()), kReloads);
    EXPECT_EQ(g_live.load(), 1);  // every replaced engine was freed once unused
  }
  EXPECT_EQ(g_live.load(), 0);
}

}  // namespace
}  // namespace sluice
