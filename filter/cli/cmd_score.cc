// cmd_score.cc - `sluice score [--json] [--db DIR] PATH...`: score messages, print verdicts.
//
// Paths are files, directories, Maildirs, mbox files or @LIST files (mail_source.h).
// Default output, one line per message: "path<TAB>score<TAB>action". With --json one
// object per line: score, action, rule hits, the Bayes probability and strongest tokens,
// notes and per-stage times in microseconds.
// A message is read to at most max(64 MiB, scoring.max_scan_bytes); a longer one is cut
// there (said on stderr) and scored on what was read, which is all the engine scans.
// A missing or broken token store is not fatal: messages are scored on rules alone, a
// warning goes to stderr once and each JSON object carries the note.
// Exit status: 0 all scored; 1 some paths unreadable (reported, skipped); 2 the
// configuration or the rules could not be loaded.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "filter/cli/command.h"
#include "filter/engine/engine.h"
#include "filter/engine/mail_source.h"

namespace sluice::cli {
namespace {

struct ScoreArgs {
  std::vector<std::string> paths;
  bool json = false;
  std::string db;
  bool no_bayes = false;
};

nlohmann::json VerdictJson(const std::string& name, const ScoreResult& result) {
  const Verdict& v = result.verdict;
  nlohmann::json out;
  out["path"] = name;
  out["score"] = v.score;
  out["action"] = std::string(ActionName(v.action));
  auto& rules = out["rules"] = nlohmann::json::array();
  for (const RuleHit& hit : v.hits) {
    rules.push_back({{"id", hit.id},
                     {"score", hit.score},
                     {"target", hit.target},
                     {"matched", hit.matched},
                     {"count", hit.count}});
  }
  nlohmann::json bayes = {{"available", v.bayes.available}, {"status", v.bayes.status}};
  if (v.bayes.available) {
    bayes["probability"] = v.bayes.probability;
    bayes["score"] = v.bayes.score;
    auto& tokens = bayes["tokens"] = nlohmann::json::array();
    for (const auto& [token, p] : v.bayes.top_tokens) tokens.push_back({token, p});
  }
  out["bayes"] = std::move(bayes);
  out["times_us"] = {{"mime", v.times.mime_us},
                     {"rules", v.times.rules_us},
                     {"bayes", v.times.bayes_us},
                     {"total", v.times.total_us}};
  out["notes"] = v.notes;
  out["error"] = v.error;
  out["size"] = result.facts.size;
  out["message_id"] = result.facts.message_id;
  out["subject"] = result.facts.subject;
  return out;
}

int RunScore(const ScoreArgs& args, const Globals& globals) {
  auto config = globals.LoadConfiguration();
  if (!config.ok()) {
    std::fprintf(stderr, "sluice score: %s\n", config.status().message().c_str());
    return 2;
  }
  if (!args.db.empty()) config->scoring.bayes_db = args.db;
  if (args.no_bayes) config->scoring.bayes_enabled = false;
  auto engine = Engine::Open(*config);
  if (!engine.ok()) {
    std::fprintf(stderr, "sluice score: %s\n", engine.status().message().c_str());
    return 2;
  }
  ScoreOptions options;
  options.explain = args.json;
  bool warned = false;
  size_t unreadable = 0;
  std::string line;
  ScoreResult result;  // reused: its strings and vectors keep their buffers across messages
  // Bounded reads: the engine scans max_scan_bytes, so a cut message scores the same; it
  // keeps `sluice score /dev/zero` from reading until memory runs out.
  MailWalkOptions walk;
  walk.max_message_bytes =
      std::max(MailWalkOptions::kDefaultMaxMessageBytes, config->scoring.max_scan_bytes);
  for (const std::string& path : args.paths) {
    WalkMail(
        path, walk,
        [&](const std::string& name, std::string_view data) {
          (*engine)->ScoreInto(data, (*engine)->config().scoring.thresholds, options, &result);
          const Verdict& v = result.verdict;
          if (!warned && !v.bayes.available && config->scoring.bayes_enabled) {
            warned = true;
            std::fprintf(stderr, "sluice score: bayes unavailable, scoring on rules alone: %s\n",
                         v.bayes.status.c_str());
          }
          if (args.json) {
            line = VerdictJson(name, result)
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          } else {
            // Built in the one reused line buffer: no temporaries per message.
            // to_chars with a precision formats exactly as printf's "%.3f" does, without
            // parsing a format string for every message. Room for any double: DBL_MAX has
            // 309 digits before the point.
            char score[400];
            const auto formatted =
                std::to_chars(score, score + sizeof score, v.score, std::chars_format::fixed, 3);
            line.assign(name);
            line.push_back('\t');
            line.append(score, formatted.ptr);
            line.push_back('\t');
            line.append(ActionName(v.action));
          }
          line.push_back('\n');
          std::fwrite(line.data(), 1, line.size(), stdout);
        },
        [&](const std::string& name, const std::string& error) {
          ++unreadable;
          std::fprintf(stderr, "sluice score: skipped %s: %s\n", name.c_str(), error.c_str());
        },
        [&](const std::string& name, const std::string& note) {
          std::fprintf(stderr, "sluice score: %s: %s\n", name.c_str(), note.c_str());
        });
  }
  std::fflush(stdout);
  return unreadable > 0 ? 1 : 0;
}

const bool registered = RegisterCommand(40, [](CLI::App& app, Globals& globals) {
  auto args = std::make_shared<ScoreArgs>();
  auto* cmd = app.add_subcommand("score", "score messages: path, score, action per message");
  cmd->add_option("paths", args->paths, "files, directories, Maildirs, mbox files, @LIST")
      ->required();
  cmd->add_flag("--json", args->json, "one JSON object per message, with reasons and timings");
  cmd->add_option("--db", args->db, "token store directory (default: scoring.bayes.db)")
      ->option_text("DIR");
  cmd->add_flag("--no-bayes", args->no_bayes, "score on rules alone");
  cmd->callback([args, &globals] { globals.exit_code = RunScore(*args, globals); });
});

}  // namespace
}  // namespace sluice::cli
