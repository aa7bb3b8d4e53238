// html_text_test.cc - RenderHtml() and DecodeHtmlEntities() (filter/mime/html_text.h).
//
// The inputs are the idioms real HTML mail uses (Outlook conditional comments, layout
// tables, preheaders hidden with display:none) and the tricks spam uses against filters
// (hidden Bayes poison, white-on-white text, zero-width characters inside words, link text
// naming another host, broken and deeply nested markup). Expected text is what a browser
// shows, checked by hand in Firefox for the less obvious cases.
#include "filter/mime/html_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sluice::mime {
namespace {

HtmlRender Render(std::string_view html) {
  HtmlRender r;
  RenderHtml(html, &r);
  return r;
}

std::string Text(std::string_view html) { return Render(html).text; }

std::string Decode(std::string_view s) {
  std::string out;
  DecodeHtmlEntities(s, &out);
  return out;
}

TEST(HtmlText, StripsTagsAndCollapsesWhitespace) {
  EXPECT_EQ(Text("  <p>Hello \t\r\n  <b>wor</b>ld</p>\n<p>Next   one</p>  "),
            "Hello world\n\nNext one");
  EXPECT_EQ(Text("a<span>b</span>c"), "abc");  // inline tags do not separate words
  EXPECT_EQ(Text(""), "");
  EXPECT_EQ(Text("   \n\t "), "");
}

TEST(HtmlText, LineBreaksForBlocksAndBr) {
  EXPECT_EQ(Text("a<br>b<br/><br>c"), "a\nb\n\nc");
  EXPECT_EQ(Text("<div>one</div><div>two</div>three"), "one\ntwo\nthree");
  EXPECT_EQ(Text("<ul><li>x<li>y</ul>z"), "x\ny\nz");
  EXPECT_EQ(Text("<h1>Title</h1>body"), "Title\n\nbody");
  EXPECT_EQ(Text("a</br>b"), "a\nb");  // browsers read </br> as <br>
}

TEST(HtmlText, DropsScriptStyleTitleAndComments) {
  EXPECT_EQ(Text("<html><head><title>Invoice 42</title><style>p{color:red}</style>"
                 "<meta charset=utf-8></head><body><script>var s = '<p>not text</p>';</script>"
                 "Vis<!-- a comment -->ible</body></html>"),
            "Visible");
  // Outlook's conditional comments and <xml> islands are comments to every other reader.
  EXPECT_EQ(Text("<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->Hi"), "Hi");
  EXPECT_EQ(Text("<![if !mso]>shown<![endif]>"), "shown");
  EXPECT_EQ(Text("<script>if (a </b) x();</SCRIPT >after"), "after");
  EXPECT_EQ(Text("<STYLE type=text/css>.x{}</style>y"), "y");
  EXPECT_EQ(Text("a<![CDATA[ hidden ]]>b"), "ab");
  EXPECT_EQ(Text("<!DOCTYPE html><?xml version='1.0'?>text"), "text");
  EXPECT_EQ(Text("<!-->x<!--->y"), "xy");  // abruptly closed comments
}

TEST(HtmlText, StrayTextInHeadIsShownLikeABrowser) {
  // Everything that belongs in <head> (title, style, script, meta) is dropped, but text
  // there makes browsers close the head and show it: hiding it would hide it from rules.
  EXPECT_EQ(Text("<html><head><meta name=x><title>T</title>Buy now</head><body>hi</body>"),
            "Buy nowhi");
}

TEST(HtmlText, UnclosedCommentOrRawTextHidesTheRestLikeABrowser) {
  EXPECT_EQ(Text("before<!-- never closed <p>after"), "before");
  EXPECT_EQ(Text("before<script>never closed <p>after"), "before");
}

TEST(HtmlText, NamedAndNumericReferences) {
  EXPECT_EQ(Text("&amp; &lt;x&gt; &quot;q&quot; &apos;"), "& <x> \"q\" '");
  EXPECT_EQ(Text("&copy 2024 &notit; &notin;"), "\xC2\xA9 2024 \xC2\xACit; \xE2\x88\x89");
  EXPECT_EQ(Text("&#65;&#x42;&#X43;&#100"), "ABCd");
  EXPECT_EQ(Text("&#0;|&#x110000;|&#xD800;|&#99999999999999;"),
            "\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD");
  EXPECT_EQ(Text("&#150;&#153;"), "\xE2\x80\x93\xE2\x84\xA2");  // windows-1252 meanings
  EXPECT_EQ(Text("&bogus; & amp &#; &#x;"), "&bogus; & amp &#; &#x;");
  EXPECT_EQ(Text("&NotNestedGreaterGreater;"), "\xE2\xAA\xA2\xCC\xB8");  // two code points
  EXPECT_EQ(Text("&AMP&Aacute"), "&\xC3\x81");
}

TEST(HtmlText, AttributeValueReferenceRule) {
  // In attributes a legacy name followed by '=' or an alphanumeric is not a reference.
  EXPECT_EQ(Decode("?a=1&copy=2&amp;b=3&lt;"), "?a=1&copy=2&b=3<");
  EXPECT_EQ(Decode("x&copyy"), "x&copyy");
  EXPECT_EQ(Decode("x&copy;y &copy"), "x\xC2\xA9y \xC2\xA9");
  EXPECT_EQ(Decode("&#104;&#116;tp"), "http");
  EXPECT_EQ(Decode(""), "");
}

TEST(HtmlText, ZeroWidthAndNbspDoNotSplitOrGlueWords) {
  EXPECT_EQ(Text("Vi&shy;a&#8203;g&zwj;ra"), "Viagra");
  EXPECT_EQ(Text("Vi\xC2\xAD"
                 "a\xE2\x80\x8B"
                 "gra"),
            "Viagra");
  EXPECT_EQ(Text("cheap&nbsp;&nbsp;&nbsp;meds"), "cheap meds");
  EXPECT_EQ(Text("\xEF\xBB\xBFstart"), "start");
}

TEST(HtmlText, LinksCarryTheirVisibleText) {
  HtmlRender r = Render(
      "<p>Your account: <a href=\" http://evil.example/login?x=1&amp;y=2 \">"
      "<b>www.paypal.com</b>\n <i>secure</i></a> now</p>");
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].url, "http://evil.example/login?x=1&y=2");
  EXPECT_EQ(r.links[0].text, "www.paypal.com secure");
  EXPECT_EQ(r.links[0].source, UrlSource::kHref);
  EXPECT_EQ(r.text, "Your account: www.paypal.com secure now");
}

TEST(HtmlText, LinkAttributesInAllQuotingStyles) {
  HtmlRender r = Render(
      "<a href=http://a.example/x?b=1>A</a><a HREF='http://b.example/'>B</a>"
      "<a title=\"x > y\" href = \"http://c.example/\">C</a><a href=\"\">empty</a>"
      "<a href=\"http://d.example/\n\tpath\">D</a>");
  ASSERT_EQ(r.links.size(), 4u);
  EXPECT_EQ(r.links[0].url, "http://a.example/x?b=1");
  EXPECT_EQ(r.links[0].text, "A");
  EXPECT_EQ(r.links[1].url, "http://b.example/");
  EXPECT_EQ(r.links[2].url, "http://c.example/");
  EXPECT_EQ(r.links[2].text, "C");
  EXPECT_EQ(r.links[3].url, "http://d.example/path");  // browsers drop tabs and newlines
  EXPECT_EQ(r.text, "ABCemptyD");
}

TEST(HtmlText, SourcesAndOtherLinkKinds) {
  HtmlRender r = Render(
      "<img src='http://t.example/pixel.gif' width=1><IMG SRC=http://i.example/a.png>"
      "<iframe src=http://f.example/>fallback</iframe><script src=http://s.example/x.js></script>"
      "<embed src=http://e.example/m.swf><map><area href=http://area.example/></map>"
      "<form action=http://phish.example/post><input type=image src=http://btn.example/go.png>"
      "</form><table background=http://bg.example/b.jpg><tr><td>x</td></tr></table>"
      "<meta http-equiv=Refresh content=\"0; URL='http://redirect.example/'\">");
  EXPECT_EQ(r.images, 2u);
  std::vector<std::pair<std::string, UrlSource>> got;
  for (const HtmlLink& l : r.links) got.emplace_back(l.url, l.source);
  std::vector<std::pair<std::string, UrlSource>> want = {
      {"http://t.example/pixel.gif", UrlSource::kSrc},
      {"http://i.example/a.png", UrlSource::kSrc},
      {"http://f.example/", UrlSource::kSrc},
      {"http://s.example/x.js", UrlSource::kSrc},
      {"http://e.example/m.swf", UrlSource::kSrc},
      {"http://area.example/", UrlSource::kHref},
      {"http://phish.example/post", UrlSource::kHref},
      {"http://btn.example/go.png", UrlSource::kSrc},
      {"http://bg.example/b.jpg", UrlSource::kSrc},
      {"http://redirect.example/", UrlSource::kHref},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.text, "x");  // iframe fallback content is not displayed
}

TEST(HtmlText, DataUrlsAreCutToTheirMediaType) {
  std::string html = "<img src=\"data:image/png;base64," + std::string(100000, 'A') + "\">";
  HtmlRender r = Render(html);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].url, "data:image/png;base64,");
}

TEST(HtmlText, NestedAnchorClosesTheFirst) {
  HtmlRender r = Render("<a href=http://one/>first <a href=http://two/>second</a> tail");
  ASSERT_EQ(r.links.size(), 2u);
  EXPECT_EQ(r.links[0].text, "first");
  EXPECT_EQ(r.links[1].text, "second");
  // An unclosed <a> takes the rest of the document as its text.
  HtmlRender open = Render("<a href=http://x/>click <b>here");
  ASSERT_EQ(open.links.size(), 1u);
  EXPECT_EQ(open.links[0].text, "click here");
}

TEST(HtmlText, HiddenTextIsCountedAndLeftOut) {
  struct Case {
    const char* html;
    const char* text;
  } cases[] = {
      {"Buy<div style=\"display:none\">poison words</div> now", "Buy\nnow"},
      {"Buy <span style='visibility:hidden'>poison</span>now", "Buy now"},
      {"Buy <span style=\"font-size:0px\">poison</span>now", "Buy now"},
      {"Buy <span style=\"FONT-SIZE: 1px; color:red\">poison</span>now", "Buy now"},
      {"Buy <span style=\"font: 0/0 a\">poison</span>now", "Buy now"},
      {"Buy <span style=\"opacity:0\">poison</span>now", "Buy now"},
      {"Buy <span style=\"color:#fff\">poison</span>now", "Buy now"},
      {"Buy <font color=\"#FEFEFE\">poison</font>now", "Buy now"},
      {"Buy <font color=white>poison</font>now", "Buy now"},
      {"Buy <span style=\"color:transparent\">poison</span>now", "Buy now"},
      {"Buy <span hidden>poison</span>now", "Buy now"},
      {"Buy <template>poison</template>now", "Buy now"},
      {"Buy <div style=\"max-height:0;overflow:hidden\">poison</div>now", "Buy\nnow"},
      {"Buy <span style=\"position:absolute;left:-9999px\">poison</span>now", "Buy now"},
      {"<body bgcolor=#000000>Buy <span>poison</span></body>", ""},  // black on black
      {"<td bgcolor=blue><font color=\"#0000fe\">poison</font></td>", ""},
  };
  for (const Case& c : cases) {
    HtmlRender r = Render(c.html);
    std::string want = c.text;
    if (want.empty()) {
      EXPECT_EQ(r.text.find("poison"), std::string::npos) << c.html;
    } else {
      EXPECT_EQ(r.text, want) << c.html;
    }
    EXPECT_GE(r.invisible_text, 1u) << c.html;
  }
}

TEST(HtmlText, VisibleTextIsNotMistakenForHidden) {
  struct Case {
    const char* html;
    const char* text;
  } cases[] = {
      // The inline-block whitespace fix: a zero font on the container, reset on children.
      {"<div style=\"font-size:0\"><span style=\"font-size:14px\">Hello</span></div>", "Hello"},
      {"<div style=\"visibility:hidden\"><p style=\"visibility:visible\">Hi</p></div>", "Hi"},
      {"<font size=1>small print</font>", "small print"},
      {"<font size=\"-2\">tiny but readable</font>", "tiny but readable"},
      {"<td bgcolor=\"#0066cc\"><font color=white>Call now</font></td>", "Call now"},
      {"<body bgcolor=black text=white>Night mode</body>", "Night mode"},
      {"<td style=\"background:url(x.jpg)\"><span style=\"color:#fff\">On image</span></td>",
       "On image"},
      {"<td background=\"x.jpg\"><font color=#ffffff>On image</font></td>", "On image"},
      {"<span style=\"color: unknown-thing\">odd css</span>", "odd css"},
      {"<div style=\"height:0\">no overflow rule</div>", "no overflow rule"},
      // A style sheet paints class backgrounds we do not compute: white text there is
      // trusted (from a Yahoo! News newsletter in the public corpus).
      {"<style>.hdr { background-color: #48669f }</style>"
       "<td class=hdr><font color=ffffff>Advanced</font></td>",
       "Advanced"},
  };
  for (const Case& c : cases) {
    HtmlRender r = Render(c.html);
    EXPECT_EQ(r.text, c.text) << c.html;
    EXPECT_EQ(r.invisible_text, 0u) << c.html;
  }
}

TEST(HtmlText, LayoutFillerIsNotHiddenText) {
  // Spacer dots and nbsp in the background colour are layout, not hidden words.
  HtmlRender r =
      Render("<td bgcolor=#dfeedc><font color=#dfeedc>....&nbsp;&nbsp;</font></td><td>Real</td>");
  EXPECT_EQ(r.invisible_text, 0u);
  EXPECT_EQ(r.text, "Real");
  // Without a sheet that sets backgrounds, a class does not excuse white-on-white.
  HtmlRender w =
      Render("<style>p { color: red }</style><div class=x><font color=white>poison</font></div>");
  EXPECT_EQ(w.invisible_text, 1u);
  EXPECT_EQ(w.text, "");
}

TEST(HtmlText, ColouredTextRuns) {
  HtmlRender r = Render(
      "<font color=red>FREE</font> <span style=\"color: rgb(0, 128, 0)\">money &amp; more"
      "</span> <span style=\"color:#333\">grey</span> <font color=black>black</font> plain");
  EXPECT_EQ(r.colored_text, 2u);  // one run each for red and green; an entity does not split
  EXPECT_EQ(r.invisible_text, 0u);
  EXPECT_EQ(r.text, "FREE money & more grey black plain");
  EXPECT_EQ(Render("<font color=chucknorris>legacy red</font>").colored_text, 1u);
  // Links are blue in every reader; that is not the sender colouring text.
  EXPECT_EQ(Render("<a href=http://x/>link</a>").colored_text, 0u);
  EXPECT_EQ(Render("<a href=http://x/ style='color:red'>red link</a>").colored_text, 1u);
}

TEST(HtmlText, LinksHaveTheLinkColour) {
  // Default-coloured text in a black cell is hidden, but a link there is drawn in blue.
  HtmlRender r = Render(
      "<table><tr><td bgcolor=black><a href=http://x/>ORDER NOW!</a> <span>poison</span>"
      "</td></tr></table>");
  EXPECT_EQ(r.text, "ORDER NOW!");
  EXPECT_EQ(r.invisible_text, 1u);
  // <body link=...> sets it; a link coloured like its background is hidden.
  HtmlRender same = Render("<body bgcolor=white link=white><a href=http://x/>remove</a></body>");
  EXPECT_EQ(same.text, "");
  EXPECT_EQ(same.invisible_text, 1u);
}

TEST(HtmlText, TablesSeparateCells) {
  EXPECT_EQ(Text("<table><tr><td>a<td>b<tr><td>c</table>d"), "a b\nc\nd");
  EXPECT_EQ(Text("<table><tr><td><table><tr><td>in</td><td>ner</td></tr></table></td>"
                 "<td>outer</td></tr></table>"),
            "in ner\nouter");
}

TEST(HtmlText, TableBackgroundsPaintCellsOnly) {
  // Text between table tags is moved out of the table by browsers: it is on the page
  // background, not the table's (a real spam form in the public corpus does this).
  HtmlRender fostered = Render(
      "<table bgcolor=#000000><font color=#000000>Name: ____</font><tr><td>"
      "<font color=white>cell</font></td></tr>"
      "</table>");
  EXPECT_EQ(fostered.invisible_text, 0u);
  EXPECT_NE(fostered.text.find("Name:"), std::string::npos);
  // Cells do get the table's (or row's) background.
  HtmlRender cell =
      Render("<table bgcolor=black><tr><td><font color=black>poison</font></td></tr></table>ok");
  EXPECT_EQ(cell.invisible_text, 1u);
  EXPECT_EQ(cell.text, "ok");
  HtmlRender row = Render(
      "<table><tr bgcolor=#ffff00><td><span style='color:yellow'>poison</span></td></tr></table>");
  EXPECT_EQ(row.invisible_text, 1u);
  // A stray </tr> inside an inner table must not close the outer table's row (and with it
  // the inner table): the text below stays on the inner table's light background.
  HtmlRender nested = Render(
      "<table bgcolor=#000000><tr><td><table bgcolor=#99ccff><tr><td>x</td></tr><td>y</td>"
      "</tr><tr><td><font color=black>visible</font></td></tr></table></td></tr></table>");
  EXPECT_EQ(nested.invisible_text, 0u);
  EXPECT_NE(nested.text.find("visible"), std::string::npos);
}

TEST(HtmlText, EndTagsDoNotEscapeTheirScope) {
  // </span> cannot close the hidden div's ancestors across a cell.
  HtmlRender r = Render(
      "<span><table><tr><td><div style=display:none>poison</span> still hidden</div>"
      "shown</td></tr></table></span>");
  EXPECT_EQ(r.text, "shown");
  EXPECT_EQ(r.invisible_text, 2u);  // two runs: the ignored </span> separates them
}

TEST(HtmlText, BrokenMarkup) {
  EXPECT_EQ(Text("<b>bold <i>italic"), "bold italic");
  EXPECT_EQ(Text("a < b and c > d"), "a < b and c > d");
  EXPECT_EQ(Text("1 <2 & 3>2"), "1 <2 & 3>2");
  EXPECT_EQ(Text("text<div"), "text");                       // tag cut by the end
  EXPECT_EQ(Text("x<a href=\"http://y>never closed"), "x");  // quote never closed
  EXPECT_EQ(Text("</>x</ >y</3>z"), "xyz");
  EXPECT_EQ(Text("x</"), "x</");
  EXPECT_EQ(Text("x<"), "x<");
  EXPECT_EQ(Text("<p =foo bar=>ok</p>"), "ok");
  EXPECT_EQ(Text("</div></span></p>stray end tags"), "stray end tags");
  EXPECT_EQ(Text("<p>one<p>two"), "one\n\ntwo");
}

TEST(HtmlText, PreTextareaAndPlaintext) {
  EXPECT_EQ(Text("<pre>a  b\n  c</pre>d"), "a  b\n  c\nd");
  EXPECT_EQ(Text("<textarea>x <b>&amp;</b></textarea>"), "x <b>&</b>");
  EXPECT_EQ(Text("<plaintext><b>raw</b>"), "<b>raw</b>");
}

TEST(HtmlText, AppendsToExistingText) {
  HtmlRender r;
  r.text = "before\n";
  RenderHtml("<p>after</p>", &r);
  EXPECT_EQ(r.text, "before\nafter");
}

TEST(HtmlText, HugeAttributeValues) {
  std::string html = "<div title=\"" + std::string(1 << 20, 'x') + "\" style='" +
                     std::string(1 << 16, ';') +
                     "display:none'>hidden</div><a href=" + std::string(1 << 20, 'y') + ">link</a>";
  HtmlRender r = Render(html);
  EXPECT_EQ(r.text, "link");
  EXPECT_EQ(r.invisible_text, 1u);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].url.size(), size_t{1} << 20);
}

TEST(HtmlText, DeepNestingIsBounded) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div><span>";
  html += "deep";
  for (int i = 0; i < 100000; ++i) html += "</span></div>";
  html += "after";
  EXPECT_EQ(Text(html), "deep\nafter");

  // Styles still apply at realistic depth.
  std::string hidden;
  for (int i = 0; i < 200; ++i) hidden += "<b>";
  hidden += "<span style=display:none>poison</span>shown";
  HtmlRender r = Render(hidden);
  EXPECT_EQ(r.text, "shown");
  EXPECT_EQ(r.invisible_text, 1u);

  // 100k unclosed formatting tags, then end tags that match nothing.
  std::string open(500000, ' ');
  for (size_t i = 0; i + 5 <= open.size(); i += 5) open.replace(i, 5, "<x1>a");
  for (int i = 0; i < 100000; ++i) open += "</zz>";
  EXPECT_EQ(Text(open).size(), 100000u);
}

// Deterministic pseudo-random markup soup: must never crash, and the text can only grow by
// what references expand to.
TEST(HtmlText, RandomMarkupSoup) {
  static const char* kPieces[] = {
      "<",      ">",        "</",          "<a href=", "\"",        "'",
      "&",      "&amp",     ";",           "&#x",      "1F600",     "<!--",
      "-->",    "<script>", "</script>",   "<p>",      "text ",     " ",
      "\n",     "<td>",     "<tr>",        "<table>",  "style=",    "display:none",
      "<font ", "color=",   "#fff",        "=",        "<![CDATA[", "]]>",
      "\xC3",   "\xA9",     "<img src=x>", "</a>",     "<br>",      "<div hidden>",
      "</div>", "&nbsp;",   "<pre>",       "<b>"};
  uint64_t state = 42;
  for (int round = 0; round < 300; ++round) {
    std::string html;
    int pieces = 1 + static_cast<int>(state % 200);
    for (int i = 0; i < pieces; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      html += kPieces[(state >> 33) % (sizeof(kPieces) / sizeof(kPieces[0]))];
    }
    HtmlRender r = Render(html);
    EXPECT_LE(r.text.size(), 4 * html.size() + 8) << html;
    for (const HtmlLink& l : r.links) EXPECT_LE(l.url.size(), 4 * html.size()) << html;
  }
}

}  // namespace
}  // namespace sluice::mime
