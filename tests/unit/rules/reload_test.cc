// reload_test.cc - reloading rules while several threads scan (run under TSan by
// `make tsan`): every scan sees one whole rule set, old or new, never a mix; a broken
// file is refused and the old rules keep running.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "filter/rules/rule_set.h"
#include "test_util.h"

namespace sluice::rules {
namespace {

using testing::MessageBuilder;
using testing::TempDir;

// The swap point a daemon uses. A mutex around the shared_ptr copy rather than
// std::atomic<std::shared_ptr>: GCC 12's atomic<shared_ptr> hides its lock in the
// pointer's low bit, which ThreadSanitizer cannot see and reports as a race.
class Holder {
 public:
  explicit Holder(std::shared_ptr<const RuleSet> set) : set_(std::move(set)) {}
  std::shared_ptr<const RuleSet> load() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return set_;
  }
  void store(std::shared_ptr<const RuleSet> set) {
    std::lock_guard<std::mutex> lock(mutex_);
    set_.swap(set);  // the old set is released outside the lock, when `set` dies
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const RuleSet> set_;
};

// Generation g: every rule scores g, and the number of rules grows with g so the Hyperscan
// scratch must grow on threads that already scanned an older set.
std::string Generation(int g) {
  std::string yaml = "rules:\n";
  for (int i = 0; i < 3 + g; ++i) {
    yaml += "  - id: R" + std::to_string(i) + "\n    description: d\n    target: body\n" +
            "    pattern: 'w" + std::to_string(i) + "[a-z]{0,8}\\d+(x|y){1," +
            std::to_string(2 + g) + "}'\n    score: " + std::to_string(g) + "\n";
  }
  yaml +=
      "  - id: META\n    description: d\n    meta: 'R0 && R1'\n    score: " + std::to_string(g) +
      "\n";
  return yaml;
}

TEST(ReloadTest, ScansDuringReloadSeeOneWholeRuleSet) {
  TempDir dir;
  std::string file = dir.Write("rules.yaml", Generation(1));
  std::string broken = dir.Write("broken.yaml", "rules:\n  - id: X\n    target: nowhere\n");
  auto first = RuleSet::Load({file}, {}, nullptr);
  ASSERT_TRUE(first.ok());
  Holder current(first.value());

  std::string body;
  for (int i = 0; i < 40; ++i) body += "w" + std::to_string(i) + "abc123xyxyxyxyxyxy ";
  MessageBuilder builder;
  builder.Body(body);
  const mime::Message& message = builder.message();

  std::atomic<bool> stop{false};
  std::atomic<int> scans{0}, inconsistent{0};
  std::vector<std::thread> scanners;
  for (int t = 0; t < 3; ++t) {
    scanners.emplace_back([&] {
      std::vector<RuleHit> hits;
      while (!stop.load()) {
        std::shared_ptr<const RuleSet> rules = current.load();
        hits.clear();
        rules->Scan(message, &hits);
        // One generation: all scores equal, and exactly its rule count (plus META) hit.
        size_t expected = rules->rule_count();
        bool ok = hits.size() == expected;
        for (const auto& hit : hits) ok = ok && hit.score == hits.front().score;
        if (!ok) inconsistent.fetch_add(1);
        scans.fetch_add(1);
      }
    });
  }
  for (int g = 2; g <= 8; ++g) {
    dir.Write("rules.yaml", Generation(g));
    auto next = RuleSet::Load({file}, {}, nullptr);
    ASSERT_TRUE(next.ok()) << next.status().message();
    current.store(next.value());
    // A broken reload is refused; the running set stays.
    auto refused = RuleSet::Load({broken}, {}, nullptr);
    EXPECT_FALSE(refused.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop.store(true);
  for (auto& thread : scanners) thread.join();
  EXPECT_GT(scans.load(), 0);
  EXPECT_EQ(inconsistent.load(), 0);
  std::vector<RuleHit> hits;
  current.load()->Scan(message, &hits);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits.front().score, 8);
}

}  // namespace
}  // namespace sluice::rules
