// transfer_decode.cc - base64, quoted-printable and uuencode decoders (RFC 2045, POSIX uuencode).
//
// Table driven and allocation free beyond growing *out (reserved once per call). Every
// decoder is total: any byte sequence decodes to something, defects only flip the return
// value so the caller can record them. Tolerance mirrors mainstream mail readers.
#include "filter/mime/transfer_decode.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "filter/util/byte_classes.h"

namespace sluice::mime {
namespace {

// Base64 alphabet lookup: 0..63 for alphabet bytes, kPad for '=', kSpace for whitespace
// (skipped silently), kJunk for anything else (skipped, but a defect).
constexpr uint8_t kPad = 64;
constexpr uint8_t kSpace = 65;
constexpr uint8_t kJunk = 66;

constexpr std::array<uint8_t, 256> MakeBase64Table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kJunk;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  t['='] = kPad;
  for (char c : {' ', '\t', '\r', '\n', '\f', '\v'}) t[static_cast<uint8_t>(c)] = kSpace;
  return t;
}
constexpr std::array<uint8_t, 256> kBase64 = MakeBase64Table();

// Hex digit values, 0xFF for non-hex bytes.
constexpr std::array<uint8_t, 256> MakeHexTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t['a' + i] = static_cast<uint8_t>(10 + i);
    t['A' + i] = static_cast<uint8_t>(10 + i);
  }
  return t;
}
constexpr std::array<uint8_t, 256> kHex = MakeHexTable();

inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Appends n bytes at the end of *out without zero-filling twice: grows once, returns the
// write pointer. Callers shrink with resize() when done.
inline char* GrowBy(std::string* out, size_t n) {
  size_t old = out->size();
  out->resize(old + n);
  return out->data() + old;
}

}  // namespace

// DecodeBase64 - groups of four alphabet bytes make three output bytes. A '=' ends the
// current quantum (emitting its partial bytes); decoding resumes after the '=' run so
// that concatenated base64 blocks decode fully.
bool DecodeBase64(std::string_view in, std::string* out) {
  bool clean = true;
  const size_t start = out->size();
  char* w = GrowBy(out, in.size() / 4 * 3 + 3);
  char* const w0 = w;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto* end = p + in.size();
  uint32_t acc = 0;
  int n = 0;             // sextets in acc
  int pads_allowed = 0;  // further '=' that may follow legally ("xx==" has two)
  while (p < end) {
    // Fast path: four alphabet bytes in a row at a quantum boundary.
    if (n == 0 && pads_allowed == 0 && end - p >= 4) {
      uint8_t a = kBase64[p[0]], b = kBase64[p[1]], c = kBase64[p[2]], d = kBase64[p[3]];
      if ((a | b | c | d) < 64) {
        uint32_t v = (uint32_t{a} << 18) | (uint32_t{b} << 12) | (uint32_t{c} << 6) | d;
        w[0] = static_cast<char>(v >> 16);
        w[1] = static_cast<char>(v >> 8);
        w[2] = static_cast<char>(v);
        w += 3;
        p += 4;
        continue;
      }
    }
    uint8_t v = kBase64[*p++];
    if (v < 64) {
      if (pads_allowed > 0) {
        clean = false;  // "xx=" then data: one '=' short
        pads_allowed = 0;
      }
      acc = (acc << 6) | v;
      if (++n == 4) {
        w[0] = static_cast<char>(acc >> 16);
        w[1] = static_cast<char>(acc >> 8);
        w[2] = static_cast<char>(acc);
        w += 3;
        acc = 0;
        n = 0;
      }
    } else if (v == kPad) {
      // "xx==" or "xxx=" ends a quantum; '=' anywhere else is misplaced padding.
      if (n == 2) {
        *w++ = static_cast<char>(acc >> 4);
        pads_allowed = 1;
      } else if (n == 3) {
        *w++ = static_cast<char>(acc >> 10);
        *w++ = static_cast<char>(acc >> 2);
      } else if (n == 1) {
        clean = false;  // a lone sextet carries no whole byte
      } else if (pads_allowed > 0) {
        --pads_allowed;
      } else {
        clean = false;  // '=' with no quantum before it
      }
      acc = 0;
      n = 0;
    } else if (v == kJunk) {
      clean = false;
    }
  }
  if (pads_allowed > 0) clean = false;  // "xx=" at the end: one '=' short
  if (n == 1) {
    clean = false;
  } else if (n == 2) {
    *w++ = static_cast<char>(acc >> 4);
    clean = false;  // missing padding
  } else if (n == 3) {
    *w++ = static_cast<char>(acc >> 10);
    *w++ = static_cast<char>(acc >> 2);
    clean = false;
  }
  out->resize(start + static_cast<size_t>(w - w0));
  return clean;
}

// DecodeQuotedPrintable - copies runs of plain bytes, decodes =XX, removes soft line
// breaks and (RFC 2045 rule 3) literal whitespace at the end of each line, which transport
// agents may have added. Encoded whitespace ("=20" before a line break) is kept.
bool DecodeQuotedPrintable(std::string_view in, std::string* out, bool underscore_is_space) {
  bool clean = true;
  const size_t start = out->size();
  char* w = GrowBy(out, in.size());
  char* const w0 = w;
  char* keep = w;  // trailing whitespace at or after this point is literal and removable
  const char* p = in.data();
  const char* end = p + in.size();
  while (p < end) {
    // Copy the run up to the next byte that needs attention.
    const char* q =
        underscore_is_space ? FindAnyOf3(p, end, '=', '\n', '_') : FindEither(p, end, '=', '\n');
    size_t run = static_cast<size_t>(q - p);
    std::memcpy(w, p, run);
    w += run;
    p = q;
    if (p == end) break;
    char c = *p;
    if (c == '_') {
      *w++ = ' ';
      keep = w;
      ++p;
    } else if (c == '\n') {
      // Hard line break: drop literal trailing blanks (and keep a preceding CR).
      bool cr = w > keep && w[-1] == '\r';
      if (cr) --w;
      while (w > keep && IsBlank(w[-1])) --w;
      if (cr) *w++ = '\r';
      *w++ = '\n';
      keep = w;
      ++p;
    } else {  // '='
      if (end - p >= 3 && kHex[static_cast<uint8_t>(p[1])] != 0xFF &&
          kHex[static_cast<uint8_t>(p[2])] != 0xFF) {
        *w++ = static_cast<char>((kHex[static_cast<uint8_t>(p[1])] << 4) |
                                 kHex[static_cast<uint8_t>(p[2])]);
        keep = w;
        p += 3;
        continue;
      }
      // Soft line break: '=' then optional blanks then CRLF, LF, CR or end of input.
      const char* s = p + 1;
      while (s < end && IsBlank(*s)) ++s;
      if (s == end) {
        p = end;
      } else if (*s == '\n') {
        p = s + 1;
      } else if (*s == '\r') {
        p = (s + 1 < end && s[1] == '\n') ? s + 2 : s + 1;
      } else {
        // Malformed escape: keep the '=' literally, continue with the next byte.
        clean = false;
        *w++ = '=';
        keep = w;
        ++p;
        continue;
      }
      keep = w;
    }
  }
  out->resize(start + static_cast<size_t>(w - w0));
  return clean;
}

namespace {

// One line of [p, end): returns its end (excluding the line break); *next is the start of
// the following line.
const char* LineEnd(const char* p, const char* end, const char** next) {
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  if (nl == nullptr) {
    *next = end;
    return end;
  }
  *next = nl + 1;
  return (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
}

// "begin <octal mode> <name>": the mode is 3 or 4 octal digits (some encoders write more;
// accept 1-6 to be tolerant), then at least one blank, then a non-empty name.
bool ParseBeginLine(std::string_view line, std::string* filename) {
  if (line.size() < 8 || line.substr(0, 6) != "begin ") return false;
  size_t i = 6;
  size_t digits = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '7') {
    ++i;
    ++digits;
  }
  if (digits == 0 || digits > 6 || i >= line.size() || !IsBlank(line[i])) return false;
  while (i < line.size() && IsBlank(line[i])) ++i;
  size_t e = line.size();
  while (e > i && IsBlank(line[e - 1])) --e;
  if (e == i) return false;
  if (filename != nullptr) filename->assign(line.substr(i, e - i));
  return true;
}

bool IsEndLine(std::string_view line) {
  while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
  return line == "end";
}

}  // namespace

bool FindUuBlock(std::string_view text, size_t from, UuBlock* block) {
  if (from > text.size()) return false;
  const char* base = text.data();
  const char* end = base + text.size();
  // Start at a line boundary: the first line starting at or after `from`.
  const char* p = base + from;
  if (p > base && p[-1] != '\n') {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) return false;
    p = nl + 1;
  }
  while (p < end) {
    // Jump to the next line that starts with 'b' (16 bytes at a time) rather than walking
    // every line: uuencoded blocks are rare, text is not.
    if (*p != 'b') {
      const char* nl = FindPair(p, end, '\n', 'b');
      if (nl == end) return false;
      p = nl + 1;
    }
    const char* next;
    const char* le = LineEnd(p, end, &next);
    std::string_view line(p, static_cast<size_t>(le - p));
    if (ParseBeginLine(line, &block->filename)) {
      block->begin = static_cast<size_t>(p - base);
      const char* q = next;
      while (q < end) {
        const char* qnext;
        const char* qe = LineEnd(q, end, &qnext);
        if (IsEndLine(std::string_view(q, static_cast<size_t>(qe - q)))) {
          block->end = static_cast<size_t>(qnext - base);
          return true;
        }
        q = qnext;
      }
      block->end = text.size();
      return true;
    }
    p = next;
  }
  return false;
}

// DecodeUuencode - each line is a length character ((c - 32) & 63 bytes) followed by
// groups of four characters carrying three bytes. Missing trailing characters (stripped
// trailing spaces, which encode zero) are tolerated; characters outside ' '..'`' are not.
bool DecodeUuencode(std::string_view block, std::string* out) {
  bool clean = true;
  const char* p = block.data();
  const char* end = p + block.size();
  bool first = true;
  while (p < end) {
    const char* next;
    const char* le = LineEnd(p, end, &next);
    std::string_view line(p, static_cast<size_t>(le - p));
    p = next;
    if (first) {
      first = false;
      if (line.substr(0, 6) == "begin ") continue;
    }
    if (IsEndLine(line)) break;
    if (line.empty()) continue;
    uint8_t lc = static_cast<uint8_t>(line[0]);
    if (lc < 32 || lc > 96) {
      clean = false;
      continue;
    }
    size_t count = (lc - 32) & 63;
    if (count == 0) continue;
    size_t chars = line.size() - 1;
    size_t needed = (count + 2) / 3 * 4;
    // More than a few characters short means the line is not what its length claims.
    if (chars + 4 < needed) clean = false;
    char* w = GrowBy(out, count);
    size_t produced = 0;
    for (size_t g = 0; produced < count; g += 4) {
      uint32_t v = 0;
      for (size_t k = 0; k < 4; ++k) {
        size_t idx = 1 + g + k;
        uint8_t c = idx < line.size() ? static_cast<uint8_t>(line[idx]) : ' ';
        if (c < 32 || c > 96) clean = false;
        v = (v << 6) | ((c - 32) & 63);
      }
      for (int k = 2; k >= 0 && produced < count; --k) {
        w[produced++] = static_cast<char>(v >> (8 * k));
      }
    }
  }
  return clean;
}

}  // namespace sluice::mime
