// html_text.h - HTML to visible text, plus the facts rules need (links, images, hidden
// and coloured text).
//
// A forgiving single-pass tokenizer, not a DOM: tags stripped, character references
// decoded (named, decimal, hex), <script>/<style>/<head> contents and comments dropped,
// block elements (p, br, div, tr, li, h1-6, ...) become line breaks, whitespace collapsed.
// Never fails, never throws, linear in the input.
#pragma once

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
  uint32_t images = 0;          // <img> elements
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
