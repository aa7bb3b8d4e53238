// html_text.h - HTML to visible text, plus the facts rules need (links, images, hidden
// and coloured text).
//
// A forgiving single-pass tokenizer, not a DOM: tags stripped, character references
// decoded (named, decimal, hex), <script>/<style>/<head> contents and comments dropped,
// block elements (p, br, div, tr, li, h1-6, ...) become line breaks, whitespace collapsed.
// Never fails, never throws, linear in the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/message.h"

namespace sluice::mime {

struct HtmlLink {
  std::string url;                      // attribute value, entity-decoded and trimmed
  std::string text;                     // visible text inside <a>...</a> (for href), collapsed
  UrlSource source = UrlSource::kHref;  // kHref for <a href>, kSrc for img/script/iframe src
};

struct HtmlRender {
  std::string text;             // visible text (appended)
  std::vector<HtmlLink> links;  // in document order
  // Links of earlier renders kept for their strings' buffers: a parser renders one
  // message after another, and each link's url and text would otherwise be allocated
  // again (and the old ones freed) every time.
  std::vector<HtmlLink> spare_links;
  static constexpr size_t kMaxSpareLinks = 4096;

  // Empties `links`, keeping up to kMaxSpareLinks of them as spares.
  void ClearLinks() {
    for (HtmlLink& link : links) {
      if (spare_links.size() >= kMaxSpareLinks) break;
      spare_links.push_back(std::move(link));
    }
    links.clear();
  }
  // Appends an empty link (url and text empty, source kHref), a spare's if there is one.
  HtmlLink& NewLink() {
    if (spare_links.empty()) return links.emplace_back();
    HtmlLink& link = links.emplace_back(std::move(spare_links.back()));
    spare_links.pop_back();
    link.url.clear();
    link.text.clear();
    link.source = UrlSource::kHref;
    return link;
  }
  uint32_t images = 0;  // <img> elements
  uint32_t colored_text =
      0;  // text runs inside a non-black/non-default colour (font color, style color)
  uint32_t invisible_text = 0;  // text runs hidden: display:none, visibility:hidden, font-size
                                // 0/1px, colour equal to the background colour
};

// Renders UTF-8 HTML; appends visible text to out->text and facts to the other fields.
void RenderHtml(std::string_view html, HtmlRender* out);

// Decodes HTML character references in `text` (for attribute values), appending to *out.
void DecodeHtmlEntities(std::string_view text, std::string* out);

}  // namespace sluice::mime
