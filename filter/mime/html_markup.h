// html_markup.h - internal: the tag vocabulary and tag tokenizer used by the HTML renderer.
//
// Tags are classified by a fixed table (block, void, raw text, ...); unknown names are
// fine and simply have no special meaning. ParseAttributes follows the WHATWG tokenizer's
// attribute states (double/single/unquoted values, valueless attributes, duplicates
// ignored) and copies nothing: names and values are views into the input.
// Only the attributes the renderer reads are kept, so lookups are an index, not a search.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::mime::internal {

enum TagFlag : uint16_t {
  kVoid = 1 << 0,        // no end tag, no frame
  kBlock = 1 << 1,       // line break before and after
  kParagraph = 1 << 2,   // blank line before and after
  kRawDropped = 1 << 3,  // content is raw text that is not displayed (script, style, title)
  kRawVisible = 1 << 4,  // content is raw text that is displayed (textarea, xmp)
  kCell = 1 << 5,        // table cell: separated from its neighbour by a space
  kHiddenTag = 1 << 6,   // content never rendered (template)
  kPre = 1 << 7,         // whitespace preserved
  kClosesP = 1 << 8,     // opening it closes an open <p>
  kBgcolor = 1 << 9,     // honours bgcolor= / background=
};

enum class TagId : uint8_t {
  kOther,
  kA,
  kArea,
  kAudio,
  kBody,
  kBr,
  kDd,
  kDt,
  kEmbed,
  kFont,
  kForm,
  kFrame,
  kIframe,
  kImg,
  kInput,
  kLi,
  kMeta,
  kOl,
  kOption,
  kP,
  kPlaintext,
  kScript,
  kSource,
  kTable,
  kTd,
  kTh,
  kTr,
  kUl,
  kDl,
  kVideo,
  kHtml,
  kTableSection,  // tbody, thead, tfoot
  kCaption,
};

struct TagInfo {
  std::string_view name;  // lower case
  TagId id;
  uint16_t flags;
};

// The table entry for a tag name (any case); an entry with id kOther and no flags when the
// name is not one we treat specially.
const TagInfo& LookupTag(std::string_view name);
// The same, when the caller already has HashTagName(name).
const TagInfo& LookupTag(std::string_view name, uint32_t hash);

// FNV-1a of the lower-cased name: identifies elements on the open-element stack.
uint32_t HashTagName(std::string_view name);

inline bool IsHtmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
// Byte classes for the tokenizer's hot loops.
enum MarkupClass : uint8_t { kMcSpace = 1, kMcSlash = 2, kMcGt = 4, kMcEquals = 8 };
inline constexpr std::array<uint8_t, 256> kMarkupClass = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f'}) t[c] = kMcSpace;
  t['/'] = kMcSlash;
  t['>'] = kMcGt;
  t['='] = kMcEquals;
  return t;
}();
inline uint8_t MarkupClassOf(char c) { return kMarkupClass[static_cast<unsigned char>(c)]; }

inline bool IsAsciiAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// True when a equals lower_b ignoring ASCII case (lower_b must be lower case).
bool EqualsLower(std::string_view a, std::string_view lower_b);

// The attributes the renderer reads. Others are parsed (to find the tag's end) and dropped.
enum class Attr : uint8_t {
  kHref,
  kSrc,
  kStyle,
  kColor,
  kBgcolor,
  kBackground,
  kHidden,
  kClass,
  kId,
  kSize,
  kText,
  kLink,
  kAction,
  kType,
  kPoster,
  kHttpEquiv,
  kContent,
  kCount,
};

struct Attribute {
  std::string_view name;   // as written
  std::string_view value;  // raw, character references not yet decoded
};

struct Tag {
  std::string_view name;  // as written
  uint32_t present = 0;   // bit i set when known[i] holds attribute Attr(i)
  std::array<Attribute, static_cast<size_t>(Attr::kCount)> known;

  // The first occurrence of the attribute (later duplicates are ignored, as in browsers),
  // or nullptr.
  const Attribute* Find(Attr a) const {
    const size_t i = static_cast<size_t>(a);
    return (present >> i) & 1 ? &known[i] : nullptr;
  }
};

// Parses attributes and the closing '>' of a tag whose name ends at pos, keeping the known
// ones in *tag (tag->present must be 0 on entry). Returns the
// position after '>', or npos when the input ends inside the tag (browsers drop such a tag).
size_t ParseAttributes(std::string_view html, size_t pos, Tag* tag);

}  // namespace sluice::mime::internal
