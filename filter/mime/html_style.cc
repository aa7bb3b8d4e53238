// html_style.cc - colours and inline-style facts for the HTML renderer (see html_style.h).
//
// Parses only what decides whether text is coloured or hidden; anything it does not
// understand is ignored, never guessed, so unreadable CSS cannot make text disappear.
#include "filter/mime/html_style.h"

#include <algorithm>
#include <cstdlib>

namespace sluice::mime::internal {
namespace {

struct NamedColor {
  std::string_view name;
  int32_t rgb;
};

// The colours mail HTML actually uses, including every near-white one (white-on-white
// tricks) and the 16 HTML 4 colours. Sorted by name.
constexpr NamedColor kNamedColors[] = {
    {"aliceblue", 0xf0f8ff},      {"antiquewhite", 0xfaebd7},
    {"aqua", 0x00ffff},           {"azure", 0xf0ffff},
    {"beige", 0xf5f5dc},          {"black", 0x000000},
    {"blanchedalmond", 0xffebcd}, {"blue", 0x0000ff},
    {"brown", 0xa52a2a},          {"chocolate", 0xd2691e},
    {"coral", 0xff7f50},          {"cornsilk", 0xfff8dc},
    {"crimson", 0xdc143c},        {"cyan", 0x00ffff},
    {"darkblue", 0x00008b},       {"darkgray", 0xa9a9a9},
    {"darkgreen", 0x006400},      {"darkgrey", 0xa9a9a9},
    {"darkorange", 0xff8c00},     {"darkred", 0x8b0000},
    {"darkslategray", 0x2f4f4f},  {"darkslategrey", 0x2f4f4f},
    {"deeppink", 0xff1493},       {"dimgray", 0x696969},
    {"dimgrey", 0x696969},        {"dodgerblue", 0x1e90ff},
    {"firebrick", 0xb22222},      {"floralwhite", 0xfffaf0},
    {"forestgreen", 0x228b22},    {"fuchsia", 0xff00ff},
    {"gainsboro", 0xdcdcdc},      {"ghostwhite", 0xf8f8ff},
    {"gold", 0xffd700},           {"goldenrod", 0xdaa520},
    {"gray", 0x808080},           {"green", 0x008000},
    {"grey", 0x808080},           {"honeydew", 0xf0fff0},
    {"hotpink", 0xff69b4},        {"indigo", 0x4b0082},
    {"ivory", 0xfffff0},          {"khaki", 0xf0e68c},
    {"lavender", 0xe6e6fa},       {"lavenderblush", 0xfff0f5},
    {"lemonchiffon", 0xfffacd},   {"lightblue", 0xadd8e6},
    {"lightcyan", 0xe0ffff},      {"lightgray", 0xd3d3d3},
    {"lightgrey", 0xd3d3d3},      {"lightyellow", 0xffffe0},
    {"lime", 0x00ff00},           {"limegreen", 0x32cd32},
    {"linen", 0xfaf0e6},          {"magenta", 0xff00ff},
    {"maroon", 0x800000},         {"midnightblue", 0x191970},
    {"mintcream", 0xf5fffa},      {"mistyrose", 0xffe4e1},
    {"navy", 0x000080},           {"oldlace", 0xfdf5e6},
    {"olive", 0x808000},          {"olivedrab", 0x6b8e23},
    {"orange", 0xffa500},         {"orangered", 0xff4500},
    {"orchid", 0xda70d6},         {"papayawhip", 0xffefd5},
    {"pink", 0xffc0cb},           {"plum", 0xdda0dd},
    {"purple", 0x800080},         {"red", 0xff0000},
    {"royalblue", 0x4169e1},      {"salmon", 0xfa8072},
    {"seagreen", 0x2e8b57},       {"seashell", 0xfff5ee},
    {"sienna", 0xa0522d},         {"silver", 0xc0c0c0},
    {"skyblue", 0x87ceeb},        {"slategray", 0x708090},
    {"slategrey", 0x708090},      {"snow", 0xfffafa},
    {"steelblue", 0x4682b4},      {"tan", 0xd2b48c},
    {"teal", 0x008080},           {"tomato", 0xff6347},
    {"turquoise", 0x40e0d0},      {"violet", 0xee82ee},
    {"wheat", 0xf5deb3},          {"white", 0xffffff},
    {"whitesmoke", 0xf5f5f5},     {"yellow", 0xffff00},
    {"yellowgreen", 0x9acd32},
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool ContainsIgnoreCase(std::string_view s, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (EqualsIgnoreCase(s.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int32_t LookupNamedColor(std::string_view name) {
  // Every name starts with a letter; "#ff0000" and "3D..." skip the search.
  if (name.size() < 3 || name.size() > 20 || (name[0] | 0x20) < 'a' || (name[0] | 0x20) > 'z') {
    return kNoColor;
  }
  char lower[20];
  for (size_t i = 0; i < name.size(); ++i) lower[i] = Lower(name[i]);
  std::string_view key(lower, name.size());
  const NamedColor* end = std::end(kNamedColors);
  const NamedColor* it =
      std::lower_bound(std::begin(kNamedColors), end, key,
                       [](const NamedColor& c, std::string_view k) { return c.name < k; });
  return (it != end && it->name == key) ? it->rgb : kNoColor;
}

// #rgb, #rgba, #rrggbb, #rrggbbaa (digits only, without the '#'). kNoColor if malformed.
int32_t ParseHexDigits(std::string_view hex) {
  for (char c : hex) {
    if (HexValue(c) < 0) return kNoColor;
  }
  auto nibble = [&](size_t i) { return static_cast<int32_t>(HexValue(hex[i])); };
  switch (hex.size()) {
    case 3:
    case 4:
      if (hex.size() == 4 && nibble(3) == 0) return kTransparent;
      return (nibble(0) * 17 << 16) | (nibble(1) * 17 << 8) | (nibble(2) * 17);
    case 6:
    case 8:
      if (hex.size() == 8 && nibble(6) == 0 && nibble(7) == 0) return kTransparent;
      return (nibble(0) << 20) | (nibble(1) << 16) | (nibble(2) << 12) | (nibble(3) << 8) |
             (nibble(4) << 4) | nibble(5);
    default:
      return kNoColor;
  }
}

// A leading CSS number ("12", "-0.5", ".1", "+3"); the rest (the unit) goes to *rest.
// Hand-written rather than strtod: locale-independent and needs no terminator.
bool ParseNumber(std::string_view s, double* value, std::string_view* rest) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  double v = 0;
  bool any = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, any = true) {
    v = std::min(v * 10 + (s[i] - '0'), 1e9);
  }
  if (i < s.size() && s[i] == '.') {
    double scale = 0.1;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, any = true) {
      v += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (!any) return false;
  *value = negative ? -v : v;
  *rest = Trim(s.substr(i));
  return true;
}

// rgb(r, g, b) / rgba(r g b / a) with numbers or percentages.
int32_t ParseRgbFunction(std::string_view args) {
  double channel[4] = {0, 0, 0, 1};
  int count = 0;
  while (count < 4) {
    while (!args.empty() && (IsSpace(args.front()) || args.front() == ',' || args.front() == '/'))
      args.remove_prefix(1);
    if (args.empty() || args.front() == ')') break;
    double v;
    std::string_view rest;
    if (!ParseNumber(args, &v, &rest)) return kNoColor;
    if (!rest.empty() && rest.front() == '%') {
      v = count < 3 ? v * 255.0 / 100.0 : v / 100.0;
      rest.remove_prefix(1);
    }
    channel[count++] = v;
    args = rest;
  }
  if (count < 3) return kNoColor;
  if (channel[3] <= 0.05) return kTransparent;
  auto clamp = [](double v) { return static_cast<int32_t>(std::clamp(v, 0.0, 255.0) + 0.5); };
  return (clamp(channel[0]) << 16) | (clamp(channel[1]) << 8) | clamp(channel[2]);
}

std::string_view StripImportant(std::string_view value) {
  size_t bang = value.find('!');
  return bang == std::string_view::npos ? value : Trim(value.substr(0, bang));
}

// A length or size that makes text unreadable (1), readable (0), or relative to the parent
// and so undecided (-1).
int8_t TinyFont(std::string_view value) {
  static constexpr std::string_view kReadable[] = {"xx-small", "x-small", "small",    "medium",
                                                   "large",    "x-large", "xx-large", "larger",
                                                   "smaller",  "initial"};
  for (std::string_view k : kReadable) {
    if (EqualsIgnoreCase(value, k)) return k == "smaller" ? -1 : 0;
  }
  double v;
  std::string_view unit;
  if (!ParseNumber(value, &v, &unit)) return -1;
  if (unit.empty()) return v <= 0 ? 1 : -1;  // only a bare 0 is a valid unitless length
  if (EqualsIgnoreCase(unit, "px") || EqualsIgnoreCase(unit, "pt")) return v <= 1 ? 1 : 0;
  if (EqualsIgnoreCase(unit, "em") || EqualsIgnoreCase(unit, "rem")) {
    if (v <= 0.1) return 1;
    return EqualsIgnoreCase(unit, "rem") ? 0 : -1;
  }
  if (unit == "%") return v <= 10 ? 1 : -1;
  return v <= 0 ? 1 : -1;
}

bool IsZeroLength(std::string_view value) {
  double v;
  std::string_view unit;
  return ParseNumber(value, &v, &unit) && v <= 0;
}

bool IsFarOffscreen(std::string_view value) {
  double v;
  std::string_view unit;
  return ParseNumber(value, &v, &unit) && v <= -999;
}

// The first colour in a `background` shorthand; images and gradients make it unknown.
int32_t BackgroundShorthand(std::string_view value) {
  if (ContainsIgnoreCase(value, "url(") || ContainsIgnoreCase(value, "gradient(")) {
    return kUnknownColor;
  }
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && IsSpace(value[i])) ++i;
    size_t start = i;
    int depth = 0;
    while (i < value.size() && (depth > 0 || !IsSpace(value[i]))) {
      if (value[i] == '(') ++depth;
      if (value[i] == ')' && depth > 0) --depth;
      ++i;
    }
    if (i > start) {
      int32_t c = ParseCssColor(value.substr(start, i - start));
      if (c != kNoColor) return c;
    }
  }
  return kNoColor;
}

}  // namespace

int32_t ParseCssColor(std::string_view value) {
  value = StripImportant(Trim(value));
  if (value.empty()) return kNoColor;
  if (value.front() == '#') return ParseHexDigits(value.substr(1));
  if (EqualsIgnoreCase(value, "transparent")) return kTransparent;
  if (StartsWithIgnoreCase(value, "rgb(") || StartsWithIgnoreCase(value, "rgba(")) {
    return ParseRgbFunction(value.substr(value.find('(') + 1));
  }
  int32_t named = LookupNamedColor(value);
  if (named != kNoColor) return named;
  // Mail HTML rarely has a doctype, so it renders in quirks mode, where "color: ff0000"
  // without the '#' is honoured.
  if (value.size() == 3 || value.size() == 6) return ParseHexDigits(value);
  return kNoColor;
}

int32_t ParseLegacyColor(std::string_view value) {
  value = Trim(value);
  if (value.empty() || EqualsIgnoreCase(value, "transparent")) return kNoColor;
  int32_t named = LookupNamedColor(value);
  if (named != kNoColor) return named;
  if (value.size() == 4 && value[0] == '#') {
    int32_t short_hex = ParseHexDigits(value.substr(1));
    if (short_hex >= 0) return short_hex;
  }
  // The general rule: every code point that is not a hex digit becomes '0' (astral ones
  // "00"), the string is split into three components, and each is cut down to two digits.
  char digits[132];
  size_t n = 0;
  size_t i = (value[0] == '#') ? 1 : 0;
  while (i < value.size() && n < 128) {
    unsigned char c = value[i];
    if (c < 0x80) {
      digits[n++] = HexValue(static_cast<char>(c)) >= 0 ? static_cast<char>(c) : '0';
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    digits[n++] = '0';
    if (len == 4 && n < 128) digits[n++] = '0';
    i += len;
  }
  while (n == 0 || n % 3 != 0) digits[n++] = '0';
  size_t len = n / 3;
  const char* comp[3] = {digits, digits + len, digits + 2 * len};
  if (len > 8) {
    for (auto& c : comp) c += len - 8;
    len = 8;
  }
  while (len > 2 && comp[0][0] == '0' && comp[1][0] == '0' && comp[2][0] == '0') {
    for (auto& c : comp) ++c;
    --len;
  }
  if (len > 2) len = 2;
  int32_t rgb = 0;
  for (auto& c : comp) {
    int32_t v = 0;
    for (size_t k = 0; k < len; ++k) v = v * 16 + HexValue(c[k]);
    rgb = (rgb << 8) | v;
  }
  return rgb;
}

void ParseInlineStyle(std::string_view style, InlineStyle* out) {
  bool zero_box = false, overflow_hidden = false, positioned = false, far_position = false;
  bool display_none = false, transparent_opacity = false, far_indent = false;
  int32_t background_image = kNoColor;
  size_t i = 0;
  while (i < style.size()) {
    // One declaration: up to a ';' outside parentheses and quotes (url(data:...;base64,...)).
    size_t start = i;
    int depth = 0;
    char quote = 0;
    for (; i < style.size(); ++i) {
      char c = style[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && depth > 0) {
        --depth;
      } else if (c == ';' && depth == 0) {
        break;
      }
    }
    std::string_view decl = style.substr(start, i - start);
    if (i < style.size()) ++i;
    size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view prop = Trim(decl.substr(0, colon));
    std::string_view value = StripImportant(Trim(decl.substr(colon + 1)));
    if (EqualsIgnoreCase(prop, "color")) {
      int32_t c = ParseCssColor(value);
      if (c != kNoColor) out->color = c;
    } else if (EqualsIgnoreCase(prop, "background-color")) {
      int32_t c = ParseCssColor(value);
      if (c != kNoColor && c != kTransparent) out->background = c;
    } else if (EqualsIgnoreCase(prop, "background")) {
      int32_t c = BackgroundShorthand(value);
      if (c != kNoColor && c != kTransparent) out->background = c;
    } else if (EqualsIgnoreCase(prop, "background-image")) {
      if (ContainsIgnoreCase(value, "url(") || ContainsIgnoreCase(value, "gradient(")) {
        background_image = kUnknownColor;
      }
    } else if (EqualsIgnoreCase(prop, "display")) {
      display_none = EqualsIgnoreCase(value, "none");
    } else if (EqualsIgnoreCase(prop, "visibility")) {
      out->visibility_hidden =
          (EqualsIgnoreCase(value, "hidden") || EqualsIgnoreCase(value, "collapse")) ? 1 : 0;
    } else if (EqualsIgnoreCase(prop, "font-size")) {
      int8_t tiny = TinyFont(value);
      if (tiny >= 0) out->tiny_font = tiny;
    } else if (EqualsIgnoreCase(prop, "font")) {
      // "font: 0/0 a" is a known hiding idiom; the size is the token before any '/'.
      size_t k = 0;
      while (k < value.size() && !(value[k] >= '0' && value[k] <= '9') && value[k] != '.') ++k;
      if (k < value.size()) {
        size_t e = k;
        while (e < value.size() && !IsSpace(value[e]) && value[e] != '/') ++e;
        int8_t tiny = TinyFont(value.substr(k, e - k));
        if (tiny >= 0) out->tiny_font = tiny;
      }
    } else if (EqualsIgnoreCase(prop, "opacity")) {
      double v;
      std::string_view unit;
      if (ParseNumber(value, &v, &unit)) {
        if (unit == "%") v /= 100;
        transparent_opacity = v <= 0.05;
      }
    } else if (EqualsIgnoreCase(prop, "height") || EqualsIgnoreCase(prop, "max-height") ||
               EqualsIgnoreCase(prop, "width") || EqualsIgnoreCase(prop, "max-width")) {
      if (IsZeroLength(value)) zero_box = true;
    } else if (EqualsIgnoreCase(prop, "overflow") || EqualsIgnoreCase(prop, "overflow-x") ||
               EqualsIgnoreCase(prop, "overflow-y")) {
      overflow_hidden = EqualsIgnoreCase(value, "hidden") || EqualsIgnoreCase(value, "clip");
    } else if (EqualsIgnoreCase(prop, "text-indent")) {
      far_indent = IsFarOffscreen(value);
    } else if (EqualsIgnoreCase(prop, "position")) {
      positioned = EqualsIgnoreCase(value, "absolute") || EqualsIgnoreCase(value, "fixed");
    } else if (EqualsIgnoreCase(prop, "left") || EqualsIgnoreCase(prop, "top")) {
      if (IsFarOffscreen(value)) far_position = true;
    }
  }
  if (out->background == kNoColor && background_image == kUnknownColor) {
    out->background = kUnknownColor;
  }
  if (display_none || transparent_opacity || (zero_box && overflow_hidden) || far_indent ||
      (positioned && far_position)) {
    out->hidden = true;
  }
}

bool SameColor(int32_t fg, int32_t bg) {
  if (fg < 0 || bg < 0) return false;
  int diff = std::abs(((fg >> 16) & 0xff) - ((bg >> 16) & 0xff)) +
             std::abs(((fg >> 8) & 0xff) - ((bg >> 8) & 0xff)) +
             std::abs((fg & 0xff) - (bg & 0xff));
  return diff <= 30;
}

}  // namespace sluice::mime::internal
