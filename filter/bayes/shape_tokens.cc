// shape_tokens.cc - character-class shapes of words, dates, Message-IDs and URLs.
#include "filter/bayes/shape_tokens.h"

#include "filter/bayes/token_hash.h"
#include "filter/bayes/tokenizer.h"
#include "filter/bayes/word_scan.h"

namespace sluice::bayes {
namespace {

// A shape run longer than this is cut (IDs and long numbers vary in length, not in kind).
constexpr size_t kMaxRun = 4;
// A run of letters and digits that switches between the two this often is an ID (hex, base
// 36): its letters and digits fall where chance puts them, so its shape is 'x's, not that
// pattern. "jsmith8842" or "GA1234" (one switch) keep theirs.
constexpr size_t kIdSwitches = 3;

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ClassOf(unsigned char c) {
  if (c >= '0' && c <= '9') return '9';
  if (c >= 'a' && c <= 'z') return 'a';
  if (c >= 'A' && c <= 'Z') return 'A';
  if (c >= 0x80) return 'u';
  return static_cast<char>(c);
}

bool HasDigit(std::string_view text) {
  for (const char c : text) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

void Emit(std::string_view tag, std::string_view text, TokenList* out) {
  out->Add(TokenHash(tag, text), tag, text);
}

}  // namespace

void ShapeOf(std::string_view text, size_t max_bytes, std::string* out) {
  out->clear();
  if (text.size() > max_bytes) text = text.substr(0, max_bytes);
  char prev = 0;
  size_t run = 0;
  auto append = [&](char cls) {
    run = cls == prev ? run + 1 : 1;
    prev = cls;
    if (run <= kMaxRun) {
      out->push_back(cls);
    } else if (run == kMaxRun + 1) {
      out->push_back('+');
    }
  };
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!IsAsciiAlnum(c)) {
      if ((c & 0xC0) != 0x80) append(ClassOf(c));  // a continuation byte: counted already
      ++i;
      continue;
    }
    size_t end = i, switches = 0;
    bool was_digit = text[i] >= '0' && text[i] <= '9';
    for (; end < n && IsAsciiAlnum(static_cast<unsigned char>(text[end])); ++end) {
      const bool digit = text[end] >= '0' && text[end] <= '9';
      switches += digit != was_digit;
      was_digit = digit;
    }
    const bool random_id = switches >= kIdSwitches;
    for (; i < end; ++i) append(random_id ? 'x' : ClassOf(static_cast<unsigned char>(text[i])));
  }
}

void AddDigitShapes(std::string_view tag, std::string_view text, uint32_t max_chars, TokenList* out,
                    std::string* scratch) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && internal::IsWordSeparator(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < n && !internal::IsWordSeparator(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view word = text.substr(start, i - start);
    while (!word.empty() && internal::IsWordTrimmed(static_cast<unsigned char>(word.front()))) {
      word.remove_prefix(1);
    }
    while (!word.empty() && internal::IsWordTrimmed(static_cast<unsigned char>(word.back()))) {
      word.remove_suffix(1);
    }
    if (word.empty() || word.size() > max_chars || !HasDigit(word)) continue;
    ShapeOf(word, word.size(), scratch);
    // Words are case-folded, so their shapes are too: "Win1" and "win1" are one word.
    for (char& c : *scratch) {
      if (c == 'A') c = 'a';
    }
    Emit(tag, *scratch, out);
  }
}

void AddDateShape(std::string_view value, TokenList* out, std::string* scratch) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  ShapeOf(value, 60, scratch);
  Emit("date:", *scratch, out);
}

void AddMessageIdShape(std::string_view value, TokenList* out, std::string* scratch) {
  const size_t at = value.rfind('@');
  if (at == std::string_view::npos) return Emit("mid:s:", "none", out);
  std::string_view local = value.substr(0, at);
  const size_t open = local.rfind('<');
  if (open != std::string_view::npos) local.remove_prefix(open + 1);
  while (!local.empty() && (local.front() == ' ' || local.front() == '\t')) local.remove_prefix(1);
  ShapeOf(local, 60, scratch);
  Emit("mid:s:", *scratch, out);
}

void AddAddressShape(std::string_view tag, std::string_view value, TokenList* out,
                     std::string* scratch) {
  const size_t at = value.find('@');
  if (at == std::string_view::npos) return;
  size_t start = at;
  while (start > 0 &&
         std::string_view(" \t<\"'(,:;").find(value[start - 1]) == std::string_view::npos) {
    --start;
  }
  ShapeOf(value.substr(start, at - start), 60, scratch);
  Emit(tag, *scratch, out);
}

void AddUrlShapes(const mime::Url& url, TokenList* out, std::string* scratch) {
  const std::string_view host = url.host;
  if (!host.empty()) {
    bool numeric = true;
    for (const char c : host) numeric &= (c >= '0' && c <= '9') || c == '.' || c == ':';
    const size_t dot = host.rfind('.');
    if (numeric) {
      Emit("url:h:", "ip", out);
    } else if (dot != std::string_view::npos && dot + 1 < host.size()) {
      Emit("url:tld:", host.substr(dot + 1), out);
    }
  }
  std::string_view rest = url.url;
  const size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    const size_t slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  // Path segments and query values whole ("page123.html", "id=8f3a21"): their shapes.
  size_t i = 0;
  auto is_separator = [](char c) {
    return c == '/' || c == '?' || c == '=' || c == '&' || c == '#' || c == ';';
  };
  while (i < rest.size()) {
    while (i < rest.size() && is_separator(rest[i])) ++i;
    const size_t start = i;
    while (i < rest.size() && !is_separator(rest[i])) ++i;
    const std::string_view word = rest.substr(start, i - start);
    if (word.empty() || word.size() > 60 || !HasDigit(word)) continue;
    ShapeOf(word, word.size(), scratch);
    Emit("url:ps:", *scratch, out);
  }
}

}  // namespace sluice::bayes
