// target_text.cc - maps a target to the parts of the decoded view it reads.
#include "filter/rules/target_text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <utility>
#include <vector>

namespace sluice::rules {

// Visits each distinct URL once with its number of copies. Messages carry few URLs (tens),
// so a linear search per URL is cheaper than hashing; a message with more than
// kMaxDeduplicated URLs has them visited one by one, which counts the same.
void ForEachDistinctUrl(const mime::Message& message,
                        const std::function<void(std::string_view, uint32_t)>& visit) {
  constexpr size_t kMaxDeduplicated = 512;
  if (message.urls.size() > kMaxDeduplicated) {
    for (const auto& url : message.urls) visit(url.url, 1);
    return;
  }
  thread_local std::vector<std::pair<std::string_view, uint32_t>> distinct;
  distinct.clear();
  for (const auto& url : message.urls) {
    std::string_view text = url.url;
    auto same = std::find_if(distinct.begin(), distinct.end(),
                             [&](const auto& seen) { return seen.first == text; });
    if (same != distinct.end()) {
      ++same->second;
    } else {
      distinct.push_back({text, 1});
    }
  }
  for (const auto& [text, copies] : distinct) visit(text, copies);
}

void ForEachTargetText(const mime::Message& message, TargetKind kind, std::string* scratch,
                       const std::function<void(std::string_view, uint32_t)>& visit) {
  switch (kind) {
    case TargetKind::kHeaders:
      scratch->clear();
      if (!message.parts.empty()) {
        for (const auto& header : message.headers()) {
          scratch->append(header.name);
          scratch->append(": ");
          scratch->append(header.value);
          scratch->push_back('\n');
        }
      }
      visit(*scratch, 1);
      return;
    case TargetKind::kBody:
      visit(message.visible_text, 1);
      return;
    case TargetKind::kRawBody:
      visit(message.raw_text, 1);
      return;
    case TargetKind::kFull:
      visit(message.raw, 1);
      return;
    case TargetKind::kUri:
      ForEachDistinctUrl(message, visit);
      return;
    case TargetKind::kAttachment:
      for (const auto& attachment : message.attachments) {
        if (!attachment.filename.empty()) visit(attachment.filename, 1);
        if (!attachment.declared_type.empty()) visit(attachment.declared_type, 1);
        if (!attachment.sniffed_type.empty() &&
            attachment.sniffed_type != attachment.declared_type) {
          visit(attachment.sniffed_type, 1);
        }
      }
      return;
    case TargetKind::kSubject:  // one walk over the headers serves these: HeaderValueIndex
    case TargetKind::kFrom:
    case TargetKind::kTo:
    case TargetKind::kHeader:
    case TargetKind::kMeta:
      return;
  }
}

namespace {

inline bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Length of the whitespace character at text[i] (ASCII space or C2 A0), 0 if none.
inline size_t SpaceAt(std::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (IsAsciiSpace(c)) return 1;
  if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
    return 2;
  }
  return 0;
}

}  // namespace

void CollapseSpace(std::string_view text, std::string* out) {
  out->resize(text.size());  // never longer than the input
  char* dest = out->data();
  size_t n = 0, i = 0;
  // Most of a text is words with lone ' ' between them, which stay as they are: 16 bytes
  // are looked at together and copied up to the first byte that needs a look (a control
  // byte \0-\r, which covers \t-\r; 0xC2, which may start U+00A0; a ' ' next to a ' ').
  // Without SSE2 (Vectorscan on arm64) every byte takes the loop's second half.
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i bias = _mm_set1_epi8(static_cast<char>(-128));
  const __m128i below_cr = _mm_set1_epi8(static_cast<char>('\r' + 1 - 128));
  const __m128i c2 = _mm_set1_epi8(static_cast<char>(0xC2));
#endif
  while (i < text.size()) {
#if defined(__SSE2__)
    if (i + 16 <= text.size()) {
      __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      __m128i control = _mm_cmplt_epi8(_mm_add_epi8(block, bias), below_cr);  // unsigned <
      unsigned odd = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_or_si128(control, _mm_cmpeq_epi8(block, c2))));
      unsigned spaces = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, space)));
      // A ' ' is a run of one unless the byte before it (in this block, or the output's
      // last byte) was a ' ' too; the slow path below sorts that out.
      unsigned previous = (spaces << 1) | (n > 0 && dest[n - 1] == ' ' ? 1u : 0u);
      unsigned bad = odd | (spaces & previous);
      size_t good = bad ? static_cast<size_t>(__builtin_ctz(bad)) : 16;
      if (good > 0) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dest + n), block);
        n += good;
        i += good;
        continue;
      }
    }
#endif
    size_t width = SpaceAt(text, i);
    if (width == 0) {
      dest[n++] = text[i++];
      continue;
    }
    // A run starts here, or goes on from a ' ' already written (the output's last byte
    // is a ' ' only when the input byte just before i was whitespace).
    if (n == 0 || dest[n - 1] != ' ') dest[n++] = ' ';
    i += width;
    while (i < text.size() && (width = SpaceAt(text, i)) != 0) i += width;
  }
  out->resize(n);
}

}  // namespace sluice::rules
