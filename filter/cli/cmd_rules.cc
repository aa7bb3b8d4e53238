// cmd_rules.cc - `sluice rules check|test|stats|cost`: the rule author's tools.
//
//   check [FILES]            compile the rule files (default: the configured ones); errors
//                            as file:line: id: message and exit 1; warnings on stderr.
//   test MESSAGE             which rules hit the message, target, score, count, matched text.
//   stats --spam P --ham P   per-rule hit rates on spam and ham and the S/O ratio, like
//                            SpamAssassin's hit-frequencies. P is a message file, a
//                            directory (recursively) or a list file (one path per line).
//   cost --corpus P          what each rule costs: every rule compiled alone and timed over
//                            the messages of P (CPU time, median of --passes), minus the
//                            cost of scanning with no rules; so authors see what is slow.
// Messages are parsed with the MIME engine; nothing here reimplements scanning.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "filter/cli/command.h"
#include "filter/mime/message.h"
#include "filter/rules/rule_set.h"
#include "filter/util/mapped_file.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

struct RulesOptions {
  std::vector<std::string> files;    // rule files; empty = the configured ones
  bool use_cache = false;            // only for the configured files (never pollute the cache)
  std::set<std::string> only_rules;  // compile just these (rules cost); empty = all
};

bool ReadFile(const std::string& path, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return !std::cin.bad();
  }
  // Not an istreambuf_iterator over an ifstream: on a directory (a slip, `rules test DIR`)
  // its read fails with an ios_failure thrown whatever the exception mask: the command
  // aborted instead of saying it cannot read the path.
  return ReadFileBytes(path, out);
}

void PrintDiagnostics(const std::vector<rules::Diagnostic>& diagnostics, const char* prefix) {
  for (const auto& d : diagnostics) std::cerr << prefix << d.ToString() << "\n";
}

// Loads the rule set named by the options or the configuration; prints errors.
std::shared_ptr<const rules::RuleSet> LoadRules(const Globals& globals, RulesOptions options,
                                                bool show_warnings) {
  rules::LoadOptions load;
  load.only_rules = options.only_rules;
  if (options.files.empty()) {
    auto config = globals.LoadConfiguration();
    if (!config.ok()) {
      std::cerr << "sluice: " << config.status().message() << "\n";
      return nullptr;
    }
    options.files = config->scoring.rule_files;
    if (options.use_cache) load.cache_dir = config->scoring.rules_cache_dir;
  }
  std::vector<rules::Diagnostic> warnings;
  auto set = rules::RuleSet::Load(options.files, load, &warnings);
  if (show_warnings) PrintDiagnostics(warnings, "warning: ");
  if (!set.ok()) {
    std::cerr << set.status().message() << "\n";
    return nullptr;
  }
  return set.value();
}

// Message paths from a file, a directory (recursive, sorted) or a list file.
std::vector<std::string> ExpandMessagePaths(const std::string& path, std::string* error) {
  std::vector<std::string> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file()) out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot open";
    return out;
  }
  // A list file: its first non-empty line names an existing file. Relative entries are
  // tried as given, then relative to the list's directory.
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line) && lines.size() < 1000000) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
    if (lines.size() == 1 && line.size() > 4096) break;  // a long line: not a list
  }
  auto resolve = [&](const std::string& entry) -> std::string {
    if (entry.size() > 4096) return "";
    if (fs::is_regular_file(entry, ec)) return entry;
    fs::path relative = fs::path(path).parent_path() / entry;
    if (fs::is_regular_file(relative, ec)) return relative.string();
    return "";
  };
  if (!lines.empty() && !resolve(lines.front()).empty()) {
    for (const auto& entry : lines) {
      std::string resolved = resolve(entry);
      if (!resolved.empty()) out.push_back(resolved);
    }
    return out;
  }
  out.push_back(path);  // a single message
  return out;
}

int RunCheck(const Globals& globals, const RulesOptions& options) {
  auto set = LoadRules(globals, options, true);
  if (!set) return 1;
  std::cout << set->rule_count() << " rules OK\n";
  return 0;
}

int RunTest(const Globals& globals, const RulesOptions& options, const std::string& path,
            bool all) {
  auto set = LoadRules(globals, options, false);
  if (!set) return 1;
  std::string raw;
  if (!ReadFile(path, &raw)) {
    std::cerr << "sluice: cannot read " << path << "\n";
    return 1;
  }
  mime::Message message = mime::Parse(raw);
  std::vector<RuleHit> hits;
  if (all) {
    set->ScanAll(message, &hits);
  } else {
    set->Scan(message, &hits);
  }
  double total = 0;
  std::cout << fmt::format("{:<28} {:<18} {:>7} {:>5}  {}\n", "RULE", "TARGET", "SCORE", "COUNT",
                           "MATCHED");
  for (const auto& hit : hits) {
    total += hit.score;
    std::cout << fmt::format("{:<28} {:<18} {:>7.2f} {:>5}  {}\n", hit.id, hit.target, hit.score,
                             hit.count, hit.matched);
  }
  std::cout << fmt::format("{} rules hit, rule score {:.2f}\n", hits.size(), total);
  return 0;
}

struct Corpus {
  std::vector<std::string> paths;
  std::vector<uint32_t> hits;  // per rule
  std::vector<double> scores;  // per message: sum of rule scores
};

bool ScanCorpus(const rules::RuleSet& set, const std::vector<rules::RuleSet::RuleInfo>& info,
                const std::string& label, Corpus* corpus, std::ostream* hits_out) {
  corpus->hits.assign(info.size(), 0);
  std::vector<RuleHit> hits;
  mime::Parser parser;
  std::string raw;
  for (const auto& path : corpus->paths) {
    if (!ReadFile(path, &raw)) {
      std::cerr << "sluice: cannot read " << path << "\n";
      return false;
    }
    const mime::Message& message = parser.Parse(raw);
    hits.clear();
    set.ScanAll(message, &hits);
    double score = 0;
    if (hits_out) *hits_out << label << '\t' << path << '\t';
    for (const auto& hit : hits) {
      score += hit.score;
      for (size_t i = 0; i < info.size(); ++i) {
        if (info[i].id == hit.id) {
          ++corpus->hits[i];
          break;
        }
      }
      if (hits_out) *hits_out << hit.id << ' ';
    }
    if (hits_out) *hits_out << '\n';
    corpus->scores.push_back(score);
  }
  return true;
}

int RunStats(const Globals& globals, const RulesOptions& options, const std::string& spam_path,
             const std::string& ham_path, const std::string& hits_file, double threshold) {
  auto set = LoadRules(globals, options, false);
  if (!set) return 1;
  Corpus spam, ham;
  std::string error;
  spam.paths = ExpandMessagePaths(spam_path, &error);
  if (error.empty()) ham.paths = ExpandMessagePaths(ham_path, &error);
  if (!error.empty()) {
    std::cerr << "sluice: " << error << "\n";
    return 1;
  }
  if (spam.paths.empty() || ham.paths.empty()) {
    std::cerr << "sluice: no messages found\n";
    return 1;
  }
  std::ofstream hits_out;
  if (!hits_file.empty()) {
    hits_out.open(hits_file);
    if (!hits_out) {
      std::cerr << "sluice: cannot write " << hits_file << "\n";
      return 1;
    }
  }
  auto info = set->Rules();
  std::ostream* out = hits_file.empty() ? nullptr : &hits_out;
  if (!ScanCorpus(*set, info, "spam", &spam, out) || !ScanCorpus(*set, info, "ham", &ham, out)) {
    return 1;
  }

  struct Row {
    size_t rule;
    double spam_pct, ham_pct, so;
  };
  std::vector<Row> rows;
  const double ns = static_cast<double>(spam.paths.size());
  const double nh = static_cast<double>(ham.paths.size());
  for (size_t i = 0; i < info.size(); ++i) {
    double s = spam.hits[i] / ns, h = ham.hits[i] / nh;
    // S/O as in SpamAssassin's hit-frequencies: share of the rule's hits that are spam,
    // with spam and ham rates normalised so corpus sizes do not matter.
    double so = (s + h) > 0 ? s / (s + h) : 0;
    rows.push_back({i, 100 * s, 100 * h, so});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.so != b.so) return a.so > b.so;
    return a.spam_pct > b.spam_pct;
  });
  std::cout << fmt::format("{:>8} {:>8} {:>8} {:>6} {:>7}  {}\n", "OVERALL%", "SPAM%", "HAM%",
                           "S/O", "SCORE", "NAME");
  std::cout << fmt::format("{:>8} {:>8} {:>8} {:>6} {:>7}  (all messages)\n",
                           spam.paths.size() + ham.paths.size(), spam.paths.size(),
                           ham.paths.size(), "", "");
  for (const auto& row : rows) {
    const auto& rule = info[row.rule];
    double overall = 100.0 * (spam.hits[row.rule] + ham.hits[row.rule]) / (ns + nh);
    std::cout << fmt::format("{:8.3f} {:8.3f} {:8.3f} {:6.3f} {:7.2f}  {}\n", overall, row.spam_pct,
                             row.ham_pct, row.so, rule.score, rule.id);
  }
  auto over = [&](const Corpus& c) {
    return std::count_if(c.scores.begin(), c.scores.end(),
                         [&](double s) { return s >= threshold; });
  };
  std::cout << fmt::format(
      "rules alone at threshold {:.1f}: spam caught {}/{} ({:.1f}%), ham flagged {}/{} ({:.2f}%)\n",
      threshold, over(spam), spam.paths.size(), 100.0 * over(spam) / ns, over(ham),
      ham.paths.size(), 100.0 * over(ham) / nh);
  return 0;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds of one Scan pass over every message: the median of `passes` passes.
double TimeScans(const rules::RuleSet& set, const std::vector<mime::Message>& messages,
                 int passes) {
  std::vector<double> times;
  std::vector<RuleHit> hits;
  for (int p = 0; p < passes; ++p) {
    double start = ThreadCpuSeconds();
    for (const auto& message : messages) {
      hits.clear();
      set.Scan(message, &hits);
    }
    times.push_back(ThreadCpuSeconds() - start);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int RunCost(const Globals& globals, RulesOptions options, const std::string& corpus_path,
            int passes) {
  auto all = LoadRules(globals, options, false);
  if (!all) return 1;
  std::string error;
  std::vector<std::string> paths = ExpandMessagePaths(corpus_path, &error);
  if (!error.empty() || paths.empty()) {
    std::cerr << "sluice: " << (error.empty() ? "no messages found" : error) << "\n";
    return 1;
  }
  // Messages point into their raw bytes: keep every raw string alive, in place.
  std::vector<std::string> raws(paths.size());
  std::vector<mime::Message> messages;
  size_t body_bytes = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!ReadFile(paths[i], &raws[i])) {
      std::cerr << "sluice: cannot read " << paths[i] << "\n";
      return 1;
    }
    messages.push_back(mime::Parse(raws[i]));
    body_bytes += messages.back().visible_text.size() + messages.back().raw_text.size();
  }
  passes = std::max(1, passes);
  const double total = TimeScans(*all, messages, passes);
  options.only_rules = {"\x01none"};  // no rule has this id: the per-message floor
  auto none = LoadRules(globals, options, false);
  if (!none) return 1;
  const double floor = TimeScans(*none, messages, passes);

  struct Row {
    std::string id, target;
    double seconds;
  };
  std::vector<Row> rows;
  for (const auto& info : all->Rules()) {
    options.only_rules = {info.id};
    auto one = LoadRules(globals, options, false);
    if (!one) return 1;
    rows.push_back({info.id, info.target, TimeScans(*one, messages, passes) - floor});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  const double n = static_cast<double>(messages.size());
  std::cout << fmt::format("{} messages, {:.1f} MB decoded text, median of {} passes (CPU)\n",
                           messages.size(), body_bytes / 1e6, passes);
  std::cout << fmt::format("all rules: {:.1f} ms per pass, {:.0f} MB/s, {:.2f} us/message\n",
                           total * 1e3, body_bytes / 1e6 / total, total / n * 1e6);
  std::cout << fmt::format("no rules (per-message floor): {:.1f} ms per pass\n", floor * 1e3);
  std::cout << fmt::format("{:>10} {:>10}  {:<18} {}\n", "MS/PASS", "US/MSG", "TARGET", "RULE");
  for (const auto& row : rows) {
    std::cout << fmt::format("{:10.2f} {:10.3f}  {:<18} {}\n", row.seconds * 1e3,
                             row.seconds / n * 1e6, row.target, row.id);
  }
  std::cout << "(each rule compiled alone, floor subtracted; a meta rule's cost is the facts\n"
               " it reads; rules sharing a target share one scan, so costs do not add up)\n";
  return 0;
}

const bool registered = RegisterCommand(40, [](CLI::App& app, Globals& globals) {
  auto* rules = app.add_subcommand("rules", "check, test and measure the keyword rules");
  rules->require_subcommand(1);
  auto options = std::make_shared<RulesOptions>();

  auto* check =
      rules->add_subcommand("check", "compile rule files; errors as file:line: id: message");
  check->add_option("files", options->files, "rule files (default: the configured ones)");
  check->callback([&globals, options] { globals.exit_code = RunCheck(globals, *options); });

  auto* test = rules->add_subcommand("test", "show which rules hit a message");
  auto message = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  test->add_option("message", *message, "message file, or - for stdin")->required();
  test->add_option("--rules", options->files, "rule files (default: the configured ones)");
  test->add_flag("--all", *all, "also show helper (__) and zero-score rules");
  test->callback([&globals, options, message, all] {
    options->use_cache = options->files.empty();
    globals.exit_code = RunTest(globals, *options, *message, *all);
  });

  auto* stats = rules->add_subcommand("stats", "per-rule hit rates on spam and ham, and S/O");
  auto spam = std::make_shared<std::string>();
  auto ham = std::make_shared<std::string>();
  auto hits_file = std::make_shared<std::string>();
  auto threshold = std::make_shared<double>(5.0);
  stats->add_option("--spam", *spam, "spam: a message, a directory or a list file")->required();
  stats->add_option("--ham", *ham, "ham: a message, a directory or a list file")->required();
  stats->add_option("--rules", options->files, "rule files (default: the configured ones)");
  stats->add_option("--hits-out", *hits_file,
                    "write each message's hits (label TAB path TAB ids) for rules/tools/fit.py");
  stats->add_option("--threshold", *threshold, "score counted as spam in the summary (5)");
  stats->callback([&globals, options, spam, ham, hits_file, threshold] {
    options->use_cache = options->files.empty();
    globals.exit_code = RunStats(globals, *options, *spam, *ham, *hits_file, *threshold);
  });

  auto* cost = rules->add_subcommand("cost", "CPU cost of each rule alone over a corpus");
  auto corpus = std::make_shared<std::string>();
  auto passes = std::make_shared<int>(3);
  cost->add_option("--corpus", *corpus, "messages: a message, a directory or a list file")
      ->required();
  cost->add_option("--rules", options->files, "rule files (default: the configured ones)");
  cost->add_option("--passes", *passes, "timed passes per rule; the median counts (3)");
  cost->callback([&globals, options, corpus, passes] {
    globals.exit_code = RunCost(globals, *options, *corpus, *passes);
  });
});

}  // namespace
}  // namespace sluice::cli
