// text_facts_test.cc - each body fact equals what the Hyperscan rule it replaced reports.
//
// The shipped rules EXCLAIM_MANY, MONEY_MANY_AMOUNTS, CAPS_WORDS_MANY, NEG_QUOTED_REPLY,
// PHONE_NUMBER and CAPS_LINE were Hyperscan patterns; they are now meta rules over these
// facts. Here the old patterns are compiled with Hyperscan exactly as the engine compiled
// them (UTF-8 mode, multiline where the rule said so) and their match counts are compared
// with ComputeTextFacts on random texts drawn from the characters that matter, plus edge
// cases written by hand.
#include "filter/rules/text_facts.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::rules {
namespace {

class HsCounter {
 public:
  HsCounter(const char* pattern, unsigned flags) {
    hs_compile_error_t* error = nullptr;
    EXPECT_EQ(hs_compile(pattern, flags | HS_FLAG_UTF8, HS_MODE_BLOCK, nullptr, &db_, &error),
              HS_SUCCESS)
        << pattern;
    if (error) hs_free_compile_error(error);
    if (db_) hs_alloc_scratch(db_, &scratch_);
  }
  ~HsCounter() {
    hs_free_scratch(scratch_);
    hs_free_database(db_);
  }
  size_t Count(std::string_view text) const {
    size_t n = 0;
    hs_scan(
        db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
        [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
          ++*static_cast<size_t*>(ctx);
          return 0;
        },
        &n);
    return n;
  }

 private:
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

struct Reference {
  HsCounter exclaim{"!", 0};
  HsCounter dollar{"\\$\\s?\\d", 0};
  HsCounter caps_word{"\\b[A-Z]{4,}\\b", 0};
  HsCounter quoted{"^>", HS_FLAG_MULTILINE};
  HsCounter phone{"\\(?\\d{3}\\)?[\\s\\-\\.]\\d{3}[\\s\\-\\.]\\d{4}", HS_FLAG_SINGLEMATCH};
  HsCounter caps_line{"^[^a-z\\n]{0,5}[A-Z][A-Z \\t,.!'$&\\-]{30,}$",
                      HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH};

  void ExpectSame(const std::string& text) const {
    TextFacts facts = ComputeTextFacts(text);
    EXPECT_EQ(facts.exclaim_count, exclaim.Count(text)) << text;
    EXPECT_EQ(facts.dollar_amount_count, dollar.Count(text)) << text;
    EXPECT_EQ(facts.caps_word_count, caps_word.Count(text)) << text;
    EXPECT_EQ(facts.quoted_line_count, quoted.Count(text)) << text;
    EXPECT_EQ(facts.phone_number, phone.Count(text) > 0) << text;
    EXPECT_EQ(facts.caps_line, caps_line.Count(text) > 0) << text;
  }
};

TEST(TextFactsTest, HandWrittenCases) {
  Reference ref;
  for (const char* text : {
           "",
           "!",
           "Wow!!! FREE MONEY NOW $5 and $ 10 and $x and $$ 3",
           "> quoted\n>> more\n not > this\n>",
           "call (555) 123-4567 or 555.123.4567 or 555-1234-567 or 1234567890",
           "55512345678 555 123 4567x",
           "FREE OFFER, ACT NOW!!! LIMITED TIME ONLY - CALL TODAY\nnext line",
           "12345 THIS LINE IS ALL CAPITALS AND IT IS LONG ENOUGH",
           "abc THIS LINE IS ALL CAPITALS AND IT IS LONG ENOUGH",
           "\xc3\x89\xc3\x89 THIS LINE IS ALL CAPITALS AND IT IS LONG ENOUGH\n",
           "THIS LINE IS ALL CAPITALS BUT ENDS in lower case text",
           "CAPS_WORD WORD2 WORDS \xc3\x89\x43OLE ABCD\r\nEFGH",
           "ABC ABCD ABCDE aBCDE ABCDe",
       }) {
    ref.ExpectSame(text);
  }
}

TEST(TextFactsTest, AgreesWithHyperscanOnRandomTexts) {
  Reference ref;
  // Characters the patterns care about, weighted towards the ones that build matches.
  const std::vector<std::string> pieces = {"A",
                                           "B",
                                           "Z",
                                           "Q",
                                           "a",
                                           "z",
                                           "0",
                                           "5",
                                           "9",
                                           "1",
                                           " ",
                                           " ",
                                           "\t",
                                           "\n",
                                           "\r\n",
                                           "!",
                                           "$",
                                           ">",
                                           "(",
                                           ")",
                                           "-",
                                           ".",
                                           ",",
                                           "'",
                                           "&",
                                           "_",
                                           "\xc3\xa9",
                                           "\xd0\x96",
                                           "555-123-4567",
                                           "(800) 555 1234",
                                           "FREE ",
                                           "MONEY",
                                           "$ 1"};
  std::mt19937 rng(20261128);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    size_t length = rng() % 120;
    // Some texts are mostly capitals, so caps lines and caps words appear.
    bool caps = round % 3 == 0;
    for (size_t i = 0; i < length; ++i) {
      if (caps && rng() % 4 != 0) {
        text += static_cast<char>('A' + rng() % 26);
        if (rng() % 6 == 0) text += ' ';
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    ref.ExpectSame(text);
    if (::testing::Test::HasFailure()) return;  // one readable failure, not thousands
  }
}

}  // namespace
}  // namespace sluice::rules
