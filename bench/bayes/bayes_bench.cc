// bayes_bench.cc - Google Benchmarks of the Bayes stages: tokenize, look up, combine.
//
// Messages: the public corpus (.cache/corpus, `make corpus`): the training split builds
// the model, the first 500 test messages are classified. Without the corpus the benchmarks
// skip with a message. Each benchmark reports messages/s (items) and decoded bytes/s.
//   BM_Tokenize          tokenizer only, over pre-parsed messages
//   BM_ClassifyTable     tokenize + in-memory TokenTable lookups + chi-square (the daemon's path)
//   BM_ClassifyMultiGet  tokenize + RocksDB MultiGet (block cache warm) + chi-square
//   BM_Combine           chi-square combining alone, from looked-up counts
//   BM_LoadTableScan     model load at start-up: the whole store scanned into a TokenTable
//   BM_LoadTableSnapshot model load at start-up: the trainer's saved table read back
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "filter/bayes/classifier.h"
#include "filter/bayes/token_store.h"
#include "filter/bayes/token_table.h"
#include "filter/bayes/tokenizer.h"
#include "filter/bayes/trainer.h"
#include "filter/mime/message.h"

namespace sluice::bayes {

namespace fs = std::filesystem;

// Clues the daemon orders per message (BayesOptions::top_tokens): what scoring pays for.
constexpr size_t kShownClues = 10;

struct Corpus {
  std::vector<std::string> raw_train, raw_test;
  std::vector<bool> train_spam;
  std::vector<mime::Message> test;  // views into raw_test
  size_t test_bytes = 0;
  std::shared_ptr<const TokenTable> table;
  ModelTotals totals;
  std::string db_dir;
  std::unique_ptr<TokenStore> store;  // a secondary reader of db_dir
  bool ok = false;
};

std::vector<std::string> ReadList(const std::string& list, size_t limit) {
  std::vector<std::string> out;
  std::ifstream in(list);
  std::string path;
  while (out.size() < limit && std::getline(in, path)) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

Corpus& GetCorpus() {
  static Corpus corpus = [] {
    Corpus c;
    const std::string dir = std::string(SLUICE_SOURCE_DIR) + "/.cache/corpus/";
    if (!fs::exists(dir + "train.spam")) return c;
    for (const char* kind : {"train.spam", "train.ham"}) {
      auto raw = ReadList(dir + kind, 100000);
      for (auto& r : raw) {
        c.raw_train.push_back(std::move(r));
        c.train_spam.push_back(std::string(kind) == "train.spam");
      }
    }
    auto spam = ReadList(dir + "test.spam", 250), ham = ReadList(dir + "test.ham", 250);
    c.raw_test = spam;
    c.raw_test.insert(c.raw_test.end(), ham.begin(), ham.end());
    for (const std::string& raw : c.raw_test) {
      c.test.push_back(mime::Parse(raw));
      c.test_bytes += raw.size();
    }
    // The model: in memory for the table, and a RocksDB store for MultiGet.
    char scratch[] = "/tmp/sluice-bayes-bench-XXXXXX";
    if (mkdtemp(scratch) == nullptr) return c;
    c.db_dir = scratch;
    auto trainer = Trainer::Open(c.db_dir + "/db", {});
    if (!trainer.ok()) return c;
    mime::Parser parser;
    for (size_t i = 0; i < c.raw_train.size(); ++i) {
      if (!(*trainer)
               ->Learn(parser.Parse(c.raw_train[i]), c.raw_train[i], c.train_spam[i], false)
               .ok()) {
        return c;
      }
    }
    (*trainer)->store().Flush();
    auto table = TokenTable::Build((*trainer)->store(), 100'000'000);
    auto totals = (*trainer)->store().Totals();
    if (!table.ok() || !totals.ok()) return c;
    c.table = *table;
    c.totals = *totals;
    if (!TokenTable::SaveSnapshot((*trainer)->store()).ok()) return c;
    trainer->reset();
    auto store = TokenStore::OpenForScoring(c.db_dir + "/db");
    if (!store.ok()) return c;
    c.store = std::move(store).value();
    c.ok = true;
    return c;
  }();
  return corpus;
}

void Finish(benchmark::State& state, const Corpus& c, size_t messages) {
  state.SetItemsProcessed(static_cast<int64_t>(messages));
  state.SetBytesProcessed(static_cast<int64_t>(messages * (c.test_bytes / c.test.size())));
}

void BM_Tokenize(benchmark::State& state) {
  Corpus& c = GetCorpus();
  if (!c.ok) return state.SkipWithError("no corpus: run `make corpus`");
  Tokenizer tokenizer;
  TokenList tokens;
  size_t i = 0, total_tokens = 0;
  for (auto _ : state) {
    tokenizer.Tokenize(c.test[i++ % c.test.size()], &tokens);
    total_tokens += tokens.size();
    benchmark::DoNotOptimize(tokens.hashes().data());
  }
  Finish(state, c, i);
  state.counters["tokens/msg"] = static_cast<double>(total_tokens) / i;
}

void Classify(benchmark::State& state, bool table) {
  Corpus& c = GetCorpus();
  if (!c.ok) return state.SkipWithError("no corpus: run `make corpus`");
  Tokenizer tokenizer;
  TokenList tokens;
  std::vector<TokenCounts> counts;
  std::vector<Clue> clues;
  size_t i = 0;
  for (auto _ : state) {
    tokenizer.Tokenize(c.test[i++ % c.test.size()], &tokens);
    counts.resize(tokens.size());
    if (table) {
      c.table->Lookup(tokens.hashes(), counts.data());
    } else if (!c.store->Lookup(tokens.hashes(), counts.data()).ok()) {
      return state.SkipWithError("lookup failed");
    }
    benchmark::DoNotOptimize(bayes::Classify(counts, c.totals, {}, &clues, kShownClues));
  }
  Finish(state, c, i);
}

void BM_ClassifyTable(benchmark::State& state) { Classify(state, true); }
void BM_ClassifyMultiGet(benchmark::State& state) { Classify(state, false); }

void BM_Combine(benchmark::State& state) {
  Corpus& c = GetCorpus();
  if (!c.ok) return state.SkipWithError("no corpus: run `make corpus`");
  Tokenizer tokenizer;
  TokenList tokens;
  std::vector<std::vector<TokenCounts>> all(c.test.size());
  for (size_t m = 0; m < c.test.size(); ++m) {
    tokenizer.Tokenize(c.test[m], &tokens);
    all[m].resize(tokens.size());
    c.table->Lookup(tokens.hashes(), all[m].data());
  }
  std::vector<Clue> clues;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        bayes::Classify(all[i++ % all.size()], c.totals, {}, &clues, kShownClues));
  }
  Finish(state, c, i);
}

// What a scorer pays at start-up (and a daemon at each refresh) to get its table: a scan
// of the whole store, or the trainer's saved snapshot read back.
void LoadTable(benchmark::State& state, bool snapshot) {
  Corpus& c = GetCorpus();
  if (!c.ok) return state.SkipWithError("no corpus: run `make corpus`");
  for (auto _ : state) {
    auto table = snapshot ? TokenTable::LoadSnapshot(*c.store, 100'000'000)
                          : TokenTable::Build(*c.store, 100'000'000);
    if (!table.ok()) return state.SkipWithError(table.status().message().c_str());
    benchmark::DoNotOptimize(table->get());
  }
  state.counters["tokens"] = static_cast<double>(c.table->size());
}

void BM_LoadTableScan(benchmark::State& state) { LoadTable(state, false); }
void BM_LoadTableSnapshot(benchmark::State& state) { LoadTable(state, true); }

BENCHMARK(BM_Tokenize);
BENCHMARK(BM_ClassifyTable);
BENCHMARK(BM_ClassifyMultiGet);
BENCHMARK(BM_Combine);
BENCHMARK(BM_LoadTableScan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadTableSnapshot)->Unit(benchmark::kMillisecond);

}  // namespace sluice::bayes

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  auto& corpus = sluice::bayes::GetCorpus();
  corpus.store.reset();
  if (!corpus.db_dir.empty()) std::filesystem::remove_all(corpus.db_dir);
  return 0;
}
