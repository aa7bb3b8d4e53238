// html_renderer.h - internal: the HTML renderer's state, shared by html_text.cc (markup:
// tags, the open-element stack, styles) and html_text_output.cc (visible text, links).
//
// See html_text.cc for the rules (what is hidden, coloured, a block) and the bounds that
// keep it linear. One Renderer renders one document and is then thrown away.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/html_markup.h"
#include "filter/mime/html_style.h"
#include "filter/mime/html_text.h"

namespace sluice::mime::internal {

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

// Whether text in frame f's style can be seen (see html_text.cc for the rules).
inline bool ComputeVisible(const Frame& f) {
  if (f.hidden || f.visibility_hidden || f.tiny_font || f.color == kTransparent) return false;
  int32_t fg = f.color == kNoColor ? 0x000000 : f.color;
  return !SameColor(fg, f.background);
}

}  // namespace sluice::mime::internal
