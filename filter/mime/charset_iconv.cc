// charset_iconv.cc - per-thread iconv decoders and the error-tolerant conversion loop.
//
// Opening a decoder costs an iconv_open plus two probes (is ASCII identity? is it a
// stateless single-byte charset?), once per charset per thread; failed opens are cached
// too, so an unknown label costs one iconv_open per thread, not one per message.
#include "filter/mime/charset_iconv.h"

#include <cerrno>
#include <vector>

#include "filter/mime/charset.h"

namespace sluice::mime {
namespace {

const iconv_t kInvalidCd = reinterpret_cast<iconv_t>(-1);

// Names of stateful or multi-unit families, which neither fast path may touch even when a
// probe happens to pass.
bool IsStatefulFamily(std::string_view name) {
  for (std::string_view s :
       {"2022", "utf-7", "utf7", "hz", "utf-16", "utf16", "utf-32", "utf32", "ucs", "unicode"}) {
    if (name.find(s) != std::string_view::npos) return true;
  }
  return false;
}

bool ProbeAsciiCompatible(iconv_t cd) {
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

// Converts each byte alone from the initial state. A charset qualifies when every byte is
// either invalid on its own or yields one BMP character at once, with nothing held back
// (glibc's CP1255/CP1258 buffer base letters to compose them, and multi-byte charsets
// report lead bytes as incomplete: neither qualifies).
std::unique_ptr<ByteTable> ProbeByteTable(iconv_t cd) {
  auto table = std::make_unique<ByteTable>();
  for (int b = 0; b < 256; ++b) {
    char in = static_cast<char>(b);
    char outbuf[16];
    char* inp = &in;
    size_t inleft = 1;
    char* outp = outbuf;
    size_t outleft = sizeof outbuf;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
    int err = errno;
    size_t produced = sizeof outbuf - outleft;
    if (r == static_cast<size_t>(-1)) {
      if (err != EILSEQ) return nullptr;  // incomplete: a multi-byte lead
      (*table)[b] = Utf8Seq{0, {0, 0, 0}};
      continue;
    }
    char* flushp = outp;
    iconv(cd, nullptr, nullptr, &flushp, &outleft);
    if (flushp != outp || produced == 0 || produced > 3 ||
        !IsValidUtf8(std::string_view(outbuf, produced))) {
      return nullptr;
    }
    Utf8Seq seq{static_cast<uint8_t>(produced), {0, 0, 0}};
    std::memcpy(seq.bytes, outbuf, produced);
    (*table)[b] = seq;
  }
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  return table;
}

class DecoderCache {
 public:
  ~DecoderCache() {
    for (auto& d : decoders_) {
      if (d.known()) iconv_close(d.cd);
    }
  }

  const IconvDecoder& Get(std::string_view name, const char* iconv_name) {
    for (auto& d : decoders_) {
      if (d.name == name) return d;
    }
    IconvDecoder fresh;
    fresh.name.assign(name);
    fresh.cd = iconv_open("UTF-8", iconv_name);
    if (fresh.known() && !IsStatefulFamily(name)) {
      fresh.ascii_compatible = ProbeAsciiCompatible(fresh.cd);
      fresh.table = ProbeByteTable(fresh.cd);
    }
    if (decoders_.size() < kMaxDecoders) {
      decoders_.push_back(std::move(fresh));
      return decoders_.back();
    }
    // Evict round-robin: a thread rarely sees more than a handful of charsets.
    IconvDecoder& victim = decoders_[next_victim_];
    next_victim_ = (next_victim_ + 1) % kMaxDecoders;
    if (victim.known()) iconv_close(victim.cd);
    victim = std::move(fresh);
    return victim;
  }

 private:
  static constexpr size_t kMaxDecoders = 24;
  std::vector<IconvDecoder> decoders_;
  size_t next_victim_ = 0;
};

}  // namespace

const IconvDecoder& ThreadIconvDecoder(std::string_view canonical, const char* iconv_name) {
  thread_local DecoderCache cache;
  return cache.Get(canonical, iconv_name);
}

bool ConvertWithIconv(iconv_t cd, std::string_view in, size_t unit, bool verify, std::string* out,
                      InvalidSequenceHandler on_invalid) {
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // back to the initial shift state
  const size_t start = out->size();
  // Three UTF-8 bytes per input byte covers every single- and double-byte charset; the
  // loop grows the buffer for anything else.
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
      flushing = true;  // emit what a stateful decoder still holds
      continue;
    }
    if (err == E2BIG || cap - used < 8) {
      cap = cap * 2 + 16;
      out->resize(start + cap);
      if (err == E2BIG) continue;
    }
    if (err == EILSEQ && on_invalid != nullptr) {
      size_t produced = 0;
      size_t consumed =
          on_invalid(std::string_view(inp, inleft), out->data() + start + used, &produced);
      if (consumed > 0) {
        if (produced == 3 && std::memcmp(out->data() + start + used, kReplacementUtf8, 3) == 0) {
          clean = false;  // handled, but as an unknown character
        }
        used += produced;
        inp += consumed;
        inleft -= consumed;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        continue;
      }
    }
    if ((err == EILSEQ || err == EINVAL) && !flushing) {
      std::memcpy(out->data() + start + used, kReplacementUtf8, 3);
      used += 3;
      clean = false;
      size_t skip = err == EINVAL ? inleft : (inleft < unit ? inleft : unit);
      inp += skip;
      inleft -= skip;
      continue;
    }
    break;  // unexpected error: keep what we have
  }
  out->resize(start + used);
  if (verify) {
    std::string_view produced(out->data() + start, used);
    if (!IsValidUtf8(produced)) {
      std::string repaired;
      AppendSanitizedUtf8(produced, &repaired);
      out->replace(start, used, repaired);
      clean = false;
    }
  }
  return clean;
}

}  // namespace sluice::mime
