// html_markup.cc - the tag table and the attribute tokenizer (see html_markup.h).
//
// Linear: every loop advances; quoted values are found with memchr, so a megabyte-long
// attribute costs one scan.
#include "filter/mime/html_markup.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace sluice::mime::internal {
namespace {

constexpr uint16_t kB = kBlock | kClosesP;
constexpr uint16_t kH = kParagraph | kClosesP;

// Sorted by name for binary search.
constexpr TagInfo kTags[] = {
    {"a", TagId::kA, 0},
    {"address", TagId::kOther, kB},
    {"area", TagId::kArea, kVoid},
    {"article", TagId::kOther, kB},
    {"aside", TagId::kOther, kB},
    {"audio", TagId::kAudio, 0},
    {"base", TagId::kOther, kVoid},
    {"basefont", TagId::kOther, kVoid},
    {"bgsound", TagId::kOther, kVoid},
    {"blockquote", TagId::kOther, kB},
    {"body", TagId::kBody, kBgcolor},
    {"br", TagId::kBr, kVoid},
    {"caption", TagId::kCaption, kBlock | kBgcolor},
    {"center", TagId::kOther, kB},
    {"col", TagId::kOther, kVoid},
    {"dd", TagId::kDd, kB},
    {"details", TagId::kOther, kB},
    {"dialog", TagId::kOther, kB},
    {"dir", TagId::kOther, kB},
    {"div", TagId::kOther, kB},
    {"dl", TagId::kDl, kB},
    {"dt", TagId::kDt, kB},
    {"embed", TagId::kEmbed, kVoid},
    {"fieldset", TagId::kOther, kB},
    {"figcaption", TagId::kOther, kB},
    {"figure", TagId::kOther, kB},
    {"font", TagId::kFont, 0},
    {"footer", TagId::kOther, kB},
    {"form", TagId::kForm, kB},
    {"frame", TagId::kFrame, kVoid},
    {"h1", TagId::kOther, kH},
    {"h2", TagId::kOther, kH},
    {"h3", TagId::kOther, kH},
    {"h4", TagId::kOther, kH},
    {"h5", TagId::kOther, kH},
    {"h6", TagId::kOther, kH},
    {"header", TagId::kOther, kB},
    {"hr", TagId::kOther, kVoid | kB},
    {"html", TagId::kHtml, 0},
    {"iframe", TagId::kIframe, kRawDropped},
    {"image", TagId::kImg, kVoid},
    {"img", TagId::kImg, kVoid},
    {"input", TagId::kInput, kVoid},
    {"keygen", TagId::kOther, kVoid},
    {"li", TagId::kLi, kB},
    {"link", TagId::kOther, kVoid},
    {"listing", TagId::kOther, kB | kPre},
    {"main", TagId::kOther, kB},
    {"menu", TagId::kOther, kB},
    {"meta", TagId::kMeta, kVoid},
    {"nav", TagId::kOther, kB},
    {"noembed", TagId::kOther, kRawDropped},
    {"noframes", TagId::kOther, kRawDropped},
    {"ol", TagId::kOl, kB},
    {"option", TagId::kOption, kBlock},
    {"p", TagId::kP, kH},
    {"param", TagId::kOther, kVoid},
    {"plaintext", TagId::kPlaintext, kB},
    {"pre", TagId::kOther, kB | kPre},
    {"script", TagId::kScript, kRawDropped},
    {"section", TagId::kOther, kB},
    {"source", TagId::kSource, kVoid},
    {"style", TagId::kOther, kRawDropped},
    {"summary", TagId::kOther, kB},
    {"table", TagId::kTable, kB | kBgcolor},
    {"tbody", TagId::kTableSection, kBgcolor},
    {"td", TagId::kTd, kCell | kBgcolor},
    {"template", TagId::kOther, kHiddenTag},
    {"textarea", TagId::kOther, kRawVisible | kPre},
    {"tfoot", TagId::kTableSection, kBgcolor},
    {"th", TagId::kTh, kCell | kBgcolor},
    {"thead", TagId::kTableSection, kBgcolor},
    {"title", TagId::kOther, kRawDropped},
    {"tr", TagId::kTr, kBlock | kBgcolor},
    {"track", TagId::kOther, kVoid},
    {"ul", TagId::kUl, kB},
    {"video", TagId::kVideo, 0},
    {"wbr", TagId::kOther, kVoid},
    {"xmp", TagId::kOther, kRawVisible | kB | kPre},
};

constexpr TagInfo kUnknownTag = {"", TagId::kOther, 0};
constexpr size_t kLongestTagName = 10;  // "blockquote", "figcaption"

}  // namespace

namespace {

// Open-addressing table over kTags keyed by HashTagName, so a lookup is one hash (which
// the renderer computes anyway) and usually one name comparison.
constexpr size_t kTagSlots = 1024;  // power of two, ~12x the number of tags: short probes

struct TagTable {
  struct Slot {
    uint32_t hash = 0;
    const TagInfo* tag = nullptr;
  };
  Slot slots[kTagSlots];
  TagTable() {
    for (const TagInfo& t : kTags) {
      uint32_t h = HashTagName(t.name);
      size_t i = h & (kTagSlots - 1);
      while (slots[i].tag != nullptr) i = (i + 1) & (kTagSlots - 1);
      slots[i] = Slot{h, &t};
    }
  }
};

}  // namespace

const TagInfo& LookupTag(std::string_view name, uint32_t hash) {
  static const TagTable table;
  if (name.empty() || name.size() > kLongestTagName) return kUnknownTag;
  for (size_t i = hash & (kTagSlots - 1);; i = (i + 1) & (kTagSlots - 1)) {
    const TagTable::Slot& slot = table.slots[i];
    if (slot.tag == nullptr) return kUnknownTag;
    if (slot.hash == hash && EqualsLower(name, slot.tag->name)) return *slot.tag;
  }
}

const TagInfo& LookupTag(std::string_view name) { return LookupTag(name, HashTagName(name)); }

uint32_t HashTagName(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<unsigned char>(AsciiLower(c))) * 16777619u;
  return h;
}

bool EqualsLower(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

namespace {

// Attr for a name (any case), or Attr::kCount when the renderer does not read it.
Attr ClassifyAttribute(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (EqualsLower(name, "id")) return Attr::kId;
      break;
    case 3:
      if (EqualsLower(name, "src")) return Attr::kSrc;
      break;
    case 4:
      switch (AsciiLower(name[0])) {
        case 'h':
          return EqualsLower(name, "href") ? Attr::kHref : Attr::kCount;
        case 's':
          return EqualsLower(name, "size") ? Attr::kSize : Attr::kCount;
        case 't':
          if (EqualsLower(name, "text")) return Attr::kText;
          return EqualsLower(name, "type") ? Attr::kType : Attr::kCount;
        case 'l':
          return EqualsLower(name, "link") ? Attr::kLink : Attr::kCount;
        default:
          break;
      }
      break;
    case 5:
      if (EqualsLower(name, "style")) return Attr::kStyle;
      if (EqualsLower(name, "color")) return Attr::kColor;
      if (EqualsLower(name, "class")) return Attr::kClass;
      break;
    case 6:
      if (EqualsLower(name, "hidden")) return Attr::kHidden;
      if (EqualsLower(name, "action")) return Attr::kAction;
      if (EqualsLower(name, "poster")) return Attr::kPoster;
      break;
    case 7:
      if (EqualsLower(name, "bgcolor")) return Attr::kBgcolor;
      if (EqualsLower(name, "content")) return Attr::kContent;
      break;
    case 10:
      if (EqualsLower(name, "background")) return Attr::kBackground;
      if (EqualsLower(name, "http-equiv")) return Attr::kHttpEquiv;
      break;
    default:
      break;
  }
  return Attr::kCount;
}

}  // namespace

size_t ParseAttributes(std::string_view html, size_t pos, Tag* tag) {
  const char* const begin = html.data();
  const char* const end = begin + html.size();
  const char* p = begin + pos;
  while (true) {
    while (p < end && (MarkupClassOf(*p) & (kMcSpace | kMcSlash))) ++p;
    if (p >= end) return std::string_view::npos;
    if (*p == '>') return p - begin + 1;
    const char* name = p++;  // the first character may be '=' (it is then part of the name)
    while (p < end && !MarkupClassOf(*p)) ++p;
    const char* name_end = p;
    while (p < end && MarkupClassOf(*p) == kMcSpace) ++p;
    std::string_view value;
    if (p < end && *p == '=') {
      ++p;
      while (p < end && MarkupClassOf(*p) == kMcSpace) ++p;
      if (p >= end) return std::string_view::npos;
      const char quote = *p;
      if (quote == '"' || quote == '\'') {
        const char* close = static_cast<const char*>(std::memchr(p + 1, quote, end - p - 1));
        if (close == nullptr) return std::string_view::npos;
        value = std::string_view(p + 1, close - p - 1);
        p = close + 1;
      } else {
        const char* v = p;
        while (p < end && !(MarkupClassOf(*p) & (kMcSpace | kMcGt))) ++p;
        value = std::string_view(v, p - v);
      }
    } else {
      p = name_end;  // a valueless attribute; the loop skips the whitespace
    }
    const Attr id = ClassifyAttribute(std::string_view(name, name_end - name));
    if (id != Attr::kCount) {
      const uint32_t bit = 1u << static_cast<size_t>(id);
      if ((tag->present & bit) == 0) {
        tag->present |= bit;
        tag->known[static_cast<size_t>(id)] =
            Attribute{std::string_view(name, name_end - name), value};
      }
    }
  }
}

}  // namespace sluice::mime::internal
