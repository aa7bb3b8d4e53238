// html_style.h - internal: the little CSS and legacy-attribute parsing the HTML renderer needs
// to tell coloured and hidden text apart.
//
// Not a CSS engine: only inline style="" declarations and presentational attributes
// (color=, bgcolor=, text=) are understood; <style> sheets and classes are not. Unknown
// values are ignored rather than guessed, so a value we cannot read never hides text.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::mime::internal {

// Colours are 0xRRGGBB, or one of these markers.
constexpr int32_t kNoColor = -1;       // not set here: inherit
constexpr int32_t kUnknownColor = -2;  // set to something we cannot evaluate (image, gradient)
constexpr int32_t kTransparent = -3;   // fully transparent

// A CSS colour value: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb()/rgba(), a common named
// colour, "transparent". Returns kNoColor when it cannot be read.
int32_t ParseCssColor(std::string_view value);

// A presentational attribute colour (<font color>, bgcolor) by the HTML "rules for parsing
// a legacy colour value": named colours, and any other string mapped to hex the way
// browsers do ("ffffff" without '#', even "chucknorris"). kNoColor for empty/transparent.
int32_t ParseLegacyColor(std::string_view value);

// What an inline style attribute says about the text inside the element.
// Tri-state fields are -1 when the style does not mention them (inherit), so a child can
// undo what its parent did: <div style="font-size:0"><span style="font-size:14px"> is a
// common layout idiom, not hidden text.
struct InlineStyle {
  int32_t color = kNoColor;
  int32_t background = kNoColor;  // kUnknownColor for images and gradients
  int8_t visibility_hidden = -1;  // visibility:hidden|collapse (1) or visible (0)
  int8_t tiny_font = -1;          // font-size <= 1px / 1pt / 0.1em (1), or a readable size (0)
  bool hidden = false;  // cannot be undone by a descendant: display:none, opacity ~0, a zero
                        // height/width box with overflow:hidden, or text pushed far
                        // off-screen (text-indent or absolute left/top <= -999px)
};

// Parses the declarations of a style attribute; later declarations win, like CSS.
void ParseInlineStyle(std::string_view style, InlineStyle* out);

// True when text in colour fg on background bg is unreadable: the same or nearly the same
// colour (sum of channel differences <= 30, e.g. #fefefe on white).
bool SameColor(int32_t fg, int32_t bg);

}  // namespace sluice::mime::internal
