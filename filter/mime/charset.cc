// charset.cc - declared charset -> UTF-8.
//
// Fast paths first: ASCII and valid UTF-8 are plain appends, latin-1/windows-1252 go through
// a table; everything else goes through glibc iconv with one cached handle per charset per
// thread. Decoding follows what mail readers (and the WHATWG encoding standard) do: labels
// map to their common superset (gb2312 -> GB18030, shift_jis -> CP932, euc-kr -> CP949,
// iso-8859-1 -> windows-1252). Invalid input becomes U+FFFD and decoding goes on.
#include "filter/mime/charset.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "filter/mime/charset_names.h"

namespace sluice::mime {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// windows-1252 (WHATWG flavour: the five undefined bytes map to the C1 controls) as UTF-8.
struct Utf8Seq {
  uint8_t len;
  char bytes[3];
};
constexpr uint16_t kWin1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

constexpr std::array<Utf8Seq, 256> MakeWin1252Table() {
  std::array<Utf8Seq, 256> t{};
  for (int b = 0; b < 256; ++b) {
    uint32_t cp = (b >= 0x80 && b < 0xA0) ? kWin1252High[b - 0x80] : static_cast<uint32_t>(b);
    if (cp < 0x80) {
      t[b] = {1, {static_cast<char>(cp), 0, 0}};
    } else if (cp < 0x800) {
      t[b] = {2, {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F)), 0}};
    } else {
      t[b] = {3,
              {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
               static_cast<char>(0x80 | (cp & 0x3F))}};
    }
  }
  return t;
}
constexpr std::array<Utf8Seq, 256> kWin1252 = MakeWin1252Table();

// Length of the leading all-ASCII prefix, eight bytes at a time.
size_t AsciiPrefix(const uint8_t* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    if (v & 0x8080808080808080ULL) break;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

// Length of the well-formed UTF-8 sequence at p (n bytes available), or 0 when malformed.
// When 0, *bad is the length of the maximal valid prefix to replace by one U+FFFD (>= 1),
// as Unicode (and Python, and browsers) recommend.
size_t Utf8SeqLen(const uint8_t* p, size_t n, size_t* bad) {
  uint8_t c = p[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (k >= n) {
      *bad = k;
      return 0;
    }
    uint8_t b = p[k];
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
      *bad = k;
      return 0;
    }
  }
  return len;
}

// Appends bytes that claim to be UTF-8, replacing malformed sequences. True when clean.
bool AppendSanitizedUtf8(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  bool clean = true;
  size_t run_start = 0;
  while (i < n) {
    i += AsciiPrefix(p + i, n - i);
    if (i >= n) break;
    size_t bad = 0;
    size_t len = Utf8SeqLen(p + i, n - i, &bad);
    if (len != 0) {
      i += len;
      continue;
    }
    out->append(bytes.data() + run_start, i - run_start);
    out->append(kReplacement, 3);
    clean = false;
    i += bad;
    run_start = i;
  }
  out->append(bytes.data() + run_start, n - run_start);
  return clean;
}

void AppendWin1252(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  size_t start = out->size();
  out->resize(start + n * 3);
  char* w = out->data() + start;
  char* const w0 = w;
  size_t i = 0;
  while (i < n) {
    size_t a = AsciiPrefix(p + i, n - i);
    std::memcpy(w, p + i, a);
    w += a;
    i += a;
    if (i >= n) break;
    const Utf8Seq& s = kWin1252[p[i++]];
    std::memcpy(w, s.bytes, 3);  // always 3 bytes of room; only s.len count
    w += s.len;
  }
  out->resize(start + static_cast<size_t>(w - w0));
}

// Per-thread iconv handles, keyed by canonical charset name. Failed opens are cached too,
// so an unknown label costs one iconv_open per thread, not one per message.
struct CachedHandle {
  std::string name;
  iconv_t cd;
  bool ascii_compatible;  // ASCII bytes decode to themselves and never change state
};

// True when the decoder maps every ASCII byte to itself with no shift state, so pure-ASCII
// input can be appended without iconv. Stateful encodings (ISO-2022-*, UTF-7, HZ) and
// non-ASCII families (EBCDIC, UTF-16/32) are excluded by name and by a conversion probe.
bool ProbeAsciiCompatible(iconv_t cd, std::string_view name) {
  for (std::string_view s : {"2022", "utf-7", "utf7", "hz", "16", "32", "ucs", "unicode"}) {
    if (name.find(s) != std::string_view::npos) return false;
  }
  char in[128];
  for (int i = 0; i < 128; ++i) in[i] = static_cast<char>(i);
  char outbuf[512];
  char* inp = in;
  size_t inleft = sizeof in;
  char* outp = outbuf;
  size_t outleft = sizeof outbuf;
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  return r != static_cast<size_t>(-1) && inleft == 0 &&
         static_cast<size_t>(outp - outbuf) == sizeof in && std::memcmp(in, outbuf, sizeof in) == 0;
}

class HandleCache {
 public:
  ~HandleCache() {
    for (auto& h : handles_) {
      if (h.cd != kInvalid) iconv_close(h.cd);
    }
  }

  // Returns the entry for `name` (a canonical name) opened with `iconv_name`; its cd is
  // kInvalid when iconv does not know the charset. The pointer is valid until the next Get.
  const CachedHandle* Get(std::string_view name, const char* iconv_name) {
    for (auto& h : handles_) {
      if (h.name == name) return &h;
    }
    iconv_t cd = iconv_open("UTF-8", iconv_name);
    bool ascii = cd != kInvalid && ProbeAsciiCompatible(cd, name);
    if (handles_.size() >= kMaxHandles) {
      // Evict round-robin: a thread rarely sees more than a handful of charsets.
      CachedHandle& victim = handles_[next_victim_];
      next_victim_ = (next_victim_ + 1) % kMaxHandles;
      if (victim.cd != kInvalid) iconv_close(victim.cd);
      victim.name.assign(name);
      victim.cd = cd;
      victim.ascii_compatible = ascii;
      return &victim;
    }
    handles_.push_back(CachedHandle{std::string(name), cd, ascii});
    return &handles_.back();
  }

  static inline const iconv_t kInvalid = reinterpret_cast<iconv_t>(-1);

 private:
  static constexpr size_t kMaxHandles = 24;
  std::vector<CachedHandle> handles_;
  size_t next_victim_ = 0;
};

HandleCache& ThreadCache() {
  thread_local HandleCache cache;
  return cache;
}

// Runs iconv over `in`, appending UTF-8. On an invalid sequence, emits U+FFFD and skips one
// code unit (`unit` bytes); an incomplete sequence at the end becomes one U+FFFD. Returns
// true when clean.
bool ConvertWithIconv(iconv_t cd, std::string_view in, size_t unit, std::string* out) {
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // back to the initial shift state
  const size_t start = out->size();
  size_t cap = in.size() * 3 + 16;
  out->resize(start + cap);
  size_t used = 0;
  char* inp = const_cast<char*>(in.data());
  size_t inleft = in.size();
  bool clean = true;
  bool flushing = false;
  for (;;) {
    char* outp = out->data() + start + used;
    size_t outleft = cap - used;
    size_t r = flushing ? iconv(cd, nullptr, nullptr, &outp, &outleft)
                        : iconv(cd, &inp, &inleft, &outp, &outleft);
    int err = errno;
    used = static_cast<size_t>(outp - (out->data() + start));
    if (r != static_cast<size_t>(-1)) {
      if (flushing) break;
      flushing = true;  // emit any pending output of a stateful decoder
      continue;
    }
    if (err == E2BIG || cap - used < 4) {
      cap = cap * 2 + 16;
      out->resize(start + cap);
      if (err == E2BIG) continue;
    }
    if (err == EILSEQ || err == EINVAL) {
      std::memcpy(out->data() + start + used, kReplacement, 3);
      used += 3;
      clean = false;
      size_t skip = err == EINVAL ? inleft : (inleft < unit ? inleft : unit);
      inp += skip;
      inleft -= skip;
      continue;
    }
    if (err != E2BIG) break;  // unexpected: keep what we have
  }
  out->resize(start + used);
  // glibc passes some malformed input through unchecked (its UTF-8 "decoder" reached via
  // aliases accepts sequences above U+10FFFF), so the promise of valid UTF-8 is enforced
  // here; the check costs far less than the conversion itself.
  std::string_view produced(out->data() + start, used);
  if (!IsValidUtf8(produced)) {
    std::string repaired;
    AppendSanitizedUtf8(produced, &repaired);
    out->replace(start, used, repaired);
    clean = false;
  }
  return clean;
}

// Removes a U+FEFF the converter left at the start of the appended text.
void DropLeadingBom(size_t start, std::string* out) {
  if (out->size() >= start + 3 && out->compare(start, 3, "\xEF\xBB\xBF") == 0) {
    out->erase(start, 3);
  }
}

// Byte order of BOM-less UTF-16/32 by where the zero bytes sit (mostly Latin text has zero
// high bytes); big-endian when in doubt, as RFC 2781 says.
bool LooksLittleEndian(std::string_view b, size_t unit) {
  size_t lo_zero = 0, hi_zero = 0;
  size_t limit = b.size() < 4096 ? b.size() : 4096;
  for (size_t i = 0; i + unit <= limit; i += unit) {
    if (b[i] == 0) ++hi_zero;             // big-endian high byte first
    if (b[i + unit - 1] == 0) ++lo_zero;  // little-endian high byte last
  }
  return lo_zero > hi_zero;
}

CharsetResult Unknown(std::string_view bytes, std::string* out) {
  if (IsValidUtf8(bytes)) {
    out->append(bytes);
  } else {
    AppendWin1252(bytes, out);
  }
  return CharsetResult::kUnknown;
}

CharsetResult ViaIconv(std::string_view canonical, const char* iconv_name, std::string_view bytes,
                       size_t unit, std::string* out) {
  const CachedHandle* h = ThreadCache().Get(canonical, iconv_name);
  if (h->cd == HandleCache::kInvalid) return Unknown(bytes, out);
  if (h->ascii_compatible &&
      AsciiPrefix(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == bytes.size()) {
    out->append(bytes);  // the common case for declared-but-unneeded charsets
    return CharsetResult::kOk;
  }
  return ConvertWithIconv(h->cd, bytes, unit, out) ? CharsetResult::kOk
                                                   : CharsetResult::kInvalidBytes;
}

// UTF-16/32 without an explicit byte order: BOM first, else a guess.
CharsetResult AppendUnicode(std::string_view bytes, size_t unit, std::string* out) {
  bool le;
  if (unit == 2 && bytes.size() >= 2 && bytes.substr(0, 2) == "\xFF\xFE") {
    le = true;
    bytes.remove_prefix(2);
  } else if (unit == 2 && bytes.size() >= 2 && bytes.substr(0, 2) == "\xFE\xFF") {
    le = false;
    bytes.remove_prefix(2);
  } else if (unit == 4 && bytes.size() >= 4 &&
             bytes.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4)) {
    le = true;
    bytes.remove_prefix(4);
  } else if (unit == 4 && bytes.size() >= 4 &&
             bytes.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    le = false;
    bytes.remove_prefix(4);
  } else {
    le = LooksLittleEndian(bytes, unit);
  }
  const char* name = unit == 2 ? (le ? "UTF-16LE" : "UTF-16BE") : (le ? "UTF-32LE" : "UTF-32BE");
  std::string_view key =
      unit == 2 ? (le ? "utf-16le" : "utf-16be") : (le ? "utf-32le" : "utf-32be");
  return ViaIconv(key, name, bytes, unit, out);
}

}  // namespace

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    i += AsciiPrefix(p + i, n - i);
    if (i >= n) break;
    size_t bad;
    size_t len = Utf8SeqLen(p + i, n - i, &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string CanonicalCharset(std::string_view charset) {
  CharsetNameBuffer buf;
  return std::string(ResolveCharset(charset, &buf).canonical);
}

CharsetResult AppendUtf8(std::string_view charset, std::string_view bytes, std::string* out) {
  CharsetNameBuffer buf;
  const ResolvedCharset rc = ResolveCharset(charset, &buf);
  switch (rc.kind) {
    case CharsetKind::kAsciiOrUtf8:
      // Undeclared or us-ascii: 8-bit bytes are a mislabel, read as UTF-8 when valid.
      if (IsValidUtf8(bytes)) {
        out->append(bytes);
      } else {
        AppendWin1252(bytes, out);
      }
      return CharsetResult::kOk;
    case CharsetKind::kUtf8:
      return AppendSanitizedUtf8(bytes, out) ? CharsetResult::kOk : CharsetResult::kInvalidBytes;
    case CharsetKind::kWin1252:
      AppendWin1252(bytes, out);
      return CharsetResult::kOk;
    case CharsetKind::kUtf16:
      return AppendUnicode(bytes, 2, out);
    case CharsetKind::kUtf32:
      return AppendUnicode(bytes, 4, out);
    case CharsetKind::kUnicodeFixed: {
      size_t start = out->size();
      CharsetResult r = ViaIconv(rc.canonical, rc.iconv_name, bytes, rc.unit, out);
      if (r != CharsetResult::kUnknown) DropLeadingBom(start, out);
      return r;
    }
    case CharsetKind::kIconv:
      return ViaIconv(rc.canonical, rc.iconv_name, bytes, 1, out);
    case CharsetKind::kUnknown:
      break;
  }
  return Unknown(bytes, out);
}

}  // namespace sluice::mime
