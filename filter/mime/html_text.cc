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
// text whose colour was set explicitly to something other than black or a near-black grey
// (link text in the reader's link colour is not). Runs are counted only when they hold a
// letter, digit or non-ASCII character, so spacer dots and nbsp in layout tables are not.
// Table backgrounds paint cells only; with a <style> sheet that sets backgrounds, elements
// with a class or id are on an unknown background (never judged same-colour). Inline
// styles and presentational attributes are read; style sheets otherwise are not.
//
// Dropped entirely: comments, CDATA, <script>, <style>, <title>, <iframe>/<noembed>/
// <noframes> fallback content, and anything after an unclosed comment or tag, as in a
// browser. Stray text inside <head> is kept (browsers show it). <noscript> is shown (mail
// readers run no scripts). This file is the markup side; html_text_output.cc writes text.
#include <algorithm>
#include <array>
#include <cstring>

#include "filter/mime/html_entities.h"
#include "filter/mime/html_renderer.h"

namespace sluice::mime {
namespace internal {

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
  // Most elements change nothing that decides visibility: inherit the parent's answer.
  const Frame& parent = stack_.back();
  f.visible =
      (f.color == parent.color && f.background == parent.background && f.hidden == parent.hidden &&
       f.visibility_hidden == parent.visibility_hidden && f.tiny_font == parent.tiny_font)
          ? parent.visible
          : ComputeVisible(f);
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

}  // namespace internal

void RenderHtml(std::string_view html, HtmlRender* out) {
  internal::Renderer renderer(html, out);
  renderer.Run();
}

}  // namespace sluice::mime
