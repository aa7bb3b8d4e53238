// url_scan_test.cc - FindTextUrls() and UrlHost() (filter/mime/url_scan.h).
//
// Numeric-host expectations were checked against the WHATWG URL parser as shipped in
// browsers (new URL("http://3232235777/").hostname == "192.168.1.1").
#include "filter/mime/url_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::mime {
namespace {

std::vector<std::string> Find(std::string_view text) {
  std::vector<std::string> out;
  FindTextUrls(text, &out);
  return out;
}

using Urls = std::vector<std::string>;

TEST(FindTextUrls, SchemesAndWww) {
  EXPECT_EQ(Find("Visit http://example.com/path?a=1&b=2#frag today"),
            Urls{"http://example.com/path?a=1&b=2#frag"});
  EXPECT_EQ(Find("HTTPS://Secure.Example.org and ftp://files.example.net/pub/x.tgz"),
            (Urls{"HTTPS://Secure.Example.org", "ftp://files.example.net/pub/x.tgz"}));
  EXPECT_EQ(Find("go to www.cheap-meds.biz/order now"), Urls{"www.cheap-meds.biz/order"});
  EXPECT_EQ(Find("http://a.example/x\nhttp://b.example/y"),
            (Urls{"http://a.example/x", "http://b.example/y"}));
}

TEST(FindTextUrls, TrimsProsePunctuation) {
  EXPECT_EQ(Find("See http://example.com/path."), Urls{"http://example.com/path"});
  EXPECT_EQ(Find("Really?! http://example.com/?q=1!?"), Urls{"http://example.com/?q=1"});
  EXPECT_EQ(Find("(see http://example.com/x), or"), Urls{"http://example.com/x"});
  EXPECT_EQ(Find("[http://example.com/]"), Urls{"http://example.com/"});
  EXPECT_EQ(Find("'http://example.com/q'"), Urls{"http://example.com/q"});
  EXPECT_EQ(Find("\"http://example.com/q\""), Urls{"http://example.com/q"});
  EXPECT_EQ(Find("\xE2\x80\x9Chttp://example.com/q\xE2\x80\x9D"), Urls{"http://example.com/q"});
  EXPECT_EQ(Find("http://example.com/q\xE3\x80\x82next"), Urls{"http://example.com/q"});
  // Balanced brackets are part of the URL.
  EXPECT_EQ(Find("(http://en.wikipedia.org/wiki/Foo_(bar))."),
            Urls{"http://en.wikipedia.org/wiki/Foo_(bar)"});
  EXPECT_EQ(Find("http://example.com/a:"), Urls{"http://example.com/a"});
}

TEST(FindTextUrls, AngleBracketsAndNbsp) {
  EXPECT_EQ(Find("<http://example.com/a> and <www.example.org>"),
            (Urls{"http://example.com/a", "www.example.org"}));
  EXPECT_EQ(Find("URL:http://example.com/x\xC2\xA0more"), Urls{"http://example.com/x"});
}

TEST(FindTextUrls, BareIpv4) {
  EXPECT_EQ(Find("login at 203.0.113.5/secure now"), Urls{"203.0.113.5/secure"});
  EXPECT_EQ(Find("admin 10.0.0.1:8080/x"), Urls{"10.0.0.1:8080/x"});
  EXPECT_EQ(Find("http://192.168.1.1/x"), Urls{"http://192.168.1.1/x"});
  EXPECT_TRUE(Find("version 1.2.3.4 released").empty());
  EXPECT_TRUE(Find("1.2.3.400/x").empty());
  EXPECT_TRUE(Find("v1.2.3.4/x").empty());
}

TEST(FindTextUrls, NotUrls) {
  EXPECT_TRUE(Find("mail me at mailto:user@example.com").empty());
  EXPECT_TRUE(Find("user@www.example.com").empty());
  EXPECT_TRUE(Find("the www.example word").empty());
  EXPECT_TRUE(Find("http:// nothing").empty());
  EXPECT_TRUE(Find("xhttp://example.com").empty());
  EXPECT_TRUE(Find("awww.example.com").empty());
  EXPECT_TRUE(Find("").empty());
  EXPECT_TRUE(Find("http://").empty());
  EXPECT_TRUE(Find("www.").empty());
  EXPECT_TRUE(Find("www.example.").empty());
  EXPECT_TRUE(Find("www.-x.com").empty());
  EXPECT_EQ(Find("www.-x.com www.ok.com"), Urls{"www.ok.com"});
}

TEST(FindTextUrls, IdnAndNonAscii) {
  EXPECT_EQ(Find("visit http://b\xC3\xBC"
                 "cher.example/ now"),
            Urls{"http://b\xC3\xBC"
                 "cher.example/"});
  EXPECT_EQ(Find("http://\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84"),
            Urls{"http://\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84"});
}

TEST(FindTextUrls, LinearOnPathologicalInput) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "http://";
  text += " www.www.www.";
  for (int i = 0; i < 20000; ++i) text += "(((";
  std::vector<std::string> out;
  FindTextUrls(text, &out);  // finishes; "http://http://..." has no valid host
  for (const std::string& u : out) EXPECT_FALSE(u.empty());

  // Rejected "www." candidates must not rescan the rest of the text each time (this input
  // took minutes when they did).
  std::string fake;
  for (int i = 0; i < 100000; ++i) fake += "www.-,";
  out.clear();
  FindTextUrls(fake, &out);
  EXPECT_TRUE(out.empty());
  std::string many;
  for (int i = 0; i < 100000; ++i) many += " www.x.y www.z.";
  out.clear();
  FindTextUrls(many, &out);
  ASSERT_EQ(out.size(), 100000u);  // "www.z." has no dot inside its host once trimmed
  EXPECT_EQ(out[0], "www.x.y");
}

TEST(UrlHost, Basics) {
  EXPECT_EQ(UrlHost("http://User:pw@WWW.Example.COM:80/x"), "www.example.com");
  EXPECT_EQ(UrlHost("https://example.com"), "example.com");
  EXPECT_EQ(UrlHost("https://example.com?q=1"), "example.com");
  EXPECT_EQ(UrlHost("https://example.com#top"), "example.com");
  EXPECT_EQ(UrlHost("  http://example.com./  "), "example.com");
  EXPECT_EQ(UrlHost("www.Example.com/path"), "www.example.com");
  EXPECT_EQ(UrlHost("www.example.com:8080/path"), "www.example.com");
  EXPECT_EQ(UrlHost("//cdn.example.net/lib.js"), "cdn.example.net");
  EXPECT_EQ(UrlHost("ftp://files.example.org/pub"), "files.example.org");
}

TEST(UrlHost, BrowserLeniency) {
  EXPECT_EQ(UrlHost("http:\\\\evil.example\\path"), "evil.example");
  EXPECT_EQ(UrlHost("http:///evil.example/"), "evil.example");
  EXPECT_EQ(UrlHost("HTTP:evil.example"), "evil.example");
  EXPECT_EQ(UrlHost("http://paypal.com@evil.example/"), "evil.example");
  EXPECT_EQ(UrlHost("http://a@b@evil.example/"), "evil.example");
  EXPECT_EQ(UrlHost("http://%65%76%69%6C.example/"), "evil.example");
  EXPECT_EQ(UrlHost("http://evil\xE3\x80\x82"
                    "example/"),
            "evil.example");  // ideographic dot
  EXPECT_EQ(UrlHost("http://evil\xEF\xBC\x8E"
                    "example/"),
            "evil.example");  // full-width dot
}

TEST(UrlHost, NumericIpv4) {
  EXPECT_EQ(UrlHost("http://192.168.1.1/"), "192.168.1.1");
  EXPECT_EQ(UrlHost("http://3232235777/"), "192.168.1.1");
  EXPECT_EQ(UrlHost("http://0xC0A80101/"), "192.168.1.1");
  EXPECT_EQ(UrlHost("http://0300.0250.01.01/"), "192.168.1.1");
  EXPECT_EQ(UrlHost("http://0xc0.0xa8.1.1/"), "192.168.1.1");
  EXPECT_EQ(UrlHost("http://192.168.257/"), "192.168.1.1");  // last part fills two bytes
  EXPECT_EQ(UrlHost("http://127.1/"), "127.0.0.1");
  EXPECT_EQ(UrlHost("203.0.113.5/secure"), "203.0.113.5");
  EXPECT_EQ(UrlHost("10.0.0.1:8080/x"), "10.0.0.1");
  // Not addresses: kept as written (a browser refuses them; rules may still want to see them).
  EXPECT_EQ(UrlHost("http://256.256.256.256/"), "256.256.256.256");
  EXPECT_EQ(UrlHost("http://1.2.3.4.5/"), "1.2.3.4.5");
  EXPECT_EQ(UrlHost("http://08.1.1.1/"), "08.1.1.1");
  EXPECT_EQ(UrlHost("http://example.123abc/"), "example.123abc");
}

TEST(UrlHost, Ipv6AndIdn) {
  EXPECT_EQ(UrlHost("http://[2001:DB8::1]:8080/x"), "[2001:db8::1]");
  EXPECT_EQ(UrlHost("http://[::1]/"), "[::1]");
  EXPECT_EQ(UrlHost("http://B\xC3\x9C"
                    "CHER.example/"),
            "b\xC3\xBC"
            "cher.example");
  EXPECT_EQ(UrlHost("http://\xD0\x9F\xD0\xA0\xD0\x98\xD0\x9C\xD0\x95\xD0\xA0.\xD0\xA0\xD0\xA4/"),
            "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84");
  EXPECT_EQ(UrlHost("http://xn--bcher-kva.example/"), "xn--bcher-kva.example");
}

TEST(UrlHost, NoHost) {
  EXPECT_EQ(UrlHost(""), "");
  EXPECT_EQ(UrlHost("mailto:user@example.com"), "");
  EXPECT_EQ(UrlHost("javascript:alert(1)"), "");
  EXPECT_EQ(UrlHost("data:text/html;base64,AAAA"), "");
  EXPECT_EQ(UrlHost("#top"), "");
  EXPECT_EQ(UrlHost("/relative/path"), "");
  EXPECT_EQ(UrlHost("http://"), "");
  EXPECT_EQ(UrlHost("http://user@/x"), "");
}

}  // namespace
}  // namespace sluice::mime
