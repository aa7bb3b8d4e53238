// html_text_output.cc - the HTML renderer's output side: visible text with browser-like
// whitespace collapsing, text-run accounting (coloured / invisible), and links with their
// captured text. The markup side is html_text.cc.
//
// Writes only by appending to HtmlRender; each byte of input text is looked at once (twice
// for the first run after a tag, to decide whether it holds a word).
#include <algorithm>
#include <array>
#include <cstring>

#include "filter/mime/html_entities.h"
#include "filter/mime/html_renderer.h"
#include "filter/util/byte_classes.h"

namespace sluice::mime::internal {
namespace {

// True when text holds something a reader would call a character of a word: an ASCII
// letter or digit, or any non-ASCII character except the invisible ones WriteText drops.
// Layout filler (nbsp, dots, rules of dashes) in the background colour is common in
// legitimate mail and is not counted as hidden or coloured text.
bool HasWordChar(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    if (c < 0x80) {
      if ((c >= '0' && c <= '9') || internal::IsAsciiAlpha(static_cast<char>(c))) return true;
      continue;
    }
    if (c == 0xC2 && i + 1 < text.size() &&
        (static_cast<unsigned char>(text[i + 1]) == 0xA0 ||
         static_cast<unsigned char>(text[i + 1]) == 0xAD)) {
      ++i;
      continue;
    }
    if (i + 2 < text.size() && ((c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                                 static_cast<unsigned char>(text[i + 2]) >= 0x8B &&
                                 static_cast<unsigned char>(text[i + 2]) <= 0x8D) ||
                                (c == 0xEF && static_cast<unsigned char>(text[i + 1]) == 0xBB &&
                                 static_cast<unsigned char>(text[i + 2]) == 0xBF))) {
      i += 2;
      continue;
    }
    if (c >= 0xC2) return true;
  }
  return false;
}

}  // namespace

// Text: one chunk of character data (already entity-decoded) in the current style.
void Renderer::Text(std::string_view text) {
  if (text.empty()) return;
  if (!Visible()) {
    if (!run_counted_ && HasWordChar(text)) {
      ++out_->invisible_text;
      run_counted_ = true;
    }
    return;
  }
  const size_t before = out_->text.size();
  if (stack_.back().pre) {
    WritePreText(text);
  } else {
    WriteText(text);
  }
  if (!run_counted_ && out_->text.size() != before) CountVisibleRun(text);
}

void Renderer::CountVisibleRun(std::string_view text) {
  if (!HasWordChar(text)) return;
  run_counted_ = true;
  const Frame& f = stack_.back();
  const int32_t c = f.color;
  // Near-black greys (#333, #404040) are how many senders write "black": not coloured.
  // Nor are links in the reader's link colour.
  if (c >= 0 && !f.link_color &&
      (((c >> 16) & 0xff) > 0x40 || ((c >> 8) & 0xff) > 0x40 || (c & 0xff) > 0x40)) {
    ++out_->colored_text;
  }
}

// Byte classes for WriteCollapsed: 0 ordinary, 1 HTML whitespace, 2 the lead byte of a
// character it rewrites (U+00A0, U+00AD, U+200B-D, U+2060, U+FEFF), 3 markup ('<', '&')
// when reading the source rather than decoded text.
constexpr std::array<uint8_t, 256> MakeByteClass(bool markup) {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f'}) t[c] = 1;
  t[0xC2] = t[0xE2] = t[0xEF] = 2;
  if (markup) t['<'] = t['&'] = 3;
  return t;
}
constexpr std::array<uint8_t, 256> kTextClass = MakeByteClass(false);
constexpr std::array<uint8_t, 256> kSourceClass = MakeByteClass(true);

// Length of the character at p if WriteCollapsed rewrites it (0 otherwise); *space is set
// for U+00A0, which reads as a space, and cleared for the invisible ones, which vanish.
inline size_t SpecialLength(const unsigned char* p, const unsigned char* end, bool* space) {
  const size_t left = end - p;
  if (p[0] == 0xC2 && left >= 2 && (p[1] == 0xA0 || p[1] == 0xAD)) {
    *space = p[1] == 0xA0;
    return 2;
  }
  if (left >= 3 && ((p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x8B && p[2] <= 0x8D) ||
                    (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0xA0) ||
                    (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF))) {
    *space = false;
    return 3;
  }
  return 0;
}

// The fast path of WriteCollapsed: when the 16 bytes at p are ASCII with no markup and no
// whitespace run (no two separators in a row, none first after a trailing separator),
// collapsing them only turns each separator into a space. Writes them to o and returns true
// (prev_space: whether the last one was a separator); false leaves everything untouched.
template <bool kStopAtMarkup>
inline bool CopyPlainRun16(const unsigned char* p, const unsigned char* end, char* o,
                           uint8_t* prev_space) {
#if defined(__SSE2__)
  if (end - p < 16) return false;
  using simd::Equal;
  const __m128i v = simd::Load(p);
  const __m128i ws =
      _mm_or_si128(_mm_or_si128(Equal(v, ' '), Equal(v, '\n')),
                   _mm_or_si128(_mm_or_si128(Equal(v, '\t'), Equal(v, '\r')), Equal(v, '\f')));
  unsigned bad = simd::Mask(v);  // non-ASCII: rewritten maybe
  if (kStopAtMarkup) bad |= simd::Mask(_mm_or_si128(Equal(v, '<'), Equal(v, '&')));
  const unsigned wsm = simd::Mask(ws);
  if (bad != 0 || (wsm & ((wsm << 1) | *prev_space)) != 0) return false;
  const __m128i spaced =
      _mm_or_si128(_mm_and_si128(ws, _mm_set1_epi8(' ')), _mm_andnot_si128(ws, v));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o), spaced);
  *prev_space = static_cast<uint8_t>((wsm >> 15) & 1);
  return true;
#else
  (void)p, (void)end, (void)o, (void)prev_space;
  return false;
#endif
}

// Collapses whitespace like a browser; drops the zero-width characters spammers put inside
// words (U+00AD, U+200B-U+200D, U+2060, U+FEFF) and turns U+00A0 into a plain space.
// Returns where it stopped: at end, or (kStopAtMarkup) at a '<' or '&'.
//
// Separators before the first visible byte stay pending (a block break may replace them);
// after it, bytes are copied in blocks with a branch-free collapse (a space is written, and
// kept only if the previous byte was not one), and a trailing space goes back to pending.
template <bool kStopAtMarkup>
const unsigned char* Renderer::WriteCollapsed(const unsigned char* p, const unsigned char* end) {
  constexpr size_t kBlock = 256;
  const std::array<uint8_t, 256>& cls_of = kStopAtMarkup ? kSourceClass : kTextClass;
  std::string& out = out_->text;
  while (p < end) {
    const uint8_t cls = cls_of[*p];
    if (cls == 1) {
      pending_space_ = true;
      ++p;
      continue;
    }
    if (kStopAtMarkup && cls == 3) break;
    bool space = false;
    if (cls == 2) {
      if (size_t k = SpecialLength(p, end, &space)) {
        pending_space_ |= space;
        p += k;
        continue;
      }
    }
    if (pending_space_ || pending_breaks_ || !wrote_any_) Flush();
    size_t j = out.size();
    uint8_t prev_space = 0;
    bool stopped = false;
    while (!stopped && p < end) {
      const unsigned char* block_end = static_cast<size_t>(end - p) > kBlock ? p + kBlock : end;
      out.resize(j + (block_end - p) + 3);  // never more bytes out than in (+3 of slack)
      char* o = out.data();
      const unsigned char* scalar_end = p;  // bytes before here go one at a time
      while (p < block_end) {
        if (p >= scalar_end) {
          if (CopyPlainRun16<kStopAtMarkup>(p, block_end, o + j, &prev_space)) {
            p += 16;
            j += 16;
            continue;
          }
          scalar_end = std::min(p + 16, block_end);
        }
        const uint8_t c = cls_of[*p];
        if (c > 1) {
          if (kStopAtMarkup && c == 3) {
            stopped = true;
            break;
          }
          if (size_t k = SpecialLength(p, end, &space)) {
            if (space) {
              o[j] = ' ';
              j += !prev_space;
              prev_space = 1;
            }
            p += k;
          } else {
            o[j++] = static_cast<char>(*p++);
            prev_space = 0;
          }
          continue;
        }
        o[j] = c ? ' ' : static_cast<char>(*p);
        j += !(c & prev_space);
        prev_space = c;
        ++p;
      }
    }
    if (prev_space) {
      --j;
      pending_space_ = true;
    }
    out.resize(j);
  }
  return p;
}

void Renderer::WriteText(std::string_view text) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  WriteCollapsed<false>(p, p + text.size());
}

// WriteSourceText: visible character data straight from the source, up to the next '<' or
// '&'; returns that position. Same effect as Text() on the chunk, without a second pass.
size_t Renderer::WriteSourceText(size_t pos) {
  const unsigned char* base = reinterpret_cast<const unsigned char*>(html_.data());
  const size_t before = out_->text.size();
  const unsigned char* stop = WriteCollapsed<true>(base + pos, base + html_.size());
  const size_t end = stop - base;
  if (!run_counted_ && out_->text.size() != before) {
    CountVisibleRun(html_.substr(pos, end - pos));
  }
  return end;
}

void Renderer::WritePreText(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      c = '\n';
    }
    if (c == '\n') {
      if (wrote_any_) out_->text.push_back('\n');
      pending_space_ = false;
      pending_breaks_ = 0;
      continue;
    }
    if (pending_space_ || pending_breaks_ || !wrote_any_) Flush();
    out_->text.push_back(c);
  }
}

std::string_view Renderer::Decode(std::string_view value) {
  if (value.find('&') == std::string_view::npos) return value;
  decoded_.clear();
  DecodeHtmlEntities(value, &decoded_);
  return decoded_;
}

bool Renderer::AddLink(const Attribute* attr, UrlSource source) {
  if (attr == nullptr) return false;
  std::string_view value = Decode(attr->value);
  // Browsers strip leading/trailing whitespace and drop tabs and newlines anywhere.
  while (!value.empty() && static_cast<unsigned char>(value.front()) <= ' ') value.remove_prefix(1);
  while (!value.empty() && static_cast<unsigned char>(value.back()) <= ' ') value.remove_suffix(1);
  if (value.size() > kMaxDataUrl && internal::EqualsLower(value.substr(0, 5), "data:")) {
    // Inline images can be megabytes of base64; the media type is what matters.
    size_t comma = value.find(',');
    value = value.substr(
        0, std::min(comma == std::string_view::npos ? kMaxDataUrl : comma + 1, kMaxDataUrl));
  }
  if (value.empty()) return false;
  HtmlLink& link = out_->links.emplace_back();
  link.source = source;
  link.url.assign(value.data(), value.size());
  bool has_breaks = false;
  for (char c : value) has_breaks |= (c == '\t') | (c == '\n') | (c == '\r');
  if (has_breaks) {
    std::erase_if(link.url, [](char c) { return c == '\t' || c == '\n' || c == '\r'; });
    if (link.url.empty()) {
      out_->links.pop_back();
      return false;
    }
  }
  return true;
}

void Renderer::FinishLink() {
  if (link_index_ == SIZE_MAX) return;
  std::string_view text(out_->text);
  text = text.substr(std::min(link_text_begin_, text.size()));
  // Collapse the captured text (it may contain block breaks) to one line. Past the cap we
  // stop before the next character starts, so a UTF-8 sequence is never split.
  std::string& dest = out_->links[link_index_].text;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == ' ') {
      space = !dest.empty();
      continue;
    }
    // A valid character has at most 3 continuation bytes; stray ones (invalid UTF-8) must
    // not run past the cap, hence the hard stop 3 bytes after it.
    if (dest.size() >= kMaxLinkText &&
        ((static_cast<unsigned char>(c) & 0xC0) != 0x80 || dest.size() >= kMaxLinkText + 3)) {
      break;
    }
    if (space) dest.push_back(' ');
    space = false;
    dest.push_back(c);
  }
  link_index_ = SIZE_MAX;
}

}  // namespace sluice::mime::internal
