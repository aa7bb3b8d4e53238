// html_text.cc - RenderHtml(): HTML to visible text plus link/image/colour facts.
//
// One forward pass over the bytes, shaped after the WHATWG tokenizer (so broken markup
// splits where a browser splits it) but with no DOM: a bounded stack of open elements
// carries the inherited style (colour, background, hidden) and the link being captured.
// Every loop advances the position or ends, the stack never exceeds kMaxDepth and
// end-tag matching looks at most kEndTagWindow frames down, so the cost is linear in the
// input with a small constant and deep nesting cannot exhaust memory or the C++ stack.
//
// What counts as hidden (not written to the text, counted in invisible_text): display:none,
// visibility:hidden, the hidden attribute, <template>, font-size <= 1px/1pt/0.1em, opacity
// ~0, zero-size boxes with overflow:hidden, text pushed >= 999px off-screen, transparent
// text, and text whose colour is (nearly) the background colour (default: black on white).
// <font size=1> is small but readable and is not hidden. Coloured (colored_text): visible
// text whose colour was set explicitly to something other than black or a near-black grey.
#include <algorithm>
#include <array>
#include <cstring>

#include "filter/mime/html_entities.h"
#include "filter/mime/html_markup.h"
#include "filter/mime/html_style.h"
#include "filter/mime/html_text.h"

namespace sluice::mime {
namespace {

using internal::Attr;
using internal::Attribute;
using internal::kNoColor;
using internal::kTransparent;
using internal::kUnknownColor;
using internal::Tag;
using internal::TagId;
using internal::TagInfo;

constexpr size_t kMaxDepth = 512;      // Blink caps its DOM depth at 512 too
constexpr size_t kEndTagWindow = 128;  // frames an end tag may close at once
constexpr size_t kMaxLinkText = 1024;  // bytes of link text kept per link
constexpr size_t kMaxDataUrl = 64;     // data: URLs are kept only up to here
constexpr int32_t kDefaultBackground = 0xffffff;

struct Frame {
  uint32_t name_hash = 0;
  int32_t color = kNoColor;                 // kNoColor: the default (black)
  int32_t background = kDefaultBackground;  // kUnknownColor: an image we cannot judge
  // Inside <table>/<tr> but outside a cell: the background the next cell will have. Text
  // here is "foster-parented" out of the table by browsers and sits on `background`.
  int32_t table_background = kNoColor;
  bool hidden = false;  // display:none and the like (not undoable)
  bool visibility_hidden = false;
  bool tiny_font = false;
  bool pre = false;
  bool link = false;        // this frame is the <a> whose text is being captured
  bool link_color = false;  // color is the reader's link colour, not one the sender chose
  bool visible = true;      // text here is shown: computed once when the frame is pushed
  TagId id = TagId::kOther;
};

class Renderer {
 public:
  Renderer(std::string_view html, HtmlRender* out) : html_(html), out_(out) {
    stack_.reserve(64);
    stack_.push_back(Frame{});
  }

  void Run();

 private:
  // Text output ------------------------------------------------------------------------
  void Text(std::string_view text);
  size_t WriteSourceText(size_t pos);
  template <bool kStopAtMarkup>
  const unsigned char* WriteCollapsed(const unsigned char* p, const unsigned char* end);
  void WriteText(std::string_view text);
  void CountVisibleRun(std::string_view text);
  void WritePreText(std::string_view text);
  // Writes the pending separator before the next visible byte (none at the very start).
  void Flush() {
    if (wrote_any_) {
      if (pending_breaks_ > 0) {
        out_->text.append(static_cast<size_t>(pending_breaks_), '\n');
      } else if (pending_space_) {
        out_->text += ' ';
      }
    }
    pending_breaks_ = 0;
    pending_space_ = false;
    wrote_any_ = true;
  }
  void Break(int lines) {
    if (Visible()) pending_breaks_ = std::max(pending_breaks_, lines);
  }
  void Space() { pending_space_ = true; }
  bool Visible() const { return stack_.back().visible; }

  // Markup --------------------------------------------------------------------------------
  size_t Markup(size_t pos);
  size_t Comment(size_t pos);
  size_t SkipTo(size_t pos, char c) const;
  size_t RawText(size_t pos, std::string_view name, bool visible);
  void StartTag(const Tag& tag, const TagInfo& info);
  void EndTag(const TagInfo& info);
  void PushFrame(const Tag& tag, const TagInfo& info);
  void PopTo(size_t index);
  void CloseInScope(std::initializer_list<TagId> targets, std::initializer_list<TagId> stops);
  void LineBreak();
  bool AddLink(const Attribute* attr, UrlSource source);
  void FinishLink();
  std::string_view Decode(std::string_view value);

  std::string_view html_;
  HtmlRender* out_;
  std::vector<Frame> stack_;
  size_t overflow_ = 0;  // elements opened past kMaxDepth, not on the stack

  // Whitespace collapsing: separators are written lazily, before the next visible byte, so
  // no output ever starts or ends with one.
  bool wrote_any_ = false;
  bool pending_space_ = false;
  int pending_breaks_ = 0;

  // Text-run accounting: a run is the text between two tags.
  bool run_counted_ = false;

  // A <style> sheet that sets backgrounds: elements with a class or id may then sit on a
  // background we cannot see, so white text inside them is not judged invisible.
  bool sheet_sets_background_ = false;

  // <body link=...>, else the colour every browser gives unvisited links.
  int32_t link_color_ = 0x0000EE;

  // The <a href> whose text is being captured: an index into out_->links.
  size_t link_index_ = SIZE_MAX;
  size_t link_text_begin_ = 0;

  Tag tag_;                // scratch for the tag being parsed
  uint32_t tag_hash_ = 0;  // HashTagName(tag_.name)
  std::string decoded_;    // scratch for entity-decoded text and attribute values
};

// Whether text in frame f's style can be seen (see the file comment for the rules).
bool ComputeVisible(const Frame& f) {
  if (f.hidden || f.visibility_hidden || f.tiny_font || f.color == kTransparent) return false;
  int32_t fg = f.color == kNoColor ? 0x000000 : f.color;
  return !internal::SameColor(fg, f.background);
}

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

// Collapses whitespace like a browser; drops the zero-width characters spammers put inside
// words (U+00AD, U+200B-U+200D, U+2060, U+FEFF) and turns U+00A0 into a plain space.
// Returns where it stopped: at end, or (kStopAtMarkup) at a '<' or '&'.
template <bool kStopAtMarkup>
const unsigned char* Renderer::WriteCollapsed(const unsigned char* p, const unsigned char* end) {
  const std::array<uint8_t, 256>& cls_of = kStopAtMarkup ? kSourceClass : kTextClass;
  while (p < end) {
    const uint8_t cls = cls_of[*p];
    if (cls == 1) {
      pending_space_ = true;
      ++p;
      continue;
    }
    if (kStopAtMarkup && cls == 3) break;
    if (cls == 2) {
      const size_t left = end - p;
      if (p[0] == 0xC2 && left >= 2 && p[1] == 0xA0) {
        pending_space_ = true;
        p += 2;
        continue;
      }
      if (p[0] == 0xC2 && left >= 2 && p[1] == 0xAD) {
        p += 2;
        continue;
      }
      if (left >= 3 && ((p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x8B && p[2] <= 0x8D) ||
                        (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0xA0) ||
                        (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF))) {
        p += 3;
        continue;
      }
    }
    // A run of ordinary bytes is copied at once.
    const unsigned char* run = p++;
    while (p < end && cls_of[*p] == 0) ++p;
    if (pending_space_ || pending_breaks_ || !wrote_any_) Flush();
    out_->text.append(reinterpret_cast<const char*>(run), p - run);
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

size_t Renderer::SkipTo(size_t pos, char c) const {
  if (pos >= html_.size()) return html_.size();
  const void* hit = std::memchr(html_.data() + pos, c, html_.size() - pos);
  return hit ? static_cast<const char*>(hit) - html_.data() + 1 : html_.size();
}

// Comment: pos at "<!--"; ends at "-->" or "--!>" ("<!-->" and "<!--->" are empty), or at
// the end of input, which is what browsers do with an unclosed comment.
size_t Renderer::Comment(size_t pos) {
  size_t p = pos + 4;
  if (p < html_.size() && html_[p] == '>') return p + 1;
  if (p + 1 < html_.size() && html_[p] == '-' && html_[p + 1] == '>') return p + 2;
  while (true) {
    size_t dash = html_.find("--", p);
    if (dash == std::string_view::npos) return html_.size();
    if (dash + 2 < html_.size() && html_[dash + 2] == '>') return dash + 3;
    if (dash + 3 < html_.size() && html_[dash + 2] == '!' && html_[dash + 3] == '>') {
      return dash + 4;
    }
    p = dash + 1;
  }
}

// RawText: pos just after a start tag whose content is not markup; returns the position
// after the matching end tag (or the end of input). Visible raw text (textarea, xmp) is
// written out with entities decoded.
size_t Renderer::RawText(size_t pos, std::string_view name, bool visible) {
  size_t p = pos;
  size_t content_end = html_.size(), after = html_.size();
  while (p < html_.size()) {
    const void* lt = std::memchr(html_.data() + p, '<', html_.size() - p);
    if (lt == nullptr) break;
    size_t at = static_cast<const char*>(lt) - html_.data();
    size_t name_at = at + 2;
    if (name_at + name.size() <= html_.size() && html_[at + 1] == '/' &&
        internal::EqualsLower(html_.substr(name_at, name.size()), name) &&
        (name_at + name.size() == html_.size() ||
         internal::IsHtmlSpace(html_[name_at + name.size()]) ||
         html_[name_at + name.size()] == '/' || html_[name_at + name.size()] == '>')) {
      content_end = at;
      tag_.present = 0;
      after = internal::ParseAttributes(html_, name_at + name.size(), &tag_);
      if (after == std::string_view::npos) after = html_.size();
      break;
    }
    p = at + 1;
  }
  if (!visible && name == "style" && !sheet_sets_background_) {
    std::string_view sheet = html_.substr(pos, content_end - pos);
    for (size_t i = 0; i + 10 <= sheet.size() && !sheet_sets_background_; ++i) {
      sheet_sets_background_ = internal::EqualsLower(sheet.substr(i, 10), "background");
    }
  }
  if (visible) {
    std::string_view content = html_.substr(pos, content_end - pos);
    std::string decoded;
    DecodeHtmlEntities(content, &decoded);
    Text(decoded);
  }
  run_counted_ = false;
  return after;
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
    if (dest.size() >= kMaxLinkText && (static_cast<unsigned char>(c) & 0xC0) != 0x80) break;
    if (space) dest.push_back(' ');
    space = false;
    dest.push_back(c);
  }
  link_index_ = SIZE_MAX;
}

void Renderer::Run() {
  const size_t n = html_.size();
  size_t pos = 0;
  while (pos < n) {
    const Frame& f = stack_.back();
    if (f.visible && !f.pre) {
      pos = WriteSourceText(pos);  // the common case: one pass, straight to the output
    } else {
      const void* lt = std::memchr(html_.data() + pos, '<', n - pos);
      size_t end = lt ? static_cast<const char*>(lt) - html_.data() : n;
      const void* amp = std::memchr(html_.data() + pos, '&', end - pos);
      if (amp) end = static_cast<const char*>(amp) - html_.data();
      Text(html_.substr(pos, end - pos));
      pos = end;
    }
    if (pos >= n) break;
    if (html_[pos] == '&') {
      decoded_.clear();
      size_t used = internal::DecodeCharRef(html_.substr(pos), /*in_attribute=*/false, &decoded_);
      if (used == 0) {
        Text("&");
        used = 1;
      } else {
        Text(decoded_);
      }
      pos += used;
    } else {
      pos = Markup(pos);
    }
  }
  FinishLink();
}

// Markup: html_[pos] == '<'. Handles whatever starts there and returns the position after it.
size_t Renderer::Markup(size_t pos) {
  const size_t n = html_.size();
  if (pos + 1 >= n) {
    Text("<");
    return n;
  }
  const char c = html_[pos + 1];
  if (c == '!') {
    if (html_.compare(pos, 4, "<!--") == 0) return Comment(pos);
    if (html_.compare(pos, 9, "<![CDATA[") == 0) {
      size_t close = html_.find("]]>", pos + 9);
      return close == std::string_view::npos ? n : close + 3;
    }
    return SkipTo(pos + 2, '>');  // doctype, <![if !mso]> and other bogus comments
  }
  if (c == '?') return SkipTo(pos + 2, '>');
  const bool end_tag = c == '/';
  const size_t name_begin = pos + (end_tag ? 2 : 1);
  if (name_begin >= n || !internal::IsAsciiAlpha(html_[name_begin])) {
    if (!end_tag) {
      Text("<");  // "a < b" is text
      return pos + 1;
    }
    if (name_begin >= n) {
      Text("</");
      return n;
    }
    return html_[name_begin] == '>' ? name_begin + 1 : SkipTo(name_begin, '>');
  }
  // The name, hashed as it is scanned (HashTagName's FNV-1a, inlined).
  uint32_t hash = 2166136261u;
  size_t name_end = name_begin;
  do {
    hash = (hash ^ static_cast<unsigned char>(internal::AsciiLower(html_[name_end]))) * 16777619u;
    ++name_end;
  } while (name_end < n && !(internal::MarkupClassOf(html_[name_end]) &
                             (internal::kMcSpace | internal::kMcSlash | internal::kMcGt)));
  tag_.name = html_.substr(name_begin, name_end - name_begin);
  tag_hash_ = hash;
  tag_.present = 0;
  size_t after = internal::ParseAttributes(html_, name_end, &tag_);
  if (after == std::string_view::npos) return n;  // input ended inside the tag
  run_counted_ = false;
  const TagInfo& info = internal::LookupTag(tag_.name, tag_hash_);
  if (end_tag) {
    EndTag(info);
    return after;
  }
  StartTag(tag_, info);
  if (info.flags & internal::kRawDropped) return RawText(after, info.name, /*visible=*/false);
  if (info.flags & internal::kRawVisible) {
    size_t depth = stack_.size();
    PushFrame(tag_, info);
    after = RawText(after, info.name, /*visible=*/true);
    if (stack_.size() > depth) PopTo(depth);
    if (info.flags & internal::kBlock) Break(1);
    return after;
  }
  if (info.id == TagId::kPlaintext) {  // everything after it is text, tags included
    PushFrame(tag_, info);
    Text(html_.substr(after));
    return n;
  }
  return after;
}

void Renderer::LineBreak() {
  if (Visible()) pending_breaks_ = std::min(pending_breaks_ + 1, 2);
}

void Renderer::StartTag(const Tag& tag, const TagInfo& info) {
  using internal::kBgcolor;
  // Implicit end tags, as the HTML tree builder inserts them for unclosed lists and tables.
  switch (info.id) {
    case TagId::kLi:
      CloseInScope({TagId::kLi}, {TagId::kUl, TagId::kOl});
      break;
    case TagId::kDd:
    case TagId::kDt:
      CloseInScope({TagId::kDd, TagId::kDt}, {TagId::kDl});
      break;
    case TagId::kTd:
    case TagId::kTh:
      CloseInScope({TagId::kTd, TagId::kTh}, {TagId::kTr, TagId::kTable});
      break;
    case TagId::kTr:
      CloseInScope({TagId::kTr}, {TagId::kTable});
      break;
    case TagId::kOption:
      CloseInScope({TagId::kOption}, {});
      break;
    case TagId::kA:  // <a> inside <a> closes the first
      FinishLink();
      CloseInScope({TagId::kA}, {TagId::kTable, TagId::kTd, TagId::kTh});
      break;
    default:
      break;
  }
  if ((info.flags & internal::kClosesP) && stack_.back().id == TagId::kP) PopTo(stack_.size() - 1);

  if (info.flags & internal::kParagraph) {
    Break(2);
  } else if (info.flags & internal::kBlock) {
    Break(1);
  }
  if (info.flags & internal::kCell) Space();

  bool linked = false;  // an <a href> whose text we capture
  switch (info.id) {
    case TagId::kBr:
      LineBreak();
      break;
    case TagId::kA:
      linked = AddLink(tag.Find(Attr::kHref), UrlSource::kHref);
      break;
    case TagId::kArea:
      AddLink(tag.Find(Attr::kHref), UrlSource::kHref);
      break;
    case TagId::kForm:
      AddLink(tag.Find(Attr::kAction), UrlSource::kHref);
      break;
    case TagId::kImg:
      ++out_->images;
      AddLink(tag.Find(Attr::kSrc), UrlSource::kSrc);
      break;
    case TagId::kInput:
      if (const Attribute* type = tag.Find(Attr::kType);
          type != nullptr && internal::EqualsLower(type->value, "image")) {
        AddLink(tag.Find(Attr::kSrc), UrlSource::kSrc);
      }
      break;
    case TagId::kIframe:
    case TagId::kFrame:
    case TagId::kEmbed:
    case TagId::kScript:
    case TagId::kSource:
    case TagId::kAudio:
      AddLink(tag.Find(Attr::kSrc), UrlSource::kSrc);
      break;
    case TagId::kVideo:
      AddLink(tag.Find(Attr::kSrc), UrlSource::kSrc);
      AddLink(tag.Find(Attr::kPoster), UrlSource::kSrc);
      break;
    case TagId::kMeta:
      // <meta http-equiv="refresh" content="0; url=http://..."> sends the reader on.
      if (const Attribute* equiv = tag.Find(Attr::kHttpEquiv);
          equiv != nullptr && internal::EqualsLower(equiv->value, "refresh")) {
        if (const Attribute* content = tag.Find(Attr::kContent)) {
          std::string_view v = content->value;
          for (size_t i = 0; i + 4 <= v.size(); ++i) {
            if (internal::EqualsLower(v.substr(i, 4), "url=")) {
              Attribute target{"content", v.substr(i + 4)};
              while (!target.value.empty() &&
                     (target.value.front() == '\'' || target.value.front() == '"')) {
                target.value.remove_prefix(1);
              }
              while (!target.value.empty() &&
                     (target.value.back() == '\'' || target.value.back() == '"')) {
                target.value.remove_suffix(1);
              }
              AddLink(&target, UrlSource::kHref);
              break;
            }
          }
        }
      }
      break;
    default:
      break;
  }
  if (info.flags & kBgcolor) AddLink(tag.Find(Attr::kBackground), UrlSource::kSrc);

  if (info.flags & (internal::kVoid | internal::kRawDropped | internal::kRawVisible)) return;
  if (info.id == TagId::kPlaintext) return;
  PushFrame(tag, info);
  if (linked) {
    link_index_ = out_->links.size() - 1;
    link_text_begin_ = out_->text.size();
    if (stack_.back().id == TagId::kA) stack_.back().link = true;
  }
}

void Renderer::PushFrame(const Tag& tag, const TagInfo& info) {
  if (stack_.size() >= kMaxDepth) {
    ++overflow_;
    return;
  }
  Frame f = stack_.back();
  f.name_hash = tag_hash_;
  f.id = info.id;
  f.link = false;
  if (info.flags & internal::kPre) f.pre = true;
  if (info.flags & internal::kHiddenTag) f.hidden = true;
  if (tag.Find(Attr::kHidden) != nullptr) f.hidden = true;
  // The element's own background, if it paints one.
  int32_t own_background = kNoColor;
  if (sheet_sets_background_ &&
      (tag.Find(Attr::kClass) != nullptr || tag.Find(Attr::kId) != nullptr)) {
    own_background = kUnknownColor;
  }
  if (info.id == TagId::kFont) {
    if (const Attribute* color = tag.Find(Attr::kColor)) {
      int32_t c = internal::ParseLegacyColor(Decode(color->value));
      if (c != kNoColor) {
        f.color = c;
        f.link_color = false;
      }
    }
    if (tag.Find(Attr::kSize) != nullptr) f.tiny_font = false;  // sizes 1-7 are all readable
  } else if (info.id == TagId::kBody) {
    if (const Attribute* text = tag.Find(Attr::kText)) {
      int32_t c = internal::ParseLegacyColor(Decode(text->value));
      if (c != kNoColor) f.color = c;
    }
    if (const Attribute* link = tag.Find(Attr::kLink)) {
      int32_t c = internal::ParseLegacyColor(Decode(link->value));
      if (c != kNoColor) link_color_ = c;
    }
  } else if (info.id == TagId::kA && tag.Find(Attr::kHref) != nullptr) {
    // Link text is drawn in the link colour, not the inherited one (blue on a black cell
    // is readable even where the surrounding text colour is black).
    f.color = link_color_;
    f.link_color = true;
  }
  if (info.flags & internal::kBgcolor) {
    if (const Attribute* bg = tag.Find(Attr::kBgcolor)) {
      int32_t c = internal::ParseLegacyColor(Decode(bg->value));
      if (c != kNoColor) own_background = c;
    }
    // An image painted behind the text: we cannot tell what colour it is.
    if (tag.Find(Attr::kBackground) != nullptr) own_background = kUnknownColor;
  }
  if (const Attribute* style = tag.Find(Attr::kStyle)) {
    internal::InlineStyle s;
    internal::ParseInlineStyle(Decode(style->value), &s);
    if (s.color != kNoColor) {
      f.color = s.color;
      f.link_color = false;
    }
    if (s.background != kNoColor) own_background = s.background;
    if (s.visibility_hidden >= 0) f.visibility_hidden = s.visibility_hidden == 1;
    if (s.tiny_font >= 0) f.tiny_font = s.tiny_font == 1;
    if (s.hidden) f.hidden = true;
  }
  // Table backgrounds paint cells, not text that strays between the table's tags.
  switch (info.id) {
    case TagId::kTable:
      f.table_background = own_background != kNoColor ? own_background : f.background;
      break;
    case TagId::kTableSection:
    case TagId::kTr:
      if (own_background != kNoColor) f.table_background = own_background;
      if (f.table_background == kNoColor) f.table_background = f.background;
      break;
    case TagId::kTd:
    case TagId::kTh:
    case TagId::kCaption:
      if (own_background != kNoColor) {
        f.background = own_background;
      } else if (f.table_background != kNoColor) {
        f.background = f.table_background;
      }
      f.table_background = kNoColor;
      break;
    default:
      if (own_background != kNoColor) f.background = own_background;
      break;
  }
  f.visible = ComputeVisible(f);
  stack_.push_back(f);
}

void Renderer::PopTo(size_t index) {
  if (index == 0) index = 1;  // the root frame stays
  while (stack_.size() > index) {
    if (stack_.back().link) FinishLink();
    stack_.pop_back();
  }
}

void Renderer::CloseInScope(std::initializer_list<TagId> targets,
                            std::initializer_list<TagId> stops) {
  size_t floor = stack_.size() > kEndTagWindow ? stack_.size() - kEndTagWindow : 1;
  for (size_t i = stack_.size(); i-- > floor;) {
    TagId id = stack_[i].id;
    if (std::find(targets.begin(), targets.end(), id) != targets.end()) {
      PopTo(i);
      return;
    }
    if (std::find(stops.begin(), stops.end(), id) != stops.end()) return;
  }
}

void Renderer::EndTag(const TagInfo& info) {
  switch (info.id) {
    case TagId::kBr:  // </br> is treated as <br> by browsers
      LineBreak();
      return;
    case TagId::kBody:
    case TagId::kHtml:
      return;  // text after </html> is still shown, in the body's style
    case TagId::kA:
      FinishLink();
      break;
    default:
      break;
  }
  if (overflow_ > 0) {
    --overflow_;  // the innermost open elements are the ones that did not fit
  } else {
    // Like the tree builder's scopes: no end tag closes anything outside the table it is
    // in, and only table-part end tags reach past a cell.
    const uint32_t hash = tag_hash_;
    const bool table_part = info.id == TagId::kTr || info.id == TagId::kTd ||
                            info.id == TagId::kTh || info.id == TagId::kTableSection ||
                            info.id == TagId::kCaption;
    size_t floor = stack_.size() > kEndTagWindow ? stack_.size() - kEndTagWindow : 1;
    for (size_t i = stack_.size(); i-- > floor;) {
      if (stack_[i].name_hash == hash) {
        PopTo(i);
        break;
      }
      const TagId id = stack_[i].id;
      if (id == TagId::kTable) break;
      if (!table_part && (id == TagId::kTd || id == TagId::kTh || id == TagId::kCaption)) break;
    }
  }
  if (info.flags & internal::kParagraph) {
    Break(2);
  } else if (info.flags & internal::kBlock) {
    Break(1);
  }
  if (info.flags & internal::kCell) Space();
}

}  // namespace

void RenderHtml(std::string_view html, HtmlRender* out) {
  Renderer renderer(html, out);
  renderer.Run();
}

}  // namespace sluice::mime
