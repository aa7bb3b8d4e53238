// tokenizer_words_test.cc - the scoring path's word scanner (word_scan.h: byte-class masks
// 64 bytes at a time, words hashed four at a time) against the text path (--json), which
// splits byte by byte. Words at block edges, at the text's end, long words, UTF-8 across
// a block edge, and every byte value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filter/bayes/token_hash.h"
#include "filter/bayes/tokenizer.h"

namespace sluice::bayes {
namespace {

mime::Message BodyOnly(std::string text) {
  mime::Message m;
  m.visible_text = std::move(text);
  m.raw_text = m.visible_text;
  return m;
}

// The scoring path's hashes, in order, equal the text path's, and each text-path token
// hashes to its own text (so both are TokenHash("", folded word)).
void ExpectSameWords(const std::string& text, const TokenizerOptions& options = {}) {
  const mime::Message m = BodyOnly(text);
  TokenList plain, with_text(true);
  Tokenizer(options).Tokenize(m, &plain);
  Tokenizer(options).Tokenize(m, &with_text);
  ASSERT_EQ(plain.hashes(), with_text.hashes()) << '"' << text << '"';
  ASSERT_EQ(plain.families(), with_text.families());
}

std::vector<std::string> BodyWords(const std::string& text, TokenizerOptions options = {}) {
  TokenList tokens(true);
  Tokenizer(options).Tokenize(BodyOnly(text), &tokens);
  std::vector<std::string> words;
  for (const std::string& t : tokens.texts()) {
    if (!t.starts_with("parts:") && !t.starts_with("fact:")) words.push_back(t);
  }
  return words;
}

// The separator and trimmed sets, written out here independently of the tokenizer's
// tables, each byte checked on both paths.
TEST(TokenizerWordsTest, EveryByteValueIsClassifiedAsDocumented) {
  const std::string separators = "\"()<>[]{}|;:,=*/\\^~`+#&";
  const std::string trimmed = ".-'_?@";
  for (int b = 0; b < 0x80; ++b) {
    const char c = static_cast<char>(b);
    const std::string text = std::string("Ab") + c + "cD " + c + "xY" + c;
    ExpectSameWords(text);
    std::vector<std::string> expected;
    if (b <= 0x20 || b == 0x7f || separators.find(c) != std::string::npos) {
      expected = {"ab", "cd", "xy"};
    } else if (trimmed.find(c) != std::string::npos) {
      expected = {std::string("ab") + c + "cd", "xy"};
    } else {
      const char low = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
      expected = {std::string("ab") + low + "cd", std::string(1, low) + "xy" + low};
    }
    EXPECT_EQ(BodyWords(text), expected) << "byte " << b;
  }
  for (int b = 0x80; b < 0x100; ++b) {  // not ASCII: the word takes the UTF-8 path
    ExpectSameWords(std::string("Ab") + static_cast<char>(b) + "cD q" + static_cast<char>(b));
  }
}

// A word at every offset around the 64-byte blocks, of every length up to past the
// 24-character limit and past 64 bytes, with trimmed ends, upper case and a non-ASCII
// letter, ending at a separator or at the text's very end.
TEST(TokenizerWordsTest, WordsAtBlockEdgesAndTheTextEnd) {
  TokenizerOptions wide;  // words up to 100 characters are hashed, not skipped
  wide.max_word_chars = 100;
  wide.min_word_chars = 1;
  for (size_t offset = 0; offset < 140; offset += (offset < 70 ? 1 : 7)) {
    for (size_t len = 1; len <= 80; len += (len < 30 ? 1 : 5)) {
      std::string word;
      for (size_t k = 0; k < len; ++k) word += static_cast<char>((k % 3 == 0 ? 'A' : 'a') + k % 26);
      for (const std::string& variant :
           {word, "-" + word + ".", "'" + word + "'?", word + "\xc3\xa9", "\xd0\x96" + word}) {
        const std::string pad(offset, ' ');
        for (const std::string& text :
             {pad + variant, pad + variant + " tail", pad + variant + ","}) {
          ExpectSameWords(text);
          ExpectSameWords(text, wide);
        }
      }
    }
  }
}

// Texts of exactly 63, 64, 65, 127, 128, 129 bytes made of one word or many short ones,
// and UTF-8 letters whose two bytes sit on either side of a block edge.
TEST(TokenizerWordsTest, TextLengthsAroundTheBlockSize) {
  for (size_t n : {1, 2, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 192, 193, 1000}) {
    ExpectSameWords(std::string(n, 'w'));
    std::string many;
    while (many.size() < n)
      many += many.size() % 5 == 4 ? ' ' : static_cast<char>('K' + many.size() % 7);
    ExpectSameWords(many);
    std::string dashes;  // trimmed bytes and separators only: no word at all
    while (dashes.size() < n) dashes += dashes.size() % 3 == 2 ? ' ' : '-';
    ExpectSameWords(dashes);
    EXPECT_TRUE(BodyWords(dashes).empty());
  }
  for (size_t edge : {64, 128}) {
    for (size_t at = edge - 3; at <= edge + 1; ++at) {
      std::string text(at, 'x');
      text[at / 2] = ' ';
      text += "\xd0\x94\xd0\xb0 ok";  // "Да": its first byte at `at`
      ExpectSameWords(text);
    }
  }
}

// Many words with long and short ones mixed, so that a group of four chains has lanes of
// very different lengths, with OSB pairs on.
TEST(TokenizerWordsTest, MixedLengthsInOneGroupKeepTheirOrder) {
  TokenizerOptions osb;
  osb.osb_window = 3;
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += std::string(1 + (i * 7) % 23, static_cast<char>('a' + i % 26));
    text += i % 11 == 0 ? " Ünïcode " : " ";
  }
  ExpectSameWords(text);
  ExpectSameWords(text, osb);
  const std::vector<std::string> words = BodyWords("zz Yy xx ww vv uu tt ss rr");
  EXPECT_EQ(words,
            (std::vector<std::string>{"zz", "yy", "xx", "ww", "vv", "uu", "tt", "ss", "rr"}));
}

// Received hosts are found by jumping from dot to dot: words with a dot at either end, two
// dots in a row, a dot word first or last in the value, inside brackets, with an '@'.
TEST(TokenizerWordsTest, ReceivedHostsAroundTheirDots) {
  mime::Message m;
  mime::Part root;
  root.path = "1";
  mime::Header h;
  h.name = "Received";
  h.value = ".lead x.Y. a..b @at.x from z (q.R.s) [10.1.2.3] by.\tend. last.Host";
  root.headers.push_back(h);
  m.parts.push_back(std::move(root));
  for (const bool keep_text : {false, true}) {
    TokenList tokens(keep_text);
    Tokenizer().Tokenize(m, &tokens);
    std::vector<uint64_t> got;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens.families()[i] == kReceivedPath) got.push_back(tokens.hashes()[i]);
    }
    std::vector<uint64_t> expected = {TokenHash("hn:", "received")};
    for (const char* host : {".lead", "x.y", "a..b"}) expected.push_back(TokenHash("rcvd:", host));
    expected.push_back(TokenHash("rcvd:dom:", ".b"));  // the text after the second-last dot
    expected.push_back(TokenHash("rcvd:", "q.r.s"));
    expected.push_back(TokenHash("rcvd:dom:", "r.s"));
    expected.push_back(TokenHash("rcvd:", "10.1.2.3"));
    expected.push_back(TokenHash("rcvd:net:", "10.1.2"));
    expected.push_back(TokenHash("rcvd:net:", "10.1"));
    expected.push_back(TokenHash("rcvd:", "last.host"));
    EXPECT_EQ(got, expected) << (keep_text ? "text path" : "hash path");
  }
}

}  // namespace
}  // namespace sluice::bayes
