// html_fuzz.cc - libFuzzer target for the HTML renderer, URL scanner and content sniffer.
//
// Renders the input as HTML (twice into the same HtmlRender, as the engine does for several
// parts), scans the visible text and the raw input for URLs, takes the host of every URL and
// link, decodes the input as an attribute value and sniffs its type. Checks what the
// contracts promise: the output is bounded by the input (entities expand at most ~2x, link
// text is capped), appending keeps earlier text, found URLs are substrings of what was
// scanned, and hosts have no upper-case ASCII. A violated invariant aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/html_text.h"
#include "filter/mime/sniff.h"
#include "filter/mime/url_scan.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckHost(std::string_view url) {
  std::string host = sluice::mime::UrlHost(url);
  for (char c : host) Check(!(c >= 'A' && c <= 'Z'));
  Check(host.size() <= url.size() + 15);  // "1" is the address 0.0.0.1
}

void CheckUrls(std::string_view text) {
  std::vector<std::string> urls;
  sluice::mime::FindTextUrls(text, &urls);
  for (const std::string& u : urls) {
    Check(!u.empty() && text.find(u) != std::string_view::npos);
    CheckHost(u);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  sluice::mime::HtmlRender r;
  sluice::mime::RenderHtml(input, &r);
  Check(r.text.size() <= 3 * size + 16);
  Check(r.images <= size && r.colored_text <= size && r.invisible_text <= size);
  for (const sluice::mime::HtmlLink& link : r.links) {
    Check(!link.url.empty() && link.url.size() <= 3 * size);
    Check(link.text.size() <= 1024 + 4);
    CheckHost(link.url);
  }
  const std::string first = r.text;
  const size_t first_links = r.links.size();
  sluice::mime::RenderHtml(input, &r);
  Check(r.text.compare(0, first.size(), first) == 0);
  Check(r.links.size() == 2 * first_links);

  CheckUrls(first);
  CheckUrls(input);

  std::string decoded;
  sluice::mime::DecodeHtmlEntities(input, &decoded);
  Check(decoded.size() <= 3 * size);

  std::string_view type = sluice::mime::SniffType(input);
  Check(type.empty() || type.find('/') != std::string_view::npos);
  return 0;
}
