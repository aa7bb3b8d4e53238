// rules_bench.cc - scanning throughput of the rule engine, MB/s per core.
//
// Parses the corpus test split once up front (.cache/corpus/test.spam + test.ham, or the
// list files named by $SLUICE_BENCH_SPAM / $SLUICE_BENCH_HAM), then times only
// RuleSet::Scan (every target, meta rules, facts, excerpts) with:
//   shipped   - rules/sluice.yaml
//   generated - 2,000 rules: words lists and regexes built from the corpus training
//               vocabulary (body, rawbody, subject), written to a temporary file
// Bytes processed (bytes_per_second, the MB/s reported) are the decoded text the rules
// scan: visible_text (HTML rendered, read by `body`) + raw_text (decoded, HTML not
// rendered, read by `rawbody`), per CPU second; one benchmark thread = one core. A plain
// text part is in both, so this counts it twice; `text_once_per_s` counts raw_text only
// (every decoded text part once), the stricter reading of "MB/s over the decoded text".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "filter/mime/message.h"
#include "filter/rules/rule_set.h"

namespace {

using sluice::RuleHit;
using sluice::rules::RuleSet;

struct Corpus {
  std::vector<std::string> raw;  // kept alive: messages point into it
  std::vector<sluice::mime::Message> messages;
  size_t decoded_bytes = 0;
  size_t text_once_bytes = 0;  // raw_text only
  size_t raw_bytes = 0;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> ListFile(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string CorpusDir() { return std::string(SLUICE_SOURCE_DIR) + "/.cache/corpus"; }

const Corpus& TestCorpus() {
  static Corpus* corpus = [] {
    auto* c = new Corpus;
    const char* spam = std::getenv("SLUICE_BENCH_SPAM");
    const char* ham = std::getenv("SLUICE_BENCH_HAM");
    std::vector<std::string> paths = ListFile(spam ? spam : CorpusDir() + "/test.spam");
    for (auto& p : ListFile(ham ? ham : CorpusDir() + "/test.ham")) paths.push_back(p);
    c->raw.reserve(paths.size());
    for (const auto& path : paths) c->raw.push_back(ReadFile(path));
    for (const auto& raw : c->raw) {
      c->messages.push_back(sluice::mime::Parse(raw));
      c->decoded_bytes +=
          c->messages.back().visible_text.size() + c->messages.back().raw_text.size();
      c->text_once_bytes += c->messages.back().raw_text.size();
      c->raw_bytes += raw.size();
    }
    return c;
  }();
  return *corpus;
}

// 2,000 rules from the training split's vocabulary: words of 5+ letters, by frequency,
// skipping the most common 300 (they would hit every message).
std::string GeneratedRuleFile() {
  std::map<std::string, int> counts;
  auto paths = ListFile(CorpusDir() + "/train.spam");
  for (auto& p : ListFile(CorpusDir() + "/train.ham")) paths.push_back(p);
  for (size_t i = 0; i < paths.size(); i += 3) {
    std::string raw = ReadFile(paths[i]);
    sluice::mime::Message m = sluice::mime::Parse(raw);
    std::string word;
    for (char c : m.visible_text + " ") {
      if (std::isalpha(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else {
        if (word.size() >= 5 && word.size() <= 20) ++counts[word];
        word.clear();
      }
    }
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [w, n] : counts) ranked.push_back({-n, w});
  std::sort(ranked.begin(), ranked.end());
  std::string yaml = "rules:\n";
  int made = 0;
  for (size_t i = 300; i + 1 < ranked.size() && made < 2000; ++i, ++made) {
    const std::string& w = ranked[i].second;
    const std::string& next = ranked[i + 1].second;
    std::string id = "GEN_" + std::to_string(made);
    const char* target = made % 10 < 7 ? "body" : made % 10 < 9 ? "rawbody" : "subject";
    yaml += "  - id: " + id + "\n    description: generated\n    target: " + target + "\n";
    switch (made % 4) {
      case 0:
        yaml += "    words: [" + w + ", \"" + w + " " + next + "\"]\n";
        break;
      case 1:
        yaml += "    pattern: '" + w + "\\s+\\w{3,}'\n    flags: [caseless]\n";
        break;
      case 2:
        yaml += "    pattern: '" + w.substr(0, 3) + "[a-z]{0,3}" + w.substr(3) + "'\n";
        break;
      default:
        yaml += "    words: [" + w + "]\n    min_hits: 2\n";
        break;
    }
    yaml += "    score: 0.1\n";
  }
  return yaml;
}

std::shared_ptr<const RuleSet> Load(const std::string& file) {
  std::vector<sluice::rules::Diagnostic> warnings;
  auto set = RuleSet::Load({file}, {}, &warnings);
  if (!set.ok()) {
    std::fprintf(stderr, "%s\n", set.status().message().c_str());
    std::abort();
  }
  return set.value();
}

std::shared_ptr<const RuleSet> Shipped() {
  static auto set = Load(std::string(SLUICE_SOURCE_DIR) + "/rules/sluice.yaml");
  return set;
}

std::shared_ptr<const RuleSet> Generated() {
  static auto set = [] {
    // $SLUICE_BENCH_KEEP_GENERATED names a file to keep the set in (for same_excerpts.sh).
    const char* keep = std::getenv("SLUICE_BENCH_KEEP_GENERATED");
    std::string path =
        keep ? std::string(keep)
             : std::string(std::filesystem::temp_directory_path() / "sluice-bench-rules-2000.yaml");
    std::ofstream(path) << GeneratedRuleFile();
    auto loaded = Load(path);
    if (!keep) std::filesystem::remove(path);
    return loaded;
  }();
  return set;
}

void ScanAll(benchmark::State& state, const RuleSet& set) {
  const Corpus& corpus = TestCorpus();
  std::vector<RuleHit> hits;
  size_t total_hits = 0;
  for (auto _ : state) {
    for (const auto& message : corpus.messages) {
      hits.clear();
      set.Scan(message, &hits);
      total_hits += hits.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.decoded_bytes));
  state.counters["messages"] = static_cast<double>(corpus.messages.size());
  state.counters["rules"] = static_cast<double>(set.rule_count());
  state.counters["decoded_MB"] = corpus.decoded_bytes / 1e6;
  state.counters["raw_MB"] = corpus.raw_bytes / 1e6;
  state.counters["hits_per_msg"] =
      static_cast<double>(total_hits) / (state.iterations() * corpus.messages.size());
  state.counters["text_once_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * corpus.text_once_bytes),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
  state.counters["msgs_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * corpus.messages.size()),
                         benchmark::Counter::kIsRate);
}

void BM_ScanShipped(benchmark::State& state) { ScanAll(state, *Shipped()); }
void BM_ScanGenerated2000(benchmark::State& state) { ScanAll(state, *Generated()); }

void BM_LoadShipped(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Load(std::string(SLUICE_SOURCE_DIR) + "/rules/sluice.yaml"));
  }
}

// One shipped file at a time, to see where the time goes.
const char* const kShippedFiles[] = {"headers.yaml", "body_en.yaml", "body_ru.yaml",
                                     "html.yaml",    "uri.yaml",     "attachments.yaml",
                                     "meta.yaml"};
void BM_ScanShippedFile(benchmark::State& state) {
  static std::map<int, std::shared_ptr<const RuleSet>> sets;
  auto& set = sets[state.range(0)];
  if (!set) set = Load(std::string(SLUICE_SOURCE_DIR) + "/rules/" + kShippedFiles[state.range(0)]);
  state.SetLabel(kShippedFiles[state.range(0)]);
  ScanAll(state, *set);
}
BENCHMARK(BM_ScanShippedFile)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

// The shipped set one target group at a time (the rules of that target alone, through
// LoadOptions::only_rules): where a whole scan's time goes, group by group. `body words` are
// the `words` lists over body (their own, space-collapsed group), `body` the regexes; `meta`
// is the meta rules alone, i.e. the facts they read. The groups' times do not add up exactly
// to the whole scan (a text read by one group is warm for the next). The last two split the
// uri group by whether a pattern is anchored at the URL's start ('^'): such a pattern cannot
// join the others in one scan over all URLs of a message without a rewrite.
struct TargetSlice {
  const char* label;
  const char* target;  // RuleInfo::target, or a prefix when it ends with ':'
  int words;           // 1: only `words` rules, 0: only regex rules, -1: both
  int anchored = -1;   // 1: only patterns starting with '^', 0: only the others, -1: both
};
const TargetSlice kTargetSlices[] = {
    {"body regex", "body", 0},
    {"body words", "body", 1},
    {"rawbody", "rawbody", -1},
    {"uri", "uri", -1},
    {"headers", "headers", -1},
    {"header:<Name>", "header:", -1},
    {"subject", "subject", -1},
    {"from", "from", -1},
    {"to", "to", -1},
    {"full", "full", -1},
    {"attachment", "attachment", -1},
    {"meta (facts)", "meta", -1},
    {"uri, ^-anchored", "uri", -1, 1},
    {"uri, unanchored", "uri", -1, 0},
};
void BM_ScanShippedTarget(benchmark::State& state) {
  static std::map<int, std::shared_ptr<const RuleSet>> sets;
  const TargetSlice& slice = kTargetSlices[state.range(0)];
  auto& set = sets[state.range(0)];
  if (!set) {
    std::set<std::string> ids;
    const std::string target = slice.target;
    for (const auto& rule : Shipped()->Rules()) {
      bool match = target.back() == ':' ? rule.target.rfind(target, 0) == 0 : rule.target == target;
      // A words list's regex (WordsToPattern) starts with its word boundary.
      bool words = rule.expression.rfind("(?:\\A|[", 0) == 0;
      bool anchored = rule.expression.rfind('^', 0) == 0;
      if (match && (slice.words < 0 || words == (slice.words == 1)) &&
          (slice.anchored < 0 || anchored == (slice.anchored == 1))) {
        ids.insert(rule.id);
      }
    }
    sluice::rules::LoadOptions options;
    options.only_rules = ids;
    std::vector<sluice::rules::Diagnostic> warnings;  // meta rules name the left-out rules
    auto loaded =
        RuleSet::Load({std::string(SLUICE_SOURCE_DIR) + "/rules/sluice.yaml"}, options, &warnings);
    if (!loaded.ok()) {
      state.SkipWithError(loaded.status().message().c_str());
      return;
    }
    set = loaded.value();
  }
  state.SetLabel(slice.label);
  state.counters["group_rules"] = static_cast<double>(set->rule_count());
  ScanAll(state, *set);
}
BENCHMARK(BM_ScanShippedTarget)
    ->DenseRange(0, std::size(kTargetSlices) - 1)
    ->Unit(benchmark::kMillisecond);

// Any rule file, named by $SLUICE_BENCH_RULES (skipped when unset): to time a variant.
void BM_ScanFile(benchmark::State& state) {
  const char* file = std::getenv("SLUICE_BENCH_RULES");
  if (!file) {
    state.SkipWithError("SLUICE_BENCH_RULES is not set");
    return;
  }
  static auto set = Load(file);
  state.SetLabel(file);
  ScanAll(state, *set);
}
BENCHMARK(BM_ScanFile)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ScanShipped)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ScanGenerated2000)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_LoadShipped)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
