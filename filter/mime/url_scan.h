// url_scan.h - URLs in plain text, and the host of a URL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::mime {

// Appends the URLs found in UTF-8 plain text: scheme URLs (http, https, ftp), "www."
// hosts, and bare IP-literal URLs; trailing punctuation and closing brackets not part of
// the URL are trimmed. mailto: addresses are not URLs here.
void FindTextUrls(std::string_view text, std::vector<std::string>* out);
// The same, as views into `text` (no copies: what the parser's hot path uses).
void FindTextUrls(std::string_view text, std::vector<std::string_view>* out);

// Lower-case host of a URL ("http://User@WWW.Example.COM:80/x" -> "www.example.com");
// handles scheme-less "www." URLs, IPv4 and [IPv6] literals, percent-encoded and
// numeric-obfuscated hosts (decimal/hex IPv4 -> dotted quad). "" when there is none.
std::string UrlHost(std::string_view url);
// The same into *out (replacing its contents, reusing its capacity).
void UrlHostInto(std::string_view url, std::string* out);

}  // namespace sluice::mime
