// cmd_bayes.cc - `sluice bayes stats|expire|dump|cv|metrics`: the token store and its tuning.
//
//   stats              messages learned, distinct tokens, DB size, tokenizer settings
//   expire             drops tokens seen in at most --max-count messages and not for --days
//   dump TOKEN...      spam/ham counts and f(w) of tokens as `score --json` prints them
//                      ("s:free", "url:h:example.com", a body word, or "#<16 hex digits>")
//   cv                 k-fold cross-validation on given spam and ham (in memory; tuning)
//   metrics FILE       FP/FN, (1-AUC)% and recall at FP budgets of "spam|ham<TAB>score" lines
// Exit status: 0 ok, 2 the store cannot be opened (missing, locked, corrupt) or bad input.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "filter/bayes/char_ngrams.h"
#include "filter/bayes/classifier.h"
#include "filter/bayes/cross_validate.h"
#include "filter/bayes/metrics.h"
#include "filter/bayes/shape_tokens.h"
#include "filter/bayes/token_hash.h"
#include "filter/bayes/token_store.h"
#include "filter/bayes/token_table.h"
#include "filter/bayes/tokenizer.h"
#include "filter/cli/command.h"
#include "filter/engine/mail_source.h"
#include "filter/mime/message.h"
#include "filter/rules/rule_set.h"
#include "filter/verdict/verdict.h"

namespace sluice::cli {
namespace {

struct BayesArgs {
  std::string db;
  std::vector<std::string> tokens;
  uint32_t max_count = 1;
  uint32_t days = 30;
  // cv
  std::vector<std::string> spam, ham;
  uint32_t folds = 5;
  uint32_t osb = 0;
  bool html_markup = bayes::TokenizerOptions{}.html_markup;
  bool all_headers = bayes::TokenizerOptions{}.all_headers;
  uint32_t min_chars = bayes::TokenizerOptions{}.min_word_chars;
  uint32_t max_chars = bayes::TokenizerOptions{}.max_word_chars;
  uint32_t skip_received = bayes::TokenizerOptions{}.skip_received;
  std::vector<std::string> shapes;  // cv: shape families by name, replacing the default set
  bayes::ClassifierOptions classifier;
  std::vector<std::string> cap_families;  // cv: names, replacing the default set
  // metrics
  std::string rank = "probability";
  uint32_t show_errors = 0;
  double holdout_last = 0;  // cv: score only the last fraction of each class, trained on the rest
  bool holdout_first = false;  // cv --holdout-last F: score the first F instead (newer -> older)
  // cv: score these instead (learned never), trained on all of --spam/--ham: for reporting an
  // experiment on the test split once, after choosing on the training split.
  std::vector<std::string> score_spam, score_ham;
  std::vector<double> weights;  // cv: also evaluate rules + Bayes at these bayes weights
  std::string scores_file;
  std::string dump_file;  // cv: per-message Bayes details and rule score, TSV
  double threshold = 0.5;
  // cv --learner logistic|both: the discriminative experiment (logistic.h)
  std::string learner = "nb";
  std::string features = "tokens";
  bayes::LogisticOptions logistic;
  bayes::CharNgramOptions ngrams;
  double logistic_scale = 1;  // P(spam) = sigmoid(scale * margin) for rules + model
  // cv --features selected: tokens the logistic learner does not see, each a family name
  // (received, return-path, recipients, sender, list) or a token tag prefix ("mid:", "xm:")
  std::vector<std::string> logistic_drop;
};

// ln(p / (1 - p)), with p kept off 0 and 1 (the chi-square I reaches both).
double LogOdds(double p) {
  p = std::clamp(p, 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

std::string DbOf(const BayesArgs& args, const Globals& globals, int* exit_code) {
  if (!args.db.empty()) return args.db;
  auto config = globals.LoadConfiguration();
  if (!config.ok()) {
    std::fprintf(stderr, "sluice bayes: %s\n", config.status().message().c_str());
    *exit_code = 2;
    return "";
  }
  return config->scoring.bayes_db;
}

// The TokenFamily a `--cap-families` name stands for; 0 for "none", -1 if unknown.
int FamilyNamed(const std::string& name) {
  if (name == "none") return bayes::kContent;
  if (name == "received") return bayes::kReceivedPath;
  if (name == "return-path") return bayes::kReturnPath;
  if (name == "recipients") return bayes::kRecipients;
  if (name == "sender") return bayes::kSender;
  if (name == "list") return bayes::kListHeaders;
  return -1;
}

// The ShapeFamily bit a `--shapes` name stands for; 0 for "none", -1 if unknown.
int64_t ShapesNamed(const std::string& name) {
  if (name == "none") return 0;
  if (name == "digits") return bayes::kDigitShapes;
  if (name == "headers") return bayes::kHeaderShapes;
  if (name == "urls") return bayes::kUrlShapes;
  return -1;
}

void PrintMetrics(const char* label, const bayes::Metrics& m, double threshold) {
  std::printf(
      "%-24s spam %5zu ham %5zu  FP%% %6.3f  FN%% %6.2f (at %g)  (1-AUC)%% %7.4f  "
      "recall@FP<=0.1%% %6.2f  @0.5%% %6.2f  @1%% %6.2f\n",
      label, m.spam, m.ham, m.fp_percent, m.fn_percent, threshold, m.one_minus_auc_percent,
      m.recall_at_fp_0_1, m.recall_at_fp_0_5, m.recall_at_fp_1);
}

int Stats(const BayesArgs& args, const Globals& globals) {
  int code = 0;
  const std::string db = DbOf(args, globals, &code);
  if (code) return code;
  auto store = bayes::TokenStore::OpenForScoring(db);
  if (!store.ok()) {
    std::fprintf(stderr, "sluice bayes stats: %s\n", store.status().message().c_str());
    return 2;
  }
  auto stats = (*store)->Stats();
  if (!stats.ok()) {
    std::fprintf(stderr, "sluice bayes stats: %s\n", stats.status().message().c_str());
    return 2;
  }
  std::printf("db:            %s\n", db.c_str());
  std::printf("spam messages: %u\nham messages:  %u\n", stats->totals.spam_messages,
              stats->totals.ham_messages);
  std::printf("digests:       %" PRIu64 "\n", stats->messages);
  std::printf("tokens:        %" PRIu64 "\n", stats->tokens);
  std::printf("disk bytes:    %" PRIu64 "\n", stats->disk_bytes);
  std::printf(
      "tokenizer:     osb=%u min_chars=%u max_chars=%u max_text_bytes=%zu skip_received=%u "
      "family_cap=%u shapes=%u\n",
      stats->tokenizer.osb_window, stats->tokenizer.min_word_chars, stats->tokenizer.max_word_chars,
      stats->tokenizer.max_text_bytes, stats->tokenizer.skip_received, stats->tokenizer.family_cap,
      stats->tokenizer.shapes);
  return 0;
}

int Expire(const BayesArgs& args, const Globals& globals) {
  int code = 0;
  const std::string db = DbOf(args, globals, &code);
  if (code) return code;
  auto store = bayes::TokenStore::OpenExisting(db);
  if (!store.ok()) {
    std::fprintf(stderr, "sluice bayes expire: %s\n", store.status().message().c_str());
    return 2;
  }
  const uint32_t today = bayes::Today();
  const uint32_t before = today > args.days ? today - args.days : 0;
  auto dropped = (*store)->Expire(args.max_count, before);
  if (!dropped.ok()) {
    std::fprintf(stderr, "sluice bayes expire: %s\n", dropped.status().message().c_str());
    return 2;
  }
  Status saved = bayes::TokenTable::SaveSnapshot(**store);
  if (!saved.ok())
    std::fprintf(stderr, "sluice bayes expire: warning: %s\n", saved.message().c_str());
  std::printf("dropped %" PRIu64
              " tokens seen in at most %u messages and not in the last %u days\n",
              *dropped, args.max_count, args.days);
  return 0;
}

int Dump(const BayesArgs& args, const Globals& globals) {
  int code = 0;
  const std::string db = DbOf(args, globals, &code);
  if (code) return code;
  auto store = bayes::TokenStore::OpenForScoring(db);
  if (!store.ok()) {
    std::fprintf(stderr, "sluice bayes dump: %s\n", store.status().message().c_str());
    return 2;
  }
  auto totals = (*store)->Totals();
  if (!totals.ok()) {
    std::fprintf(stderr, "sluice bayes dump: %s\n", totals.status().message().c_str());
    return 2;
  }
  std::vector<uint64_t> hashes;
  for (const std::string& token : args.tokens) {
    if (token.size() == 17 && token[0] == '#') {
      hashes.push_back(std::strtoull(token.c_str() + 1, nullptr, 16));
    } else {
      // Tags are lower case already; folding the whole token folds the word part.
      std::string folded;
      bayes::FoldCase(token, &folded);
      hashes.push_back(bayes::TokenHash("", folded));
    }
  }
  std::vector<bayes::TokenCounts> counts(hashes.size());
  Status s = (*store)->Lookup(hashes, counts.data());
  if (!s.ok()) {
    std::fprintf(stderr, "sluice bayes dump: %s\n", s.message().c_str());
    return 2;
  }
  std::printf("token\tspam\tham\tf(w)\tlast_seen_day\n");
  for (size_t i = 0; i < hashes.size(); ++i) {
    const double f = bayes::TokenProbability(counts[i], *totals, bayes::ClassifierOptions{});
    std::printf("%s\t%u\t%u\t%.4f\t%u\n", args.tokens[i].c_str(), counts[i].spam, counts[i].ham, f,
                counts[i].last_day);
  }
  return 0;
}

int CrossValidation(const BayesArgs& args, const Globals& globals) {
  auto config = globals.LoadConfiguration();
  if (!config.ok()) {
    std::fprintf(stderr, "sluice bayes cv: %s\n", config.status().message().c_str());
    return 2;
  }
  bayes::TokenizerOptions tokenizer_options;
  tokenizer_options.osb_window = args.osb;
  tokenizer_options.min_word_chars = args.min_chars;
  tokenizer_options.html_markup = args.html_markup;
  tokenizer_options.all_headers = args.all_headers;
  tokenizer_options.max_word_chars = args.max_chars;
  tokenizer_options.skip_received = args.skip_received;
  if (!args.shapes.empty()) {
    tokenizer_options.shapes = 0;
    for (const std::string& name : args.shapes) {
      const int64_t family = ShapesNamed(name);
      if (family < 0) {
        std::fprintf(stderr,
                     "sluice bayes cv: unknown shape family \"%s\" (digits, headers, urls, "
                     "none)\n",
                     name.c_str());
        return 2;
      }
      tokenizer_options.shapes |= static_cast<uint32_t>(family);
    }
  }
  bayes::ClassifierOptions classifier = args.classifier;
  if (!args.cap_families.empty()) {
    classifier.capped_families = 0;
    for (const std::string& name : args.cap_families) {
      const int family = FamilyNamed(name);
      if (family < 0) {
        std::fprintf(stderr,
                     "sluice bayes cv: unknown family \"%s\" (received, return-path, "
                     "recipients, sender, list, none)\n",
                     name.c_str());
        return 2;
      }
      classifier.capped_families |= family == 0 ? 0u : 1u << family;
    }
  }
  // --features selected: which tokens to leave out, by family bit or by tag prefix.
  uint32_t drop_families = 0;
  std::vector<std::string> drop_tags;
  for (const std::string& name : args.logistic_drop) {
    const int family = FamilyNamed(name);
    if (family > 0) {
      drop_families |= 1u << family;
    } else if (!name.empty() && name.back() == ':') {
      drop_tags.push_back(name);
    } else {
      std::fprintf(stderr,
                   "sluice bayes cv: --logistic-drop \"%s\" is neither a family nor a tag "
                   "ending in ':'\n",
                   name.c_str());
      return 2;
    }
  }
  const bool select = args.learner != "nb" && args.features == "selected";
  const bayes::Tokenizer tokenizer(tokenizer_options);
  mime::Parser parser(config->scoring.limits);
  bayes::TokenList tokens(/*keep_text=*/select && !drop_tags.empty());
  std::vector<bayes::LabelledTokens> messages;
  std::shared_ptr<const rules::RuleSet> rule_set;
  if (!args.weights.empty() || !args.dump_file.empty()) {
    rules::LoadOptions load;
    load.cache_dir = config->scoring.rules_cache_dir;
    std::vector<rules::Diagnostic> warnings;
    auto loaded = rules::RuleSet::Load(config->scoring.rule_files, load, &warnings);
    if (!loaded.ok()) {
      std::fprintf(stderr, "sluice bayes cv: %s\n", loaded.status().message().c_str());
      return 2;
    }
    rule_set = *loaded;
  }
  std::map<std::string, double> rule_scores;
  std::vector<RuleHit> hits;
  auto load = [&](const std::vector<std::string>& paths, bool spam) {
    for (const std::string& path : paths) {
      WalkMail(
          path,
          [&](const std::string& name, std::string_view data) {
            if (data.size() > config->scoring.max_scan_bytes) {
              data = data.substr(0, config->scoring.max_scan_bytes);
            }
            const mime::Message& message = parser.Parse(data);
            tokenizer.Tokenize(message, &tokens);
            if (rule_set) {
              hits.clear();
              rule_set->Scan(message, &hits);
              double sum = 0;
              for (const RuleHit& hit : hits) sum += hit.score;
              rule_scores[name] = sum;
            }
            messages.push_back({tokens.hashes(), tokens.families(), spam, name, -1, {}, {}});
            if (select) {
              auto& kept = messages.back().selected;
              for (size_t t = 0; t < tokens.size(); ++t) {
                if (drop_families & (1u << tokens.families()[t])) continue;
                bool dropped = false;
                for (const std::string& tag : drop_tags) {
                  dropped = dropped || tokens.texts()[t].starts_with(tag);
                }
                if (!dropped) kept.push_back(tokens.hashes()[t]);
              }
            }
            if (args.learner != "nb" && (args.features == "ngrams" || args.features == "both")) {
              bayes::CharNgrams(data, args.ngrams, &messages.back().ngrams);
            }
          },
          [](const std::string& name, const std::string& error) {
            std::fprintf(stderr, "sluice bayes cv: skipped %s: %s\n", name.c_str(), error.c_str());
          });
    }
  };
  load(args.spam, true);
  load(args.ham, false);
  // Interleave classes, so learners that go through the messages in order (the logistic
  // experiment) see both all along; the folds are dealt per class below.
  std::vector<bayes::LabelledTokens> spam, ham, mixed;
  for (auto& m : messages) (m.spam ? spam : ham).push_back(std::move(m));
  for (size_t i = 0, j = 0; i < spam.size() || j < ham.size();) {
    const bool take_spam =
        j >= ham.size() || (i < spam.size() && i * ham.size() <= j * spam.size());
    mixed.push_back(std::move(take_spam ? spam[i++] : ham[j++]));
  }
  const bool fixed_holdout =
      args.holdout_last > 0 || !args.score_spam.empty() || !args.score_ham.empty();
  if (!fixed_holdout) {
    // Stratified folds: each class is dealt round-robin on its own. Dealing the interleaved
    // list by position instead can line a class up with the fold count (500 spam : 2,625 ham
    // gave fold 1 no spam at all), so some folds' models learn from a fifth less spam.
    size_t spam_seen = 0, ham_seen = 0;
    const uint32_t k = std::max<uint32_t>(args.folds, 2);
    for (auto& m : mixed) m.fold = static_cast<int>((m.spam ? spam_seen++ : ham_seen++) % k);
  } else if (args.holdout_last <= 0) {
    for (auto& m : mixed) m.fold = 1;
    messages.clear();
    load(args.score_spam, true);
    load(args.score_ham, false);
    for (auto& m : messages) {
      m.fold = 0;
      mixed.push_back(std::move(m));
    }
  } else if (args.holdout_last > 0) {
    // A time-ordered hold-out: lists are in file-name order, which is arrival order for
    // the public corpus; models of older mail scoring newer mail, like spam-1 -> spam-2.
    // Per directory (corpus group), so every group is both learned and scored.
    auto group_of = [](const std::string& name) {
      const size_t slash = name.rfind('/');
      return slash == std::string::npos ? std::string() : name.substr(0, slash);
    };
    std::map<std::string, size_t> total, seen;
    for (const auto& m : mixed) ++total[group_of(m.name)];
    for (auto& m : mixed) {
      const std::string group = group_of(m.name);
      const size_t index = seen[group]++;
      const bool scored = args.holdout_first ? index < total[group] * args.holdout_last
                                             : index >= total[group] * (1 - args.holdout_last);
      m.fold = scored ? 0 : 1;
    }
  }
  bayes::CvRank rank = bayes::CvRank::kProbability;
  if (args.rank == "margin") rank = bayes::CvRank::kMargin;
  if (args.rank == "log-odds") rank = bayes::CvRank::kLogOdds;
  if (args.rank == "blend") rank = bayes::CvRank::kBlend;
  std::vector<bayes::Classification> details;
  const uint32_t folds = fixed_holdout ? 1 : args.folds;
  auto scored = bayes::CrossValidate(mixed, folds, classifier, rank, &details);
  // The logistic learner's margins on the same folds (empty with --learner nb).
  std::vector<bayes::Scored> margins;
  if (args.learner != "nb") {
    bayes::LogisticFeatures features = bayes::LogisticFeatures::kTokens;
    if (args.features == "ngrams") features = bayes::LogisticFeatures::kNgrams;
    if (args.features == "both") features = bayes::LogisticFeatures::kBoth;
    if (args.features == "content") features = bayes::LogisticFeatures::kContentTokens;
    if (args.features == "selected") features = bayes::LogisticFeatures::kSelectedTokens;
    margins = bayes::CrossValidateLogistic(mixed, folds, args.logistic, features);
  }
  if (fixed_holdout) {
    std::vector<bayes::Scored> kept;
    std::vector<bayes::LabelledTokens> kept_messages;
    std::vector<bayes::Classification> kept_details;
    std::vector<bayes::Scored> kept_margins;
    for (size_t i = 0; i < scored.size(); ++i) {
      if (mixed[i].fold == 0) {
        if (!margins.empty()) kept_margins.push_back(margins[i]);
        kept.push_back(scored[i]);
        kept_messages.push_back(std::move(mixed[i]));
        kept_details.push_back(details[i]);
      }
    }
    scored = std::move(kept);
    mixed = std::move(kept_messages);
    details = std::move(kept_details);
    margins = std::move(kept_margins);
  }
  if (!args.dump_file.empty()) {
    // One line per scored message, to fit the verdict's Bayes mapping outside (models/).
    FILE* out = std::fopen(args.dump_file.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "sluice bayes cv: cannot write %s\n", args.dump_file.c_str());
      return 2;
    }
    std::fprintf(
        out,
        "name\tspam\tprobability\tspam_log_tail\tham_log_tail\tlog_odds\tclues\trules%s\tfold\n",
        margins.empty() ? "" : "\tlogistic_margin");
    for (size_t i = 0; i < mixed.size(); ++i) {
      const bayes::Classification& c = details[i];
      std::fprintf(out, "%s\t%d\t%.9g\t%.9g\t%.9g\t%.9g\t%u\t%.9g", mixed[i].name.c_str(),
                   mixed[i].spam ? 1 : 0, c.probability, c.spam_log_tail, c.ham_log_tail,
                   c.log_odds, c.clues_used, rule_scores[mixed[i].name]);
      if (!margins.empty()) std::fprintf(out, "\t%.9g", margins[i].score);
      std::fprintf(out, "\t%d\n", mixed[i].fold);
    }
    std::fclose(out);
  }
  char label[128];
  std::snprintf(label, sizeof label,
                "osb=%u h%d%d w=%u-%u s=%.3g x=%.3g md=%.3g mc=%u sr=%u fc=%u/%x sh=%x", args.osb,
                args.html_markup, args.all_headers, args.min_chars, args.max_chars,
                classifier.strength, classifier.unknown_prob, classifier.min_dev,
                classifier.max_clues, args.skip_received, classifier.family_cap,
                classifier.capped_families, tokenizer_options.shapes);
  PrintMetrics(label, bayes::Evaluate(scored, args.threshold), args.threshold);
  // The models as probabilities: naive Bayes; logistic; both, by averaging their log odds.
  std::vector<std::pair<std::string, std::vector<bayes::Scored>>> models;
  models.push_back({"bayes", scored});
  if (!margins.empty()) {
    std::vector<bayes::Scored> logistic = margins, blend = margins;
    for (size_t i = 0; i < margins.size(); ++i) {
      const double m = args.logistic_scale * margins[i].score;
      logistic[i].score = bayes::LogisticModel::Probability(m);
      blend[i].score = bayes::LogisticModel::Probability((LogOdds(scored[i].score) + m) / 2);
    }
    std::snprintf(label, sizeof label, "logistic %s r=%g e=%u t=%g b=%u n=%d",
                  args.features.c_str(), args.logistic.rate, args.logistic.epochs,
                  args.logistic.tone_margin, args.logistic.bucket_bits, args.logistic.normalize);
    PrintMetrics(label, bayes::Evaluate(logistic, 0.5), 0.5);
    PrintMetrics("bayes + logistic", bayes::Evaluate(blend, 0.5), 0.5);
    models.push_back({"logistic", std::move(logistic)});
    models.push_back({"bayes+logistic", std::move(blend)});
  }
  // Rules + model at the configured spam threshold, for choosing the model's weight.
  const double spam_threshold = config->scoring.thresholds.SpamThreshold();
  for (double weight : args.weights) {
    for (const auto& [name, probabilities] : models) {
      std::vector<bayes::Scored> combined = probabilities;
      for (size_t i = 0; i < combined.size(); ++i) {
        combined[i].score = rule_scores[mixed[i].name] + BayesScore(probabilities[i].score, weight);
      }
      std::snprintf(label, sizeof label, "rules + %s weight %g", name.c_str(), weight);
      PrintMetrics(label, bayes::Evaluate(combined, spam_threshold), spam_threshold);
    }
  }
  if (args.show_errors > 0) {
    // The hams ranked highest and the spams ranked lowest: where to look next.
    std::vector<size_t> order(scored.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return scored[a].score > scored[b].score; });
    size_t shown = 0;
    for (size_t i = 0; i < order.size() && shown < args.show_errors; ++i) {
      if (!scored[order[i]].spam) {
        std::printf("high ham  %.6f %s\n", scored[order[i]].score, mixed[order[i]].name.c_str());
        ++shown;
      }
    }
    shown = 0;
    for (size_t i = order.size(); i-- > 0 && shown < args.show_errors;) {
      if (scored[order[i]].spam) {
        std::printf("low spam  %.6f %s\n", scored[order[i]].score, mixed[order[i]].name.c_str());
        ++shown;
      }
    }
  }
  return 0;
}

int MetricsOf(const BayesArgs& args) {
  std::ifstream in(args.scores_file);
  if (!in) {
    std::fprintf(stderr, "sluice bayes metrics: cannot open %s\n", args.scores_file.c_str());
    return 2;
  }
  std::vector<bayes::Scored> scored;
  std::string label;
  double score;
  while (in >> label >> score) {
    if (label != "spam" && label != "ham") {
      std::fprintf(stderr, "sluice bayes metrics: bad label \"%s\" (spam or ham)\n", label.c_str());
      return 2;
    }
    scored.push_back({score, label == "spam"});
  }
  PrintMetrics("", bayes::Evaluate(scored, args.threshold), args.threshold);
  return 0;
}

const bool registered = RegisterCommand(50, [](CLI::App& app, Globals& globals) {
  auto args = std::make_shared<BayesArgs>();
  auto* cmd = app.add_subcommand("bayes", "inspect and maintain the Bayes token store");
  cmd->require_subcommand(1);
  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--db", args->db, "token store directory (default: scoring.bayes.db)")
        ->option_text("DIR");
  };
  auto* stats = cmd->add_subcommand("stats", "messages learned, tokens, size on disk");
  add_db(stats);
  stats->callback([args, &globals] { globals.exit_code = Stats(*args, globals); });

  auto* expire = cmd->add_subcommand("expire", "drop rare tokens not seen for a while");
  add_db(expire);
  expire->add_option("--max-count", args->max_count, "drop tokens in at most N messages (1)");
  expire->add_option("--days", args->days, "... and not seen in the last N days (30)");
  expire->callback([args, &globals] { globals.exit_code = Expire(*args, globals); });

  auto* dump = cmd->add_subcommand("dump", "counts of tokens, as `score --json` names them");
  add_db(dump);
  dump->add_option("tokens", args->tokens, "tokens")->required();
  dump->callback([args, &globals] { globals.exit_code = Dump(*args, globals); });

  auto* cv = cmd->add_subcommand("cv", "k-fold cross-validation on a training set (tuning)");
  cv->add_option("--spam", args->spam, "spam paths")->required();
  cv->add_option("--ham", args->ham, "ham paths")->required();
  cv->add_option("--folds", args->folds, "folds (5)");
  cv->add_option("--osb", args->osb, "sparse bigram window (0 = words only)");
  cv->add_option("--min-chars", args->min_chars, "shortest word kept");
  cv->add_option("--html-markup", args->html_markup, "tokens of HTML tag/attribute names (0/1)");
  cv->add_option("--all-headers", args->all_headers, "words of every header (0/1)");
  cv->add_option("--max-chars", args->max_chars, "longest word kept as is");
  cv->add_option("--strength", args->classifier.strength, "Robinson s");
  cv->add_option("--unknown", args->classifier.unknown_prob, "Robinson x");
  cv->add_option("--min-dev", args->classifier.min_dev, "ignore |f-0.5| below this");
  cv->add_option("--max-clues", args->classifier.max_clues, "strongest tokens used (0 = all)");
  cv->add_option("--skip-received", args->skip_received, "top Received headers not tokenized");
  cv->add_option("--family-cap", args->classifier.family_cap,
                 "clues kept per capped header family (0 = all)");
  cv->add_option("--cap-families", args->cap_families,
                 "families capped: received, return-path, recipients, sender, list, none")
      ->delimiter(',');
  cv->add_option("--shapes", args->shapes,
                 "shape token families: digits, headers, urls, none (default: none)")
      ->delimiter(',');
  cv->add_option("--threshold", args->threshold, "probability counted as spam (0.5)");
  cv->add_option("--rank", args->rank, "rank by probability (default), margin or log-odds")
      ->check(CLI::IsMember({"probability", "margin", "log-odds", "blend"}));
  cv->add_option("--weights", args->weights, "also rules + Bayes at these Bayes weights")
      ->delimiter(',');
  cv->add_option("--holdout-last", args->holdout_last,
                 "instead of folds: score the last fraction of each class, trained on the rest");
  cv->add_option("--score-spam", args->score_spam,
                 "score these spam paths (never learned) instead of folds: reporting only");
  cv->add_option("--score-ham", args->score_ham,
                 "score these ham paths (never learned) instead of folds: reporting only");
  cv->add_option("--holdout-first", args->holdout_first,
                 "with --holdout-last F: score the first F of each group instead (0/1)");
  cv->add_option("--dump", args->dump_file,
                 "write each scored message's Bayes details and rule score (TSV)");
  cv->add_option("--show-errors", args->show_errors, "list the N worst-ranked ham and spam");
  cv->add_option("--learner", args->learner,
                 "nb (chi-square only), logistic or both (also the logistic experiment)")
      ->check(CLI::IsMember({"nb", "logistic", "both"}));
  cv->add_option("--features", args->features,
                 "logistic features: tokens, ngrams, both, or content (tokens not of the "
                 "delivery path), or selected (tokens minus --logistic-drop)")
      ->check(CLI::IsMember({"tokens", "ngrams", "both", "content", "selected"}));
  cv->add_option("--logistic-drop", args->logistic_drop,
                 "with --features selected: families (received, return-path, recipients, "
                 "sender, list) or tag prefixes (mid:, xm:, hn:, ...) the logistic learner "
                 "does not see")
      ->delimiter(',');
  cv->add_option("--rate", args->logistic.rate, "logistic step size");
  cv->add_option("--epochs", args->logistic.epochs, "logistic passes over the training folds");
  cv->add_option("--tone", args->logistic.tone_margin,
                 "logistic learns when y * margin is below this (train on or near error)");
  cv->add_option("--buckets", args->logistic.bucket_bits, "logistic weights: 2^N buckets")
      ->check(CLI::Range(8, 26));
  cv->add_option("--normalize", args->logistic.normalize, "features weigh 1/sqrt(n) (0/1)");
  cv->add_option("--ngram-min", args->ngrams.min_n, "shortest character n-gram");
  cv->add_option("--ngram-max", args->ngrams.max_n, "longest character n-gram");
  cv->add_option("--ngram-bytes", args->ngrams.max_bytes, "n-grams of the first N bytes");
  cv->add_option("--logistic-scale", args->logistic_scale,
                 "P(spam) = sigmoid(scale * margin) for rules + logistic");
  cv->callback([args, &globals] { globals.exit_code = CrossValidation(*args, globals); });

  auto* metrics = cmd->add_subcommand("metrics", "accuracy of \"spam|ham<TAB>score\" lines");
  metrics->add_option("file", args->scores_file, "scores file")->required();
  metrics->add_option("--threshold", args->threshold, "score counted as spam");
  metrics->callback([args, &globals] { globals.exit_code = MetricsOf(*args); });
});

}  // namespace
}  // namespace sluice::cli
