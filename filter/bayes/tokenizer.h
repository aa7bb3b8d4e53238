// tokenizer.h - turns the decoded view of a message into Bayes tokens.
//
// Tokens come from the mime::Message only (never from raw bytes): words of the visible
// text (UTF-8, case-folded including Latin-1 and Cyrillic capitals), subject words, tagged
// header tokens (From/To/Reply-To addresses and domains, Received hosts, Message-ID
// domain, X-Mailer, header names), URL hosts and path words, attachment names and types,
// MIME structure and defects, and optionally sparse bigrams (OSB) of body words.
// Each token is hashed once (token_hash.h) and a message's tokens are distinct; each also
// carries the family of the header it came from (TokenFamily), for capping correlated clues.
//
// The options are part of a trained model: the store records them at creation and
// scoring uses the recorded ones, so train and score always tokenize alike.
//
// Failure: none; any input yields a (possibly empty) token list.
// Thread-safety: a Tokenizer is immutable and may be shared; a TokenList belongs to one
// thread and is meant to be reused (it keeps its buffers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/message.h"

namespace sluice::bayes {

// Where a token comes from, for capping correlated evidence (ClassifierOptions::family_cap).
// Everything that is not one of the delivery-path families is kContent.
enum TokenFamily : uint8_t {
  kContent = 0,
  kReceivedPath,  // Received hosts, domains, networks
  kReturnPath,    // Return-Path addresses and domains
  kRecipients,    // To, Cc
  kSender,        // From, Sender, Reply-To
  kListHeaders,   // List-*, X-Mailman-*, X-BeenThere, X-Loop, Errors-To, Precedence, ...
  kTokenFamilies,
};

struct TokenizerOptions {
  uint32_t osb_window = 0;             // 0: no bigrams; N: pairs of body words up to N apart
  uint32_t min_word_chars = 2;         // shorter words are dropped
  uint32_t max_word_chars = 24;        // longer words become a "skip" token (first char, length)
  size_t max_text_bytes = 256 * 1024;  // visible text tokenized per message
  bool html_markup = false;            // tag and attribute names of HTML parts ("html:font:color")
  bool all_headers = false;            // words of every header value, tagged "h:<name>:"
  // Received headers at the top (the receiving side's own hops: its MTA, localhost,
  // fetchmail) whose hosts are not tokenized: they say when and where mail was fetched,
  // which changes over time whatever the class. They still count in "rcvd:count:".
  uint32_t skip_received = 0;
  // Shape token families (shape_tokens.h: ShapeFamily bits): how prices, phone numbers,
  // dates, Message-IDs and URL paths are written, which outlasts the exact strings.
  uint32_t shapes = 0;
  // Combining, recorded with the model (the classifier's ClassifierOptions take them from
  // it): at most family_cap clues, the strongest, of each TokenFamily in capped_families
  // (bit 1 << family) enter the chi-square test; 0 = no cap. A mailing list's dozen headers
  // are one piece of evidence ("came through this list"), not a dozen independent ones.
  // Chosen on the training split (models/README.md): only the list headers are capped;
  // capping the Received path or the addresses measured worse.
  uint32_t family_cap = 1;
  uint32_t capped_families = 1u << kListHeaders;
  bool operator==(const TokenizerOptions&) const = default;
};

// The distinct tokens of one message. With keep_text the readable token text is kept
// beside each hash (for --json and dumps); scoring leaves it off.
class TokenList {
 public:
  explicit TokenList(bool keep_text = false) : keep_text_(keep_text) {}
  void Clear();
  // Adds a token; returns false if it was already there.
  bool Add(uint64_t hash, std::string_view tag, std::string_view text);
  // A hint: `hash` will be added soon; starts loading the slot its probe begins at.
  void Prefetch(uint64_t hash) const {
    if (active_ != 0) __builtin_prefetch(slots_.data() + (hash & (active_ - 1)), 1);
  }
  const std::vector<uint64_t>& hashes() const { return hashes_; }
  // Empty unless keep_text; else parallel to hashes().
  const std::vector<std::string>& texts() const { return texts_; }
  // The TokenFamily of each token, parallel to hashes().
  const std::vector<uint8_t>& families() const { return families_; }
  // Tokens added from now on belong to `family`.
  void set_family(TokenFamily family) { family_ = family; }
  size_t size() const { return hashes_.size(); }
  bool keep_text() const { return keep_text_; }

 private:
  bool Insert(uint64_t hash);
  void Grow();
  void AddText(std::string_view tag, std::string_view text);
  bool keep_text_;
  std::vector<uint64_t> hashes_;
  std::vector<std::string> texts_;
  std::vector<uint8_t> families_;
  TokenFamily family_ = kContent;
  // Open-addressing set of hashes (0 = empty) over the first active_ slots; the slots past
  // them are all 0. Every message starts small again, so one huge message does not leave
  // every later one probing (and missing the cache) all over a table sized for it.
  std::vector<uint64_t> slots_;
  size_t active_ = 0;
  bool has_zero_ = false;  // the hash 0, which cannot live in slots_
};

// Add and Insert run a few hundred times per message: inline, so the tokenizer's loops do
// not pay a call (and spill their registers) for each token.
inline bool TokenList::Insert(uint64_t hash) {
  if (hash == 0) {  // 0 marks an empty slot
    if (has_zero_) return false;
    has_zero_ = true;
    return true;
  }
  if ((hashes_.size() + 1) * 2 > active_) Grow();
  const size_t mask = active_ - 1;
  size_t i = hash & mask;
  while (slots_[i] != 0) {
    if (slots_[i] == hash) return false;
    i = (i + 1) & mask;
  }
  slots_[i] = hash;
  return true;
}

inline bool TokenList::Add(uint64_t hash, std::string_view tag, std::string_view text) {
  if (!Insert(hash)) return false;
  hashes_.push_back(hash);
  families_.push_back(family_);
  if (keep_text_) AddText(tag, text);
  return true;
}

class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {}) : options_(options) {}
  // Replaces *out's contents with the tokens of `message`.
  void Tokenize(const mime::Message& message, TokenList* out) const;
  const TokenizerOptions& options() const { return options_; }

 private:
  TokenizerOptions options_;
};

// Case-folds UTF-8 text into *out: ASCII, Latin-1 Supplement, Greek and Cyrillic capitals
// become small letters; everything else is copied. Exposed for tests and `bayes dump`.
void FoldCase(std::string_view text, std::string* out);

}  // namespace sluice::bayes
