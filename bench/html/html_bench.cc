// html_bench.cc - throughput of RenderHtml, FindTextUrls and UrlHost on real mail HTML.
//
// Input: every text/html part of the corpus test split (.cache/corpus, `make corpus`), with
// its transfer encoding (quoted-printable, base64) removed, which is what the engine hands
// to RenderHtml (charset conversion is skipped: it does not change the markup). Parts are
// found by a small scan for "Content-Type: text/html" header blocks rather than the full
// parser, so this benchmark measures the HTML code alone. BM_ScanBaseline reads the same bytes with
// memchr for '<' and '&', the floor any tokenizer pays; report RenderHtml as MB/s and as a ratio to
// it (the machine is shared, so absolute numbers drift). Skips with a message when the corpus is
// absent.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "filter/mime/html_text.h"
#include "filter/mime/transfer_decode.h"
#include "filter/mime/url_scan.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Appends the decoded body of every part whose header block says Content-Type: text/html.
// A part's body runs from the blank line after its headers to the next "\n--" boundary line.
void ExtractHtmlParts(const std::string& raw, std::vector<std::string>* out, size_t* bytes) {
  const std::string lower = Lowered(raw);
  size_t pos = 0;
  while ((pos = lower.find("content-type: text/html", pos)) != std::string::npos) {
    // The header block containing it: back to the previous blank line, on to the next.
    size_t block_begin = lower.rfind("\n\n", pos);
    block_begin = block_begin == std::string::npos ? 0 : block_begin;
    size_t body = lower.find("\n\n", pos);
    if (body == std::string::npos) break;
    body += 2;
    const std::string_view headers(lower.data() + block_begin, body - block_begin);
    size_t end = lower.find("\n--", body);
    if (end == std::string::npos) end = raw.size();
    const std::string_view encoded(raw.data() + body, end - body);
    std::string decoded;
    if (headers.find("quoted-printable") != std::string_view::npos) {
      sluice::mime::DecodeQuotedPrintable(encoded, &decoded);
    } else if (headers.find("base64") != std::string_view::npos) {
      sluice::mime::DecodeBase64(encoded, &decoded);
    } else {
      decoded.assign(encoded);
    }
    *bytes += decoded.size();
    out->push_back(std::move(decoded));
    pos = end;
  }
}

struct Corpus {
  std::vector<std::string> html;      // HTML documents
  std::vector<std::string> messages;  // whole raw messages (plain-text URL scanning)
  std::vector<std::string> urls;      // every link found in the HTML
  size_t html_bytes = 0, message_bytes = 0;
};

const Corpus& LoadCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    const std::string root = std::string(SLUICE_SOURCE_DIR) + "/.cache/corpus/";
    for (const char* list : {"test.spam", "test.ham"}) {
      std::ifstream paths(root + list);
      std::string path;
      while (std::getline(paths, path)) {
        std::string raw = ReadFile(path);
        ExtractHtmlParts(raw, &c.html, &c.html_bytes);
        c.message_bytes += raw.size();
        c.messages.push_back(std::move(raw));
      }
    }
    for (const std::string& doc : c.html) {
      sluice::mime::HtmlRender r;
      sluice::mime::RenderHtml(doc, &r);
      for (const auto& link : r.links) c.urls.push_back(link.url);
    }
    return c;
  }();
  return corpus;
}

void BM_RenderHtml(benchmark::State& state) {
  const Corpus& c = LoadCorpus();
  if (c.html.empty()) {
    state.SkipWithError("no corpus HTML: run `make corpus`");
    return;
  }
  sluice::mime::HtmlRender r;
  for (auto _ : state) {
    for (const std::string& doc : c.html) {
      r.text.clear();
      r.links.clear();
      sluice::mime::RenderHtml(doc, &r);
      benchmark::DoNotOptimize(r.text.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.html_bytes));
  state.counters["docs/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * c.html.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RenderHtml)->Unit(benchmark::kMillisecond);

// The floor: touch every byte once looking for '<' and '&'.
void BM_ScanBaseline(benchmark::State& state) {
  const Corpus& c = LoadCorpus();
  for (auto _ : state) {
    size_t hits = 0;
    for (const std::string& doc : c.html) {
      for (const char* p = doc.data();
           (p = static_cast<const char*>(std::memchr(p, '<', doc.data() + doc.size() - p))); ++p) {
        ++hits;
      }
      for (const char* p = doc.data();
           (p = static_cast<const char*>(std::memchr(p, '&', doc.data() + doc.size() - p))); ++p) {
        ++hits;
      }
    }
    benchmark::DoNotOptimize(hits);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.html_bytes));
}
BENCHMARK(BM_ScanBaseline)->Unit(benchmark::kMillisecond);

void BM_FindTextUrls(benchmark::State& state) {
  const Corpus& c = LoadCorpus();
  std::vector<std::string> urls;
  for (auto _ : state) {
    for (const std::string& m : c.messages) {
      urls.clear();
      sluice::mime::FindTextUrls(m, &urls);
      benchmark::DoNotOptimize(urls.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.message_bytes));
}
BENCHMARK(BM_FindTextUrls)->Unit(benchmark::kMillisecond);

void BM_UrlHost(benchmark::State& state) {
  const Corpus& c = LoadCorpus();
  for (auto _ : state) {
    for (const std::string& u : c.urls) benchmark::DoNotOptimize(sluice::mime::UrlHost(u));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.urls.size()));
}
BENCHMARK(BM_UrlHost);

}  // namespace

BENCHMARK_MAIN();
