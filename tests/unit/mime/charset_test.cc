// charset_test.cc - charset conversion to UTF-8 (filter/mime/charset.h).
//
// The byte samples were produced with Python 3.11's codecs at test-writing time
// (text.encode(codec)), so each case checks glibc iconv plus our label mapping against an
// independent encoder. Invalid-UTF-8 expectations are Python's bytes.decode("utf-8",
// "replace"), which follows the Unicode "maximal subpart" rule as we do.
#include "filter/mime/charset.h"

#include <gtest/gtest.h>
#include <iconv.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice::mime {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

struct Sample {
  const char* label;
  std::string_view bytes;
  const char* utf8;
};

// label, bytes in that charset, expected UTF-8.
const Sample kSamples[] = {
    {"utf-8",
     std::string_view("Gr\303\274\303\237e, \344\275\240\345\245\275 \342\202\254 \360\237\230\200",
                      24),
     "Gr\303\274\303\237e, \344\275\240\345\245\275 \342\202\254 \360\237\230\200"},
    {"us-ascii", std::string_view("Hello, world", 12), "Hello, world"},
    {"iso-8859-1", std::string_view("Gr\374\337e caf\351 \377", 12),
     "Gr\303\274\303\237e caf\303\251 \303\277"},
    {"ISO-8859-2", std::string_view("Za\277\363\263\346 g\352\266l\261 ja\274\361", 17),
     "Za\305\274\303\263\305\202\304\207 g\304\231\305\233l\304\205 ja\305\272\305\204"},
    {"iso-8859-5", std::string_view("\277\340\330\322\325\342", 6),
     "\320\237\321\200\320\270\320\262\320\265\321\202"},
    {"iso-8859-7", std::string_view("\312\341\353\347\354\335\361\341", 8),
     "\316\232\316\261\316\273\316\267\316\274\316\255\317\201\316\261"},
    {"iso-8859-9", std::string_view("T\374rk\347e \360\375\376", 10),
     "T\303\274rk\303\247e \304\237\304\261\305\237"},
    {"iso-8859-15", std::string_view("\244uro \275uvre \246", 12),
     "\342\202\254uro \305\223uvre \305\240"},
    {"windows-1250", std::string_view("Za\277\363\263\346 \204x\224", 10),
     "Za\305\274\303\263\305\202\304\207 \342\200\236x\342\200\235"},
    {"windows-1251", std::string_view("\317\360\350\342\345\362 \354\350\360", 10),
     "\320\237\321\200\320\270\320\262\320\265\321\202 \320\274\320\270\321\200"},
    {"windows-1252", std::string_view("\223smart\224 quotes \226 \200 \205", 20),
     "\342\200\234smart\342\200\235 quotes \342\200\223 \342\202\254 \342\200\246"},
    {"windows-1253", std::string_view("\312\341\353\347\354\335\361\341", 8),
     "\316\232\316\261\316\273\316\267\316\274\316\255\317\201\316\261"},
    {"windows-1254", std::string_view("T\374rk\347e \360\375\376", 10),
     "T\303\274rk\303\247e \304\237\304\261\305\237"},
    {"windows-1255", std::string_view("\371\354\345\355", 4), "\327\251\327\234\327\225\327\235"},
    {"windows-1256", std::string_view("\343\321\315\310\307", 5),
     "\331\205\330\261\330\255\330\250\330\247"},
    {"windows-1257", std::string_view("\300\350\346 \376", 5), "\304\204\304\215\304\231 \305\276"},
    {"windows-1258", std::string_view("\320\365n \375\365", 6),
     "\304\220\306\241n \306\260\306\241"},
    {"koi8-r", std::string_view("\360\322\311\327\305\324 \315\311\322", 10),
     "\320\237\321\200\320\270\320\262\320\265\321\202 \320\274\320\270\321\200"},
    {"koi8-u", std::string_view("\360\322\311\327\246\324, \255\301\316\317\313", 13),
     "\320\237\321\200\320\270\320\262\321\226\321\202, \322\221\320\260\320\275\320\276\320\272"},
    {"gb2312", std::string_view("\304\343\272\303\312\300\275\347", 8),
     "\344\275\240\345\245\275\344\270\226\347\225\214"},
    {"gbk", std::string_view("\304\343\272\303 \351F", 7), "\344\275\240\345\245\275 \351\225\225"},
    {"gb2312", std::string_view("\351F (GBK char labelled gb2312)", 29),
     "\351\225\225 (GBK char labelled gb2312)"},
    {"gb18030", std::string_view("\304\343\272\303\242\343\2252\2026", 10),
     "\344\275\240\345\245\275\342\202\254\360\240\200\200"},
    {"big5", std::string_view("\244\244\244\345\264\372\270\325", 8),
     "\344\270\255\346\226\207\346\270\254\350\251\246"},
    {"shift_jis", std::string_view("\223\372\226{\214\352\203e\203L\203X\203g", 14),
     "\346\227\245\346\234\254\350\252\236\343\203\206\343\202\255\343\202\271\343\203\210"},
    {"shift_jis", std::string_view("\207@\207A NEC extension labelled shift_jis", 37),
     "\342\221\240\342\221\241 NEC extension labelled shift_jis"},
    {"euc-jp", std::string_view("\306\374\313\334\270\354\245\306\245\255\245\271\245\310", 14),
     "\346\227\245\346\234\254\350\252\236\343\203\206\343\202\255\343\202\271\343\203\210"},
    {"iso-2022-jp", std::string_view("\033$BF|K\1348l%F%-%9%H\033(B abc", 24),
     "\346\227\245\346\234\254\350\252\236\343\203\206\343\202\255\343\202\271\343\203\210 abc"},
    {"euc-kr", std::string_view("\307\321\261\271\276\356", 6),
     "\355\225\234\352\265\255\354\226\264"},
    {"ks_c_5601-1987", std::string_view("\214c\271\346\260\242\307\317", 8),
     "\353\230\240\353\260\251\352\260\201\355\225\230"},
    {"utf-7", std::string_view("Hi Mom -+Jjo--! +ZeVnLIqe-", 26),
     "Hi Mom -\342\230\272-! \346\227\245\346\234\254\350\252\236"},
    {"utf-16", std::string_view("\377\376G\000r\000\374\000\337\000e\000 \000`O}Y", 18),
     "Gr\303\274\303\237e \344\275\240\345\245\275"},
    {"utf-16le", std::string_view("G\000r\000\374\000\337\000e\000 \000`O}Y", 16),
     "Gr\303\274\303\237e \344\275\240\345\245\275"},
    {"utf-16be", std::string_view("\000G\000r\000\374\000\337\000e\000 O`Y}", 16),
     "Gr\303\274\303\237e \344\275\240\345\245\275"},
    {"utf-16",
     std::string_view("\000B\000O\000M\000-\000l\000e\000s\000s\000 "
                      "\000b\000i\000g\000-\000e\000n\000d\000i\000a\000n",
                      38),
     "BOM-less big-endian"},
    {"utf-16",
     std::string_view("B\000O\000M\000-\000l\000e\000s\000s\000 "
                      "\000l\000i\000t\000t\000l\000e\000-\000e\000n\000d\000i\000a\000n\000",
                      44),
     "BOM-less little-endian"},
    {"utf-32",
     std::string_view("\377\376\000\000G\000\000\000r\000\000\000\374\000\000\000\337\000\000\000e"
                      "\000\000\000 \000\000\000\000\366\001\000",
                      32),
     "Gr\303\274\303\237e \360\237\230\200"},
    {"utf-32be",
     std::string_view("\000\000\000G\000\000\000r\000\000\000\374\000\000\000\337\000\000\000e\000"
                      "\000\000 \000\001\366\000",
                      28),
     "Gr\303\274\303\237e \360\237\230\200"},
    {"utf-32le",
     std::string_view("G\000\000\000r\000\000\000\374\000\000\000\337\000\000\000e\000\000\000 "
                      "\000\000\000\000\366\001\000",
                      28),
     "Gr\303\274\303\237e \360\237\230\200"},
    {"tis-620", std::string_view("\312\307\321\312\264\325", 6),
     "\340\270\252\340\270\247\340\270\261\340\270\252\340\270\224\340\270\265"},
    {"windows-874", std::string_view("\312\307\321\312\264\325", 6),
     "\340\270\252\340\270\247\340\270\261\340\270\252\340\270\224\340\270\265"},
    {"iso-8859-8", std::string_view("\371\354\345\355", 4), "\327\251\327\234\327\225\327\235"},
    {"iso-8859-6", std::string_view("\345\321\315\310\307", 5),
     "\331\205\330\261\330\255\330\250\330\247"},
    {"iso-8859-4", std::string_view("\300\363\272", 3), "\304\200\304\267\304\223"},
    {"iso-8859-13", std::string_view("\300\350\346 \376", 5), "\304\204\304\215\304\231 \305\276"},
    {"iso-8859-16", std::string_view("\303\272", 2), "\304\202\310\231"},
    {"macintosh", std::string_view("caf\216 \252", 6), "caf\303\251 \342\204\242"},
    {"cp866", std::string_view("\217\340\250\242\245\342", 6),
     "\320\237\321\200\320\270\320\262\320\265\321\202"},
};

TEST(CharsetTest, EveryListedCharsetDecodesItsSample) {
  for (const Sample& s : kSamples) {
    std::string out;
    EXPECT_EQ(AppendUtf8(s.label, s.bytes, &out), CharsetResult::kOk) << s.label;
    EXPECT_EQ(out, s.utf8) << s.label;
  }
}

// Every byte of each single-byte charset, decoded by our table fast path, must match what
// iconv itself gives for that byte alone (U+FFFD where iconv reports EILSEQ).
TEST(CharsetTest, ByteTablesMatchIconvForEverySingleByteCharset) {
  const char* labels[] = {"iso-8859-2",   "iso-8859-5",   "iso-8859-7",   "iso-8859-9",
                          "iso-8859-15",  "iso-8859-16",  "windows-1250", "windows-1251",
                          "windows-1253", "windows-1254", "windows-1256", "windows-1257",
                          "koi8-r",       "koi8-u",       "cp866",        "macintosh",
                          "tis-620",      "windows-874",  "cp037"};
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (const char* label : labels) {
    iconv_t cd = iconv_open("UTF-8", label);
    ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1)) << label;
    std::string expected;
    bool any_invalid = false;
    for (int b = 0; b < 256; ++b) {
      char in = static_cast<char>(b);
      char buf[16];
      char* ip = &in;
      size_t il = 1;
      char* op = buf;
      size_t ol = sizeof buf;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
      if (iconv(cd, &ip, &il, &op, &ol) == static_cast<size_t>(-1)) {
        expected += kFffd;
        any_invalid = true;
      } else {
        expected.append(buf, sizeof buf - ol);
      }
    }
    iconv_close(cd);
    std::string out;
    CharsetResult r = AppendUtf8(label, all, &out);
    EXPECT_EQ(out, expected) << label;
    EXPECT_EQ(r, any_invalid ? CharsetResult::kInvalidBytes : CharsetResult::kOk) << label;
  }
}

// Japanese mail readers decode iso-2022-jp and euc-jp with Microsoft's extensions
// (CP50221, eucJP-ms); expectations were checked with Python (euc_jis_2004, cp932,
// iso2022_jp_ext, iso2022_jp_2), which needs a different codec for each.
TEST(CharsetTest, JapaneseExtensionsDecodeLikeMailReaders) {
  std::string out;
  // php-mime-mail-parser issue 116: NEC row 13 "№" inside ESC $ B.
  EXPECT_EQ(AppendUtf8("iso-2022-jp", "\x1b$B'('%-b\x1b(B41 \x1b$B'`'d\x1b(B 28.09.2016", &out),
            CharsetResult::kOk);
  EXPECT_EQ(out, "ЖД№41 от 28.09.2016");
  out.clear();
  EXPECT_EQ(AppendUtf8("iso-2022-jp",
                       "\x1b(I12\x1b(B \x0e"
                       "1\x0f",
                       &out),
            CharsetResult::kOk);
  EXPECT_EQ(out, "ｱｲ ｱ");  // half-width katakana by ESC ( I and by SO/SI
  out.clear();
  EXPECT_EQ(AppendUtf8("iso-2022-jp", "\x1b$(D0!\x1b(B", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "丂");  // JIS X 0212
  out.clear();
  EXPECT_EQ(AppendUtf8("iso-2022-jp", "\x1b$B!A\x1b(B", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "〜");  // WAVE DASH as in Python, not CP932's FULLWIDTH TILDE
  out.clear();
  EXPECT_EQ(AppendUtf8("iso-2022-jp", "\x1b$ADc\x1b(B", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "你");  // ISO-2022-JP-2's GB 2312 designation: glibc's decoder takes over
  out.clear();
  EXPECT_EQ(AppendUtf8("iso-2022-jp", "\x1b$BF", &out), CharsetResult::kInvalidBytes);
  EXPECT_EQ(out, std::string(kFffd));  // half a character
  out.clear();
  EXPECT_EQ(AppendUtf8("euc-jp", "\xad\xa1\xa4\xa2", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "①あ");
  out.clear();
  EXPECT_EQ(AppendUtf8("euc-jp",
                       "a\xa9\xa1"
                       "b",
                       &out),
            CharsetResult::kInvalidBytes);
  EXPECT_EQ(out, "a" + std::string(kFffd) + "b");  // an empty cell: one U+FFFD for the pair
}

TEST(CharsetTest, LabelsAreCaseInsensitiveAndTrimmed) {
  std::string a, b, c;
  AppendUtf8("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", &a);
  AppendUtf8(" \"koi8-r\" ", "\xf0\xd2\xc9\xd7\xc5\xd4", &b);
  AppendUtf8("Koi8_R", "\xf0\xd2\xc9\xd7\xc5\xd4", &c);
  EXPECT_EQ(a, "Привет");
  EXPECT_EQ(b, a);
  EXPECT_EQ(c, a);
}

TEST(CharsetTest, AppendsWithoutClearing) {
  std::string out = "prefix:";
  EXPECT_EQ(AppendUtf8("iso-8859-5", "\xbf", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "prefix:П");
}

TEST(CharsetTest, CanonicalNamesOfAliasesAndMislabels) {
  EXPECT_EQ(CanonicalCharset("latin1"), "iso-8859-1");
  EXPECT_EQ(CanonicalCharset("ISO8859-1"), "iso-8859-1");
  EXPECT_EQ(CanonicalCharset("iso_8859-15"), "iso-8859-15");
  EXPECT_EQ(CanonicalCharset("ISO-8859-1:1987"), "iso-8859-1");
  EXPECT_EQ(CanonicalCharset("iso-8859-8-i"), "iso-8859-8");
  EXPECT_EQ(CanonicalCharset("utf8"), "utf-8");
  EXPECT_EQ(CanonicalCharset("UTF-8"), "utf-8");
  EXPECT_EQ(CanonicalCharset("ks_c_5601-1987"), "cp949");
  EXPECT_EQ(CanonicalCharset("x-sjis"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("Shift-JIS"), "shift_jis");
  EXPECT_EQ(CanonicalCharset("unicode-1-1-utf-7"), "utf-7");
  EXPECT_EQ(CanonicalCharset("cp-1251"), "windows-1251");
  EXPECT_EQ(CanonicalCharset("win-1251"), "windows-1251");
  EXPECT_EQ(CanonicalCharset("x-cp1250"), "windows-1250");
  EXPECT_EQ(CanonicalCharset("cp1252"), "windows-1252");
  EXPECT_EQ(CanonicalCharset("ascii"), "us-ascii");
  EXPECT_EQ(CanonicalCharset("ANSI_X3.4-1968"), "us-ascii");
  EXPECT_EQ(CanonicalCharset("x-gbk"), "gbk");
  EXPECT_EQ(CanonicalCharset("cp936"), "gbk");
  EXPECT_EQ(CanonicalCharset("euc-cn"), "gb2312");
  EXPECT_EQ(CanonicalCharset("x-euc-jp"), "euc-jp");
  EXPECT_EQ(CanonicalCharset("koi8r"), "koi8-r");
  EXPECT_EQ(CanonicalCharset("UCS-2"), "utf-16");
  EXPECT_EQ(CanonicalCharset(""), "");
  // Not an alias: passed on lower-cased for iconv to judge.
  EXPECT_EQ(CanonicalCharset("IBM037"), "cp037");
  EXPECT_EQ(CanonicalCharset("x-no-such"), "x-no-such");
}

TEST(CharsetTest, MislabelsDecodeAsTheirSuperset) {
  std::string out;
  // cp1252 smart quotes labelled latin-1, as mail readers decode them.
  EXPECT_EQ(AppendUtf8("latin1", "\x93x\x94", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "“x”");
  out.clear();
  EXPECT_EQ(AppendUtf8("x-sjis", "\x93\xfa\x96{", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "日本");
  out.clear();
  EXPECT_EQ(AppendUtf8("unicode-1-1-utf-7", "+ZeVnLA-", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "日本");
  out.clear();
  EXPECT_EQ(AppendUtf8("cp-1251", "\xcf\xf0\xe8", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "При");
}

struct InvalidUtf8 {
  std::string_view bytes;
  const char* expected;
};
const InvalidUtf8 kInvalidUtf8[] = {
    {std::string_view("a\200b", 3), "a\357\277\275b"},
    {std::string_view("\303", 1), "\357\277\275"},
    {std::string_view("\342\202", 2), "\357\277\275"},
    {std::string_view("\342\202x", 3), "\357\277\275x"},
    {std::string_view("\360\237\230", 3), "\357\277\275"},
    {std::string_view("\300\257", 2), "\357\277\275\357\277\275"},
    {std::string_view("\355\240\200z", 4), "\357\277\275\357\277\275\357\277\275z"},
    {std::string_view("\364\220\200\200", 4), "\357\277\275\357\277\275\357\277\275\357\277\275"},
    {std::string_view("\377\376", 2), "\357\277\275\357\277\275"},
    {std::string_view("ok\351t\351", 5), "ok\357\277\275t\357\277\275"},
    {std::string_view("\360\200\200\200", 4), "\357\277\275\357\277\275\357\277\275\357\277\275"},
    {std::string_view("\340\237\277", 3), "\357\277\275\357\277\275\357\277\275"},
};

TEST(CharsetTest, InvalidUtf8IsReplacedLikePython) {
  for (const InvalidUtf8& c : kInvalidUtf8) {
    std::string out;
    EXPECT_EQ(AppendUtf8("utf-8", c.bytes, &out), CharsetResult::kInvalidBytes);
    EXPECT_EQ(out, c.expected);
  }
}

TEST(CharsetTest, InvalidMultibyteSequencesBecomeReplacementAndDecodingGoesOn) {
  std::string out;
  // 0xFF is never valid in Shift_JIS / CP932.
  EXPECT_EQ(AppendUtf8("shift_jis", "\x93\xfa\xff abc \x96{", &out), CharsetResult::kInvalidBytes);
  EXPECT_EQ(out, std::string("日") + std::string(kFffd) + " abc 本");
  out.clear();
  EXPECT_EQ(AppendUtf8("euc-kr", "\xc7\xd1\xff\xb1\xb9", &out), CharsetResult::kInvalidBytes);
  EXPECT_EQ(out, std::string("한") + std::string(kFffd) + "국");
  out.clear();
  // koi8-r maps every byte: never invalid.
  EXPECT_EQ(AppendUtf8("koi8-r", "\x80\xff", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "─Ъ");
}

TEST(CharsetTest, TruncatedSequenceAtTheEndBecomesOneReplacement) {
  std::string out;
  EXPECT_EQ(AppendUtf8("gb18030", "ok\xc4", &out), CharsetResult::kInvalidBytes);
  EXPECT_EQ(out, std::string("ok") + std::string(kFffd));
  out.clear();
  EXPECT_EQ(AppendUtf8("utf-16le", std::string_view("A\0B", 3), &out),
            CharsetResult::kInvalidBytes);
  EXPECT_EQ(out, std::string("AB").substr(0, 1) + std::string(kFffd));
}

TEST(CharsetTest, UnknownCharsetIsBestEffort) {
  std::string out;
  EXPECT_EQ(AppendUtf8("x-no-such-charset", "caf\xc3\xa9", &out), CharsetResult::kUnknown);
  EXPECT_EQ(out, "café");  // valid UTF-8 kept
  out.clear();
  EXPECT_EQ(AppendUtf8("x-no-such-charset", "caf\xe9 \x80", &out), CharsetResult::kUnknown);
  EXPECT_EQ(out, "café €");  // else windows-1252
  out.clear();
  EXPECT_EQ(AppendUtf8("x-no-such-charset", "plain", &out), CharsetResult::kUnknown);
  EXPECT_EQ(out, "plain");
}

TEST(CharsetTest, LabelsThatAreNotNamesAreUnknownNotIconvOptions) {
  std::string out;
  // "//TRANSLIT" or "//IGNORE" would change iconv's behaviour: such labels are refused.
  EXPECT_EQ(AppendUtf8("utf-8//IGNORE", "a\xe9", &out), CharsetResult::kUnknown);
  EXPECT_EQ(out, "aé");
  out.clear();
  EXPECT_EQ(AppendUtf8(std::string(200, 'a'), "x", &out), CharsetResult::kUnknown);
  EXPECT_EQ(out, "x");
}

TEST(CharsetTest, OutputIsValidUtf8EvenWhereIconvIsLax) {
  // Found by fuzzing: glibc reaches its lax UTF-8 pass-through for some spellings and lets
  // a sequence above U+10FFFF through; we promise valid UTF-8 regardless.
  for (const char* label : {"utf+8", "UTF8", "utf-8", "utf)8"}) {
    std::string out;
    EXPECT_NE(AppendUtf8(label, "a\xf6\x89\xb9\x9f\xc3", &out), CharsetResult::kOk) << label;
    EXPECT_TRUE(IsValidUtf8(out)) << label;
    EXPECT_EQ(out.substr(0, 1), "a") << label;
  }
}

TEST(CharsetTest, EmptyAndAsciiLabelTakeUtf8ElseWindows1252) {
  std::string out;
  EXPECT_EQ(AppendUtf8("", "plain", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "plain");
  out.clear();
  EXPECT_EQ(AppendUtf8("", "caf\xc3\xa9", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "café");
  out.clear();
  EXPECT_EQ(AppendUtf8("us-ascii", "caf\xe9", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "café");
  out.clear();
  EXPECT_EQ(AppendUtf8("us-ascii", "", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "");
}

TEST(CharsetTest, NulBytesSurvive) {
  std::string out;
  EXPECT_EQ(AppendUtf8("utf-8", std::string_view("a\0b", 3), &out), CharsetResult::kOk);
  EXPECT_EQ(out, std::string_view("a\0b", 3));
  out.clear();
  EXPECT_EQ(AppendUtf8("koi8-r", std::string_view("\xf0\0", 2), &out), CharsetResult::kOk);
  EXPECT_EQ(out, std::string_view("П\0", 3));
  out.clear();
  EXPECT_EQ(AppendUtf8("utf-16be", std::string_view("\0a\0\0\0b", 6), &out), CharsetResult::kOk);
  EXPECT_EQ(out, std::string_view("a\0b", 3));
}

TEST(CharsetTest, StatefulDecoderStartsFreshOnEveryCall) {
  std::string out;
  // Ends in the JIS X 0208 shift state, without the closing ESC ( B.
  AppendUtf8("iso-2022-jp", "\x1b$BF|", &out);
  EXPECT_EQ(out, "日");
  out.clear();
  // "F|" again, now in ASCII state: must decode as ASCII, not as a kanji.
  EXPECT_EQ(AppendUtf8("iso-2022-jp", "F|", &out), CharsetResult::kOk);
  EXPECT_EQ(out, "F|");
}

TEST(CharsetTest, HugeInputConvertsCompletely) {
  // 4 MiB of Cyrillic in windows-1251: two UTF-8 bytes per input byte.
  std::string in(4 << 20, '\xcf');
  std::string out;
  EXPECT_EQ(AppendUtf8("windows-1251", in, &out), CharsetResult::kOk);
  ASSERT_EQ(out.size(), in.size() * 2);
  EXPECT_EQ(out.substr(0, 4), "ПП");
  EXPECT_EQ(out.substr(out.size() - 2), "П");
  // Three UTF-8 bytes per input byte (the euro sign in windows-1253 via iconv).
  std::string euros(1 << 20, '\x80');
  out.clear();
  EXPECT_EQ(AppendUtf8("windows-1253", euros, &out), CharsetResult::kOk);
  EXPECT_EQ(out.size(), euros.size() * 3);
}

TEST(CharsetTest, ManyCharsetsInTurnExerciseTheHandleCache) {
  // More labels than the per-thread cache holds, twice, so evicted handles are reopened.
  for (int round = 0; round < 2; ++round) {
    for (const Sample& s : kSamples) {
      std::string out;
      AppendUtf8(s.label, s.bytes, &out);
      ASSERT_EQ(out, s.utf8) << s.label << " round " << round;
    }
  }
}

TEST(CharsetTest, ThreadsConvertConcurrently) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        for (const Sample& s : kSamples) {
          std::string out;
          AppendUtf8(s.label, s.bytes, &out);
          if (out != s.utf8) ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(CharsetTest, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii, long enough for the word loop"));
  EXPECT_TRUE(IsValidUtf8("Grüße 你好 😀"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));         // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));     // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xc3"));      // truncated after the word loop
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xfe"));
}

}  // namespace
}  // namespace sluice::mime
