// tokenizer.cc - words, tagged header tokens, URL and structure tokens from mime::Message.
#include "filter/bayes/tokenizer.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "filter/bayes/shape_tokens.h"
#include "filter/bayes/token_hash.h"
#include "filter/bayes/word_scan.h"

namespace sluice::bayes {
namespace {

// Bytes that end a word outright (word_scan.h has the definition its SIMD classifier
// follows).
constexpr std::array<bool, 256> MakeSeparators() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = internal::IsWordSeparator(static_cast<unsigned char>(c));
  return table;
}
constexpr std::array<bool, 256> kSeparator = MakeSeparators();

// Bytes that split a URL's path and query into words. NUL is one too: the strchr() this
// table replaced found the terminator.
constexpr std::array<bool, 256> MakeUrlSeparators() {
  std::array<bool, 256> table{};
  table[0] = true;
  for (unsigned char c : std::string_view("/?=&.#%;,+")) table[c] = true;
  return table;
}
constexpr std::array<bool, 256> kUrlSeparator = MakeUrlSeparators();

// Bytes kept inside a word but trimmed at its ends ("e-mail", "don't", "3.5").
constexpr bool IsTrimmed(unsigned char c) { return internal::IsWordTrimmed(c); }

// What the one-pass header scanners need to know of a byte, in one table load: whether it
// ends a word, is trimmed at a word's ends, and its ASCII lower-case form (bytes >= 0x80
// are kept: such words take the UTF-8 path).
struct ByteClass {
  bool separator = false;
  bool trimmed = false;
  unsigned char lower = 0;
};
constexpr std::array<ByteClass, 256> MakeByteClasses() {
  std::array<ByteClass, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const auto b = static_cast<unsigned char>(c);
    table[c].separator = kSeparator[b];
    table[c].trimmed = IsTrimmed(b);
    table[c].lower = b >= 'A' && b <= 'Z' ? static_cast<unsigned char>(b + 32) : b;
  }
  return table;
}
constexpr std::array<ByteClass, 256> kByteClass = MakeByteClasses();

// The FNV state after a constant tag, worked out at compile time so that a token's hash
// costs only its text's bytes.
constexpr uint64_t TagState(std::string_view tag) { return HashContinue(kFnvOffset, tag); }
constexpr uint64_t kRcvdState = TagState("rcvd:");
constexpr uint64_t kRcvdNetState = TagState("rcvd:net:");
constexpr uint64_t kRcvdDomState = TagState("rcvd:dom:");
constexpr uint64_t kUrlPathState = TagState("url:p:");

// TokenHash(tag, text folded to ASCII lower case) from the tag's state, folding on the fly.
uint64_t FoldedHash(uint64_t tag_state, std::string_view text) {
  for (const char c : text) {
    tag_state ^= kByteClass[static_cast<unsigned char>(c)].lower;
    tag_state *= kFnvPrime;
  }
  return HashFinish(tag_state);
}

void AsciiLower(std::string_view in, std::string* out) {
  out->assign(in);
  for (char& c : *out) {
    if (c >= 'A' && c <= 'Z') c += 32;
  }
}

// Strings an Emitter fills and refills: kept per thread, so that a warm scorer does not
// allocate them again for every message.
struct EmitterScratch {
  std::string folded, skip, pair_text, addr_tag, dom_tag, word_tag;
  internal::WordScan words;
};

// Everything one Tokenize() call needs; keeps the per-call state out of the Tokenizer.
class Emitter {
 public:
  Emitter(const TokenizerOptions& options, TokenList* out, EmitterScratch* scratch)
      : options_(options),
        out_(out),
        scratch_(*scratch),
        folded_(scratch->folded),
        skip_(scratch->skip),
        pair_text_(scratch->pair_text) {}

  void Token(std::string_view tag, std::string_view text) {
    out_->Add(TokenHash(tag, text), tag, text);
  }

  // Splits UTF-8 text into words and emits each under `tag`. With `body`, words also feed
  // the OSB window.
  void Words(std::string_view tag, std::string_view text, bool body) {
    if (!out_->keep_text()) return HashWords(tag, text, body);
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
      while (i < n && kSeparator[static_cast<unsigned char>(text[i])]) ++i;
      size_t start = i;
      unsigned char high = 0;  // any byte >= 0x80: the word is not plain ASCII
      for (; i < n && !kSeparator[static_cast<unsigned char>(text[i])]; ++i) {
        high |= static_cast<unsigned char>(text[i]);
      }
      if (start == i) continue;
      Word(tag, text.substr(start, i - start), body, high < 0x80);
    }
  }

  // Words() when no token text is kept: the words are found from the text's byte-class
  // masks (word_scan.h) a batch at a time, and the common ones (ASCII, min..max characters
  // after trimming) hashed four at a time from the lower-case copy, with no per-byte
  // branch; each hash is what TokenHash(tag, folded trimmed word) gives. Every other word
  // goes through Word() as before, in its place among the others.
  void HashWords(std::string_view tag, std::string_view text, bool body) {
    const uint64_t tag_state = HashContinue(kFnvOffset, tag);
    internal::WordScan& scan = scratch_.words;
    scan.Load(text);
    constexpr size_t kBatch = 16;
    internal::WordSpan spans[kBatch];
    uint32_t first[kBatch], len[kBatch];
    uint64_t hashes[kBatch];
    const uint32_t min_chars = std::max<uint32_t>(options_.min_word_chars, 1);
    while (const size_t count = scan.Next(spans, kBatch, min_chars, options_.max_word_chars)) {
      for (size_t k = 0; k < count; ++k) {
        first[k] = spans[k].first;
        len[k] = spans[k].other ? 0 : spans[k].kept_end - spans[k].first;
      }
      internal::HashSpans(scan.lowered(), tag_state, first, len, count, hashes);
      for (size_t k = 0; k < count; ++k) out_->Prefetch(hashes[k]);
      for (size_t k = 0; k < count; ++k) {
        const internal::WordSpan& span = spans[k];
        if (span.other) {  // Word() sees for itself whether it is ASCII
          Word(tag, text.substr(span.start, span.end - span.start), body);
          continue;
        }
        out_->Add(hashes[k], tag, {});
        if (body && options_.osb_window != 0) Window(hashes[k]);
      }
    }
  }

  // With known_ascii the caller has seen that every byte is ASCII (saves a pass).
  void Word(std::string_view tag, std::string_view word, bool body, bool known_ascii = false) {
    while (!word.empty() && IsTrimmed(static_cast<unsigned char>(word.front()))) {
      word.remove_prefix(1);
    }
    while (!word.empty() && IsTrimmed(static_cast<unsigned char>(word.back()))) {
      word.remove_suffix(1);
    }
    if (word.empty()) return;
    size_t chars = word.size();
    bool ascii = known_ascii;
    if (!known_ascii) {
      chars = 0;
      ascii = true;
      for (unsigned char c : word) {
        chars += (c & 0xC0) != 0x80;
        ascii &= c < 0x80;
      }
    }
    if (chars < options_.min_word_chars) return;
    if (chars > options_.max_word_chars) {
      // Long runs (base64 junk, hashes, glued CJK) say little by content; their shape does.
      skip_.assign("skip:");
      skip_.push_back(word.front());
      skip_.append(":");
      skip_.append(std::to_string(std::min<size_t>(chars / 10 * 10, 200)));
      Token(tag, skip_);
      if (body) Window(0);
      return;
    }
    uint64_t hash;
    if (ascii && !out_->keep_text()) {  // fold and hash in one pass, no copy (same hash)
      hash = FoldedHash(HashContinue(kFnvOffset, tag), word);
      out_->Add(hash, tag, {});
    } else {
      FoldCase(word, &folded_);
      hash = TokenHash(tag, folded_);
      out_->Add(hash, tag, folded_);
    }
    if (body) {
      if (out_->keep_text()) window_text_[window_pos_ % kMaxWindow] = folded_;
      Window(hash);
    }
  }

  // Pushes a body word's hash into the OSB window and emits its pairs.
  void Window(uint64_t hash) {
    if (options_.osb_window == 0) return;
    const uint32_t window = std::min<uint32_t>(options_.osb_window, kMaxWindow - 1);
    if (hash != 0) {
      for (uint32_t d = 1; d <= window && d <= window_pos_; ++d) {
        const uint64_t prev = window_[(window_pos_ - d) % kMaxWindow];
        if (prev == 0) continue;
        const uint64_t pair = PairHash(prev, hash, d);
        if (out_->keep_text()) {
          pair_text_ = window_text_[(window_pos_ - d) % kMaxWindow];
          pair_text_.append(d == 1 ? " " : " <" + std::to_string(d - 1) + "> ");
          pair_text_.append(folded_);
          out_->Add(pair, "osb:", pair_text_);
        } else {
          out_->Add(pair, "", "");
        }
      }
    }
    window_[window_pos_ % kMaxWindow] = hash;
    ++window_pos_;
  }

  // Tokens of address headers: whole addresses, their domains, and the display words.
  void Addresses(std::string_view tag, std::string_view value) {
    if (!out_->keep_text()) return AddressHashes(tag, value);
    std::string& addr_tag = scratch_.addr_tag;
    std::string& dom_tag = scratch_.dom_tag;
    std::string& word_tag = scratch_.word_tag;
    addr_tag.assign(tag).append("addr:");
    dom_tag.assign(tag).append("dom:");
    word_tag.assign(tag).append("w:");
    size_t i = 0;
    const size_t n = value.size();
    while (i < n) {
      while (i < n && (kSeparator[static_cast<unsigned char>(value[i])] || value[i] == '\'')) ++i;
      size_t start = i;
      while (i < n && !kSeparator[static_cast<unsigned char>(value[i])] && value[i] != '\'') ++i;
      std::string_view word = value.substr(start, i - start);
      if (word.empty()) continue;
      const size_t at = word.find('@');
      if (at != std::string_view::npos && at + 1 < word.size()) {
        AsciiLower(word, &folded_);
        Token(addr_tag, folded_);
        Token(dom_tag, std::string_view(folded_).substr(at + 1));
      } else {
        Word(word_tag, word, false);
      }
    }
  }

  // Addresses() when no token text is kept: the same tokens, an address and its domain
  // folded and hashed from the value itself (no lower-case copy), the tags' FNV states
  // worked out once per header instead of once per token.
  void AddressHashes(std::string_view tag, std::string_view value) {
    const uint64_t tag_state = HashContinue(kFnvOffset, tag);
    const uint64_t addr_state = HashContinue(tag_state, "addr:");
    const uint64_t dom_state = HashContinue(tag_state, "dom:");
    std::string& word_tag = scratch_.word_tag;
    word_tag.assign(tag).append("w:");
    const auto* p = reinterpret_cast<const unsigned char*>(value.data());
    size_t i = 0;
    const size_t n = value.size();
    while (i < n) {
      while (i < n && (kByteClass[p[i]].separator || p[i] == '\'')) ++i;
      const size_t start = i;
      size_t at = std::string_view::npos;  // the first '@'
      for (; i < n && !kByteClass[p[i]].separator && p[i] != '\''; ++i) {
        if (p[i] == '@' && at == std::string_view::npos) at = i - start;
      }
      const std::string_view word = value.substr(start, i - start);
      if (word.empty()) continue;
      if (at != std::string_view::npos && at + 1 < word.size()) {
        out_->Add(FoldedHash(addr_state, word), {}, {});
        out_->Add(FoldedHash(dom_state, word.substr(at + 1)), {}, {});
      } else {
        Word(word_tag, word, false);
      }
    }
  }

  // Host names and IP addresses in a Received header, and the domain of each host.
  // Only words with a '.' count, and most words ("from", "by", "with", dates, ids) have
  // none: so the scan jumps from dot to dot (memchr) and walks out from each to its word's
  // separators, instead of splitting every word byte by byte (a mispredicted branch at
  // every word end).
  void ReceivedHosts(std::string_view value) {
    size_t i = 0;
    const size_t n = value.size();
    const auto* p = reinterpret_cast<const unsigned char*>(value.data());
    while (i < n) {
      const void* found = std::memchr(p + i, '.', n - i);
      if (found == nullptr) break;
      const auto dot = static_cast<size_t>(static_cast<const unsigned char*>(found) - p);
      size_t start = dot;  // p[i - 1], if any, is a separator: the last word's end
      while (start > i && !kByteClass[p[start - 1]].separator) --start;
      i = dot + 1;
      while (i < n && !kByteClass[p[i]].separator) ++i;
      std::string_view word = value.substr(start, i - start);
      while (!word.empty() && IsTrimmed(static_cast<unsigned char>(word.back()))) {
        word.remove_suffix(1);
      }
      if (word.size() > 80 || word.find('.') == std::string_view::npos ||
          word.find('@') != std::string_view::npos) {
        continue;
      }
      if (!out_->keep_text()) {
        HostHashes(word);
        continue;
      }
      // Folded and tested for "digits and dots only" in one pass.
      folded_.resize(word.size());
      bool numeric = true;
      for (size_t k = 0; k < word.size(); ++k) {
        const auto c = static_cast<unsigned char>(word[k]);
        folded_[k] = static_cast<char>(kByteClass[c].lower);
        numeric &= (c >= '0' && c <= '9') || c == '.';
      }
      Token("rcvd:", folded_);
      if (numeric) {
        // An IP: its /24 and /16 say more than the address itself.
        const size_t last = folded_.rfind('.');
        if (last != std::string::npos && last > 0) {
          Token("rcvd:net:", std::string_view(folded_).substr(0, last));
          const size_t prev = folded_.rfind('.', last - 1);
          if (prev != std::string::npos)
            Token("rcvd:net:", std::string_view(folded_).substr(0, prev));
        }
      } else {
        const size_t last = folded_.rfind('.');
        const size_t prev = last == 0 ? std::string::npos : folded_.rfind('.', last - 1);
        if (prev != std::string::npos)
          Token("rcvd:dom:", std::string_view(folded_).substr(prev + 1));
      }
    }
  }

  // ReceivedHosts' tokens of one host word when no text is kept: the same hashes, with the
  // word folded and hashed in one pass and no copy. Digits and dots have no case, so an
  // IP's networks are hashed from the word as it is.
  void HostHashes(std::string_view word) {
    uint64_t state = kRcvdState;
    bool numeric = true;
    size_t last = std::string_view::npos, prev = std::string_view::npos;  // the last two dots
    for (size_t k = 0; k < word.size(); ++k) {
      const auto c = static_cast<unsigned char>(word[k]);
      state = (state ^ kByteClass[c].lower) * kFnvPrime;
      numeric &= (c >= '0' && c <= '9') || c == '.';
      if (c == '.') {
        prev = last;
        last = k;
      }
    }
    out_->Add(HashFinish(state), {}, {});
    if (numeric) {
      // An IP: its /24 and /16 say more than the address itself.
      if (last != std::string_view::npos && last > 0) {
        out_->Add(FoldedHash(kRcvdNetState, word.substr(0, last)), {}, {});
        if (prev != std::string_view::npos) {
          out_->Add(FoldedHash(kRcvdNetState, word.substr(0, prev)), {}, {});
        }
      }
    } else if (last != 0 && prev != std::string_view::npos) {
      out_->Add(FoldedHash(kRcvdDomState, word.substr(prev + 1)), {}, {});
    }
  }

  void Url(const mime::Url& url) {
    if (!url.host.empty()) {
      Token("url:h:", url.host);
      // Registered-domain-ish suffix: the last two labels.
      const size_t last = url.host.rfind('.');
      if (last != std::string::npos && last > 0) {
        const size_t prev = url.host.rfind('.', last - 1);
        if (prev != std::string::npos) Token("url:d:", std::string_view(url.host).substr(prev + 1));
      }
    } else {
      Token("url:", "nohost");
    }
    std::string_view rest = url.url;
    const size_t scheme = rest.find("://");
    if (scheme != std::string_view::npos) {
      AsciiLower(rest.substr(0, scheme), &folded_);
      Token("url:scheme:", folded_);
      rest.remove_prefix(scheme + 3);
      const size_t slash = rest.find('/');
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    // Path and query words: "/cgi-bin/click?id=..." -> cgi-bin, click, id, ...
    size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && kUrlSeparator[static_cast<unsigned char>(rest[i])]) ++i;
      size_t start = i;
      while (i < rest.size() && !kUrlSeparator[static_cast<unsigned char>(rest[i])]) ++i;
      if (i > start && i - start <= 40) {
        if (!out_->keep_text()) {  // the same hash, folded on the fly
          out_->Add(FoldedHash(kUrlPathState, rest.substr(start, i - start)), {}, {});
          continue;
        }
        AsciiLower(rest.substr(start, i - start), &folded_);
        Token("url:p:", folded_);
      }
    }
    if (url.source == mime::UrlSource::kHref && !url.link_text.empty() &&
        url.link_text.find("://") != std::string::npos &&
        url.link_text.find(url.host) == std::string::npos) {
      Token("url:", "text-host-mismatch");
    }
  }

 private:
  static constexpr uint32_t kMaxWindow = 8;
  const TokenizerOptions& options_;
  TokenList* out_;
  EmitterScratch& scratch_;
  std::string &folded_, &skip_, &pair_text_;
  std::array<uint64_t, kMaxWindow> window_{};
  std::array<std::string, kMaxWindow> window_text_;
  uint32_t window_pos_ = 0;
};

// Tag names and "tag:attribute" names of HTML markup, each at most once per message.
void HtmlMarkup(std::string_view html, Emitter* emit) {
  std::string tag, attr;
  size_t i = 0;
  const size_t n = std::min<size_t>(html.size(), 256 * 1024);
  auto is_name = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == ':';
  };
  while (i < n) {
    const size_t lt = html.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= n) break;
    i = lt + 1;
    if (html[i] == '/' || html[i] == '!') continue;
    size_t start = i;
    while (i < n && is_name(html[i])) ++i;
    if (i == start || i - start > 16) continue;
    AsciiLower(html.substr(start, i - start), &tag);
    emit->Token("html:", tag);
    // Attributes up to the closing '>'.
    while (i < n && html[i] != '>') {
      while (i < n && !is_name(html[i]) && html[i] != '>') {
        if (html[i] == '"' || html[i] == '\'') {  // skip quoted values
          const size_t close = html.find(html[i], i + 1);
          i = close == std::string_view::npos ? n : close + 1;
        } else {
          ++i;
        }
      }
      start = i;
      while (i < n && is_name(html[i])) ++i;
      if (i > start && i - start <= 16) {
        AsciiLower(html.substr(start, i - start), &attr);
        emit->Token("html:" + tag + ":", attr);
      }
    }
  }
}

// How the tokenizer treats a header, by its lower-case name.
enum class HeaderKind : uint8_t {
  kSubject,      // words, "s:"
  kAddress,      // From, To, Cc, Reply-To, Return-Path, Sender: addresses, domains, words
  kReceived,     // host names and networks
  kMessageId,    // the domain
  kMailer,       // X-Mailer / User-Agent: whole value and words
  kContentType,  // the media type
  kValueTagged,  // Precedence, X-Priority, ...: the value as one "hv:" token
  kNoWords,      // never split into words, even with all_headers (Date, X-Spam-*, ...)
  kOther,        // words only with all_headers
};

// One switch on the length and a compare or two, instead of a chain of up to twenty
// string compares for every header of every message.
HeaderKind KindOf(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (name == "to" || name == "cc") return HeaderKind::kAddress;
      break;
    case 4:
      if (name == "from") return HeaderKind::kAddress;
      if (name == "date") return HeaderKind::kNoWords;
      break;
    case 6:
      if (name == "sender") return HeaderKind::kAddress;
      break;
    case 7:
      if (name == "subject") return HeaderKind::kSubject;
      if (name == "list-id") return HeaderKind::kValueTagged;
      break;
    case 8:
      if (name == "received") return HeaderKind::kReceived;
      if (name == "reply-to") return HeaderKind::kAddress;
      if (name == "x-mailer") return HeaderKind::kMailer;
      break;
    case 10:
      if (name == "message-id") return HeaderKind::kMessageId;
      if (name == "user-agent") return HeaderKind::kMailer;
      if (name == "precedence" || name == "x-priority" || name == "importance") {
        return HeaderKind::kValueTagged;
      }
      break;
    case 11:
      if (name == "return-path") return HeaderKind::kAddress;
      break;
    case 12:
      if (name == "content-type") return HeaderKind::kContentType;
      if (name == "organization") return HeaderKind::kValueTagged;
      if (name == "delivered-to") return HeaderKind::kNoWords;
      break;
    case 17:
      if (name == "x-msmail-priority") return HeaderKind::kValueTagged;
      break;
    default:
      break;
  }
  return name.starts_with("x-spam") ? HeaderKind::kNoWords : HeaderKind::kOther;
}

// The family of a header's tokens (the "hn:" name token included).
TokenFamily FamilyOf(std::string_view name, HeaderKind kind) {
  switch (kind) {
    case HeaderKind::kReceived:
      return kReceivedPath;
    case HeaderKind::kAddress:
      if (name == "to" || name == "cc") return kRecipients;
      return name == "return-path" ? kReturnPath : kSender;
    default:
      break;
  }
  if (name.starts_with("list-") || name.starts_with("x-list") || name.starts_with("x-mailman") ||
      name.starts_with("x-mailing-list") || name == "mailing-list" || name == "x-beenthere" ||
      name == "x-loop" || name == "errors-to" || name == "precedence") {
    return kListHeaders;
  }
  return kContent;
}

std::string Bucket(size_t n) {
  if (n <= 3) return std::to_string(n);
  if (n <= 6) return "4-6";
  if (n <= 12) return "7-12";
  return "13+";
}

}  // namespace

void FoldCase(std::string_view text, std::string* out) {
  out->assign(text);
  auto* p = reinterpret_cast<unsigned char*>(out->data());
  const size_t n = out->size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') p[i] = c + 32;
      continue;
    }
    if (i + 1 >= n) break;
    const unsigned char d = p[i + 1];
    if (c == 0xC3 && d >= 0x80 && d <= 0x9E && d != 0x97) {  // Latin-1 capitals
      p[i + 1] = d + 0x20;
    } else if (c == 0xCE && d >= 0x91 && d <= 0xA9 && d != 0xA2) {  // Greek capitals
      if (d <= 0x9F) {
        p[i + 1] = d + 0x20;
      } else {
        p[i] = 0xCF;
        p[i + 1] = d - 0x20;
      }
    } else if (c == 0xD0 && d >= 0x80 && d <= 0xAF) {  // Cyrillic capitals
      if (d <= 0x8F) {                                 // Ѐ..Џ -> ѐ..џ
        p[i] = 0xD1;
        p[i + 1] = d + 0x10;
      } else if (d <= 0x9F) {  // А..П -> а..п
        p[i + 1] = d + 0x20;
      } else {  // Р..Я -> р..я
        p[i] = 0xD1;
        p[i + 1] = d - 0x20;
      }
    }
    ++i;
  }
}

// Slots a message starts with: room for 512 distinct tokens, more than most messages have.
constexpr size_t kMinSlots = 1024;

void TokenList::Clear() {
  if (hashes_.size() * 8 < active_) {
    // Few slots in use: empty only those instead of writing the whole active table. Every
    // occupied slot holds one of hashes_, so probing for each (past slots already zeroed)
    // finds and clears them all.
    const size_t mask = active_ - 1;
    for (uint64_t h : hashes_) {
      if (h == 0) continue;
      size_t i = h & mask;
      while (slots_[i] != h) i = (i + 1) & mask;
      slots_[i] = 0;
    }
  } else {
    std::fill(slots_.begin(), slots_.begin() + static_cast<ptrdiff_t>(active_), 0);
  }
  active_ = std::min(active_, kMinSlots);
  hashes_.clear();
  texts_.clear();
  families_.clear();
  family_ = kContent;
  has_zero_ = false;
}

// Doubles the active part of the table (allocating only past what an earlier message
// used) and re-inserts this message's hashes into it.
void TokenList::Grow() {
  std::fill(slots_.begin(), slots_.begin() + static_cast<ptrdiff_t>(active_), 0);
  active_ = std::max(kMinSlots, active_ * 2);
  if (slots_.size() < active_) slots_.resize(active_, 0);
  const size_t mask = active_ - 1;
  for (uint64_t h : hashes_) {
    if (h == 0) continue;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

void TokenList::AddText(std::string_view tag, std::string_view text) {
  std::string& t = texts_.emplace_back(tag);
  t.append(text);
}

void Tokenizer::Tokenize(const mime::Message& message, TokenList* out) const {
  out->Clear();
  // Per-thread scratch: most header names and values outgrow the small-string buffer, and
  // a scorer should not allocate per header.
  thread_local EmitterScratch scratch;
  thread_local std::string name, lower, tag;
  Emitter emit(options_, out, &scratch);

  if (!message.parts.empty()) {
    size_t received = 0;
    for (const mime::Header& header : message.headers()) {
      const std::string_view value = header.value;
      AsciiLower(header.name, &name);  // compared below as plain strings: one fold per header
      const HeaderKind kind = KindOf(name);
      out->set_family(FamilyOf(name, kind));
      if (name.size() <= 40) emit.Token("hn:", name);
      switch (kind) {
        case HeaderKind::kSubject:
          emit.Words("s:", value, false);
          if (options_.shapes & kDigitShapes) {
            AddDigitShapes("s:d:", value, options_.max_word_chars, out, &lower);
          }
          break;
        case HeaderKind::kAddress:
          tag.assign(name).push_back(':');
          emit.Addresses(tag, value);
          if (name == "from" && (options_.shapes & kHeaderShapes)) {
            AddAddressShape("from:s:", value, out, &lower);
          }
          break;
        case HeaderKind::kReceived:
          if (received++ >= options_.skip_received) emit.ReceivedHosts(value);
          break;
        case HeaderKind::kMessageId:
          if (const size_t at = value.rfind('@'); at != std::string_view::npos) {
            std::string_view domain = value.substr(at + 1);
            if (!domain.empty() && domain.back() == '>') domain.remove_suffix(1);
            AsciiLower(domain, &lower);
            emit.Token("mid:", lower);
          } else {
            emit.Token("mid:", "no-at");
          }
          if (options_.shapes & kHeaderShapes) AddMessageIdShape(value, out, &lower);
          break;
        case HeaderKind::kMailer:
          AsciiLower(value.substr(0, 60), &lower);
          emit.Token("xm:", lower);
          emit.Words("xm:w:", value, false);
          break;
        case HeaderKind::kContentType:
          AsciiLower(value.substr(0, value.find(';')), &lower);
          emit.Token("h:ct:", lower);
          break;
        case HeaderKind::kValueTagged:
        case HeaderKind::kOther:
          if (options_.all_headers) {
            tag.assign("h:").append(name).push_back(':');
            emit.Words(tag, value.substr(0, 1024), false);
          }
          break;
        case HeaderKind::kNoWords:
          if (name == "date" && (options_.shapes & kHeaderShapes)) AddDateShape(value, out, &lower);
          break;
      }
      if (kind == HeaderKind::kValueTagged) {
        tag.assign("hv:").append(name).push_back(':');
        AsciiLower(value.substr(0, 60), &lower);
        emit.Token(tag, lower);
      }
    }
    out->set_family(kContent);
    emit.Token("rcvd:count:", Bucket(received));
  }

  for (const mime::Part& part : message.parts) {
    emit.Token("part:ct:", part.content_type);
    if (!part.charset.empty()) emit.Token("part:cs:", part.charset);
    if (!part.transfer_encoding.empty()) emit.Token("part:cte:", part.transfer_encoding);
  }
  emit.Token("parts:", Bucket(message.parts.size()));
  for (const mime::Attachment& attachment : message.attachments) {
    const size_t dot = attachment.filename.rfind('.');
    if (dot != std::string::npos && attachment.filename.size() - dot <= 8) {
      AsciiLower(std::string_view(attachment.filename).substr(dot + 1), &lower);
      emit.Token("att:ext:", lower);
    }
    emit.Token("att:type:", attachment.declared_type);
    if (!attachment.sniffed_type.empty()) emit.Token("att:sniff:", attachment.sniffed_type);
  }
  for (const mime::Defect& defect : message.defects) {
    emit.Token("defect:", mime::DefectName(defect.kind));
  }
  if (message.html_only) emit.Token("fact:", "html-only");
  emit.Token("fact:images:", Bucket(message.image_count));
  if (message.invisible_text > 0) emit.Token("fact:invisible:", Bucket(message.invisible_text));
  if (message.colored_text > 0) emit.Token("fact:colored:", Bucket(message.colored_text));

  for (const mime::Url& url : message.urls) {
    emit.Url(url);
    if (options_.shapes & kUrlShapes) AddUrlShapes(url, out, &lower);
  }
  if (options_.html_markup) {
    for (const mime::Part& part : message.parts) {
      if (part.is_html) HtmlMarkup(message.TextOf(part), &emit);
    }
  }

  std::string_view text = message.visible_text;
  if (text.size() > options_.max_text_bytes) text = text.substr(0, options_.max_text_bytes);
  emit.Words("", text, true);
  if (options_.shapes & kDigitShapes)
    AddDigitShapes("d:", text, options_.max_word_chars, out, &lower);
}

}  // namespace sluice::bayes
