// header_decode.cc - unfolding and RFC 2047 encoded words in unstructured header text.
//
// Encoded words are found anywhere (also inside a token, a common violation mail readers
// accept). Adjacent encoded words in the same charset are joined as bytes before charset
// conversion, so a multi-byte character split across two words survives. Raw 8-bit text
// is UTF-8 when valid, else the caller's fallback charset, else windows-1252. A malformed
// word stays as it was written and makes the call return false.
// Parameter parsing (RFC 2045/2231) lives in header_params.cc.
#include "filter/mime/header_decode.h"

#include <cstring>

#include "filter/mime/charset.h"
#include "filter/mime/charset_names.h"
#include "filter/mime/transfer_decode.h"
#include "filter/util/byte_classes.h"

namespace sluice::mime {
namespace {

inline bool IsWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool AllAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// An encoded word "=?charset[*lang]?B|Q?text?=" starting at s[pos].
struct EncodedWord {
  std::string_view charset;  // without the RFC 2231 language suffix
  char encoding;             // 'b' or 'q'
  std::string_view text;
  size_t end;  // offset just past "?="
};

// Parses the word at pos. Returns 1 when well-formed, 0 when there is no word here, -1
// when it has the shape of one but cannot be decoded (unknown encoding letter).
// The next "?=" at or after a position. Queries only move forward, so remembering the
// last answer keeps a value full of unterminated "=?" linear instead of quadratic.
class CloseFinder {
 public:
  explicit CloseFinder(std::string_view s) : s_(s) {}
  size_t From(size_t pos) {
    if (!valid_ || (found_ != std::string_view::npos && found_ < pos)) {
      found_ = s_.find("?=", pos);
      valid_ = true;
    }
    return found_;
  }

 private:
  std::string_view s_;
  size_t found_ = std::string_view::npos;
  bool valid_ = false;
};

int ParseEncodedWord(std::string_view s, size_t pos, CloseFinder* closer, EncodedWord* w) {
  size_t i = pos + 2;
  size_t cs_start = i;
  while (i < s.size() && s[i] != '?' && !IsWsp(s[i]) && i - cs_start < 64) ++i;
  if (i >= s.size() || s[i] != '?' || i == cs_start) return 0;
  std::string_view charset = s.substr(cs_start, i - cs_start);
  if (i + 2 >= s.size() || s[i + 2] != '?') return 0;
  char enc = s[i + 1];
  size_t text_start = i + 3;
  size_t close = closer->From(text_start);
  if (close == std::string_view::npos) return 0;
  if (enc != 'b' && enc != 'B' && enc != 'q' && enc != 'Q') return -1;
  if (size_t star = charset.find('*'); star != std::string_view::npos) {
    charset = charset.substr(0, star);
  }
  w->charset = charset;
  w->encoding = (enc == 'b' || enc == 'B') ? 'b' : 'q';
  w->text = s.substr(text_start, close - text_start);
  w->end = close + 2;
  return 1;
}

// Appends raw header text: ASCII as is, 8-bit as UTF-8 when valid, else in the fallback
// charset, else windows-1252.
bool AppendRaw(std::string_view raw, std::string_view fallback, std::string* out, bool* had_8bit) {
  if (AllAscii(raw)) {
    out->append(raw);
    return true;
  }
  if (had_8bit != nullptr) *had_8bit = true;
  if (IsValidUtf8(raw)) {
    out->append(raw);
    return true;
  }
  CharsetNameBuffer buf;
  ResolvedCharset rc = ResolveCharset(fallback, &buf);
  // Only ASCII-based charsets can describe bytes inside a header line: a UTF-16 body
  // charset says nothing about them.
  bool usable = rc.kind == CharsetKind::kWin1252 || rc.kind == CharsetKind::kEucJp ||
                rc.kind == CharsetKind::kIso2022Jp || rc.kind == CharsetKind::kIconv;
  if (usable) {
    size_t mark = out->size();
    if (AppendUtf8(fallback, raw, out) == CharsetResult::kOk) return true;
    out->resize(mark);  // the fallback does not fit these bytes either
  }
  AppendUtf8("windows-1252", raw, out);
  return true;
}

// Collects the decoded bytes of a run of adjacent same-charset encoded words.
class PendingWords {
 public:
  explicit PendingWords(std::string* out) : out_(out) {}

  // True when `charset` names the same charset as the pending run.
  bool SameCharset(std::string_view charset) const {
    if (!active_) return false;
    CharsetNameBuffer buf;
    return ResolveCharset(charset, &buf).canonical == std::string_view(canonical_, canonical_len_);
  }

  void Start(std::string_view charset) {
    active_ = true;
    charset_ = charset;
    CharsetNameBuffer buf;
    std::string_view c = ResolveCharset(charset, &buf).canonical;
    canonical_len_ = c.size() < sizeof canonical_ ? c.size() : sizeof canonical_ - 1;
    std::memcpy(canonical_, c.data(), canonical_len_);
    bytes_.clear();
  }

  std::string* bytes() { return &bytes_; }

  // Converts the run to UTF-8; false when the charset was unknown or bytes were invalid.
  bool Flush() {
    if (!active_) return true;
    active_ = false;
    return AppendUtf8(charset_, bytes_, out_) == CharsetResult::kOk;
  }

 private:
  std::string* out_;
  bool active_ = false;
  std::string_view charset_;
  char canonical_[64];
  size_t canonical_len_ = 0;
  // Reused across calls on this thread so decoding allocates nothing in the steady state.
  static thread_local std::string bytes_;
};

thread_local std::string PendingWords::bytes_;

}  // namespace

void UnfoldHeaderInto(std::string_view raw_value, std::string* out) {
  out->clear();
  // Trim first: the blanks at either end are never kept, and a value is mostly one line.
  size_t b = 0, e = raw_value.size();
  while (b < e && (raw_value[b] == ' ' || raw_value[b] == '\t' || raw_value[b] == '\r' ||
                   raw_value[b] == '\n')) {
    ++b;
  }
  while (e > b && (raw_value[e - 1] == ' ' || raw_value[e - 1] == '\t' ||
                   raw_value[e - 1] == '\r' || raw_value[e - 1] == '\n')) {
    --e;
  }
  // Folding is CRLF (or a bare LF/CR) before whitespace; a line break that is not followed
  // by whitespace cannot occur in a well-formed value and is dropped the same way. Runs
  // between line breaks are copied whole.
  const char* p = raw_value.data() + b;
  const char* const end = raw_value.data() + e;
  while (p < end) {
    const char* brk = FindEither(p, end, '\r', '\n');
    out->append(p, static_cast<size_t>(brk - p));
    p = brk + (brk < end);
  }
}

std::string UnfoldHeader(std::string_view raw_value) {
  std::string out;
  UnfoldHeaderInto(raw_value, &out);
  return out;
}

bool DecodeHeaderText(std::string_view s, std::string_view fallback_charset, std::string* out,
                      bool* had_8bit) {
  bool ok = true;
  PendingWords pending(out);
  CloseFinder closer(s);
  size_t text_start = 0;  // start of text not yet emitted
  bool after_word = false;
  size_t pos = 0;
  while (pos + 1 < s.size()) {
    const char* eq = static_cast<const char*>(std::memchr(s.data() + pos, '=', s.size() - pos));
    if (eq == nullptr) break;
    pos = static_cast<size_t>(eq - s.data());
    if (pos + 1 >= s.size() || s[pos + 1] != '?') {
      ++pos;
      continue;
    }
    EncodedWord w;
    int r = ParseEncodedWord(s, pos, &closer, &w);
    if (r <= 0) {
      if (r < 0) ok = false;
      pos += 2;
      continue;
    }
    std::string_view between = s.substr(text_start, pos - text_start);
    bool only_space = true;
    for (char c : between) {
      if (!IsWsp(c)) {
        only_space = false;
        break;
      }
    }
    // Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
    if (!(after_word && only_space)) {
      if (!pending.Flush()) ok = false;
      AppendRaw(between, fallback_charset, out, had_8bit);
    }
    if (!pending.SameCharset(w.charset)) {
      if (!pending.Flush()) ok = false;
      pending.Start(w.charset);
    }
    bool clean = w.encoding == 'b' ? DecodeBase64(w.text, pending.bytes())
                                   : DecodeQuotedPrintable(w.text, pending.bytes(), true);
    if (!clean) ok = false;
    after_word = true;
    pos = text_start = w.end;
  }
  if (!pending.Flush()) ok = false;
  AppendRaw(s.substr(text_start), fallback_charset, out, had_8bit);
  return ok;
}

}  // namespace sluice::mime
