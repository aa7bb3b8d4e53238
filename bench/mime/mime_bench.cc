// mime_bench.cc - throughput of the MIME engine: parse + transfer decode + charset
// conversion + HTML-to-text, on whole messages of the public corpus test split.
//
// The corpus list files (test.spam, test.ham: one path per line) are read from $CORPUS_DIR,
// else <source>/.cache/corpus (`make corpus`). Without them the corpus benchmarks are skipped
// with a message. The shared MIME cases (<source>/../shared/mime-cases) are timed one by one
// and the slowest are printed against the 100 ms per-message budget, then benchmarked.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "filter/mime/message.h"

namespace {

namespace fs = std::filesystem;

struct Corpus {
  std::vector<std::string> messages;
  size_t bytes = 0;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

fs::path CorpusDir() {
  if (const char* dir = std::getenv("CORPUS_DIR"); dir && *dir) return dir;
  return fs::path(SLUICE_SOURCE_DIR) / ".cache" / "corpus";
}

Corpus LoadSplit(const std::vector<std::string>& lists) {
  Corpus corpus;
  fs::path dir = CorpusDir();
  for (const auto& list : lists) {
    std::ifstream in(dir / list);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      fs::path path(line);
      if (path.is_relative()) path = dir / path;
      corpus.messages.push_back(ReadFile(path));
      corpus.bytes += corpus.messages.back().size();
    }
  }
  return corpus;
}

const Corpus& TestSplit() {
  static const Corpus corpus = LoadSplit({"test.spam", "test.ham"});
  return corpus;
}

void RunOver(benchmark::State& state, const std::vector<std::string>& messages, size_t bytes) {
  if (messages.empty()) {
    state.SkipWithError("corpus not found: run `make corpus` or set CORPUS_DIR");
    return;
  }
  sluice::mime::Parser parser;
  size_t sink = 0;
  for (auto _ : state) {
    for (const auto& raw : messages) {
      const auto& m = parser.Parse(raw);
      sink += m.visible_text.size() + m.urls.size();
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
}

// Whole messages of the test split (spam and ham), one warm Parser.
void BM_ParseTestSplit(benchmark::State& state) {
  RunOver(state, TestSplit().messages, TestSplit().bytes);
}
BENCHMARK(BM_ParseTestSplit)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The same with a fresh Parser per message: the cost of not reusing buffers.
void BM_ParseTestSplitColdParser(benchmark::State& state) {
  const Corpus& corpus = TestSplit();
  if (corpus.messages.empty()) {
    state.SkipWithError("corpus not found: run `make corpus` or set CORPUS_DIR");
    return;
  }
  size_t sink = 0;
  for (auto _ : state) {
    for (const auto& raw : corpus.messages) {
      sluice::mime::Message m = sluice::mime::Parse(raw);
      sink += m.visible_text.size();
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.messages.size()));
}
BENCHMARK(BM_ParseTestSplitColdParser)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Times each shared MIME case (best of 5) and prints the slowest against the 100 ms budget.
void ReportSharedCases() {
  fs::path dir = fs::path(SLUICE_SOURCE_DIR) / ".." / "shared" / "mime-cases";
  if (!fs::is_directory(dir)) {
    std::printf("shared MIME cases not found at %s: skipped\n", dir.c_str());
    return;
  }
  struct Timing {
    double ms;
    size_t bytes;
    std::string name;
  };
  std::vector<Timing> timings;
  sluice::mime::Parser parser;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string raw = ReadFile(entry.path());
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(parser.Parse(raw).raw_text.size());
      auto t1 = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    timings.push_back({best, raw.size(), fs::relative(entry.path(), dir).string()});
  }
  std::sort(timings.begin(), timings.end(),
            [](const Timing& a, const Timing& b) { return a.ms > b.ms; });
  std::printf("shared MIME cases: %zu files; slowest (best of 5, budget 100 ms):\n",
              timings.size());
  for (size_t i = 0; i < std::min<size_t>(5, timings.size()); ++i) {
    std::printf("  %8.3f ms  %9zu bytes  %s\n", timings[i].ms, timings[i].bytes,
                timings[i].name.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const Corpus& corpus = TestSplit();
  std::printf("corpus test split: %zu messages, %zu bytes (%s)\n", corpus.messages.size(),
              corpus.bytes, CorpusDir().c_str());
  ReportSharedCases();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
