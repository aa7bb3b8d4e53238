// lookup_hint_test.cc - TokenTable::hint() names the slots Lookup() probes, and a hint
// changes no token.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "filter/bayes/token_hash.h"
#include "filter/bayes/token_table.h"
#include "filter/bayes/tokenizer.h"

namespace sluice::bayes {
namespace {

// Every stored hash is found by probing from the slot the hint names (slot geometry,
// mask and base agree with the table's own), so a prefetch through it fetches the line
// that Lookup() reads first.
TEST(LookupHintTest, NamesTheSlotLookupStartsAt) {
  std::vector<std::pair<uint64_t, TokenCounts>> entries;
  for (uint32_t i = 0; i < 3000; ++i) {
    entries.push_back({TokenHash("t:", std::to_string(i)), TokenCounts{i % 7, i % 5}});
  }
  const auto table = TokenTable::FromEntries(entries);
  const LookupHint hint = table->hint();
  ASSERT_NE(hint.slots, nullptr);
  for (const auto& [hash, counts] : entries) {
    uint64_t i = hash & hint.mask;
    uint64_t probes = 0, stored = 0;
    for (;; i = (i + 1) & hint.mask, ++probes) {
      ASSERT_LE(probes, hint.mask) << hash;
      std::memcpy(&stored, hint.slots + (i << hint.slot_shift), sizeof stored);
      if (stored == hash || stored == 0) break;
    }
    ASSERT_EQ(stored, hash);
  }
}

TEST(LookupHintTest, ChangesNoToken) {
  std::vector<std::pair<uint64_t, TokenCounts>> entries = {{TokenHash("", "cheap"), {3, 1}}};
  const auto table = TokenTable::FromEntries(entries);
  mime::Message m;
  m.parts.emplace_back();
  m.visible_text = "cheap pills, buy cheap now from example.com";
  TokenList plain, hinted;
  hinted.set_lookup_hint(table->hint());
  Tokenizer().Tokenize(m, &plain);
  Tokenizer().Tokenize(m, &hinted);
  EXPECT_EQ(plain.hashes(), hinted.hashes());
  EXPECT_EQ(plain.families(), hinted.families());
}

}  // namespace
}  // namespace sluice::bayes
