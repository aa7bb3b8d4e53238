// cmd_train.cc - `sluice train --spam PATH... --ham PATH... [--forget] [--db DIR]`.
//
// Learns messages into the token store (creating it if missing). Paths are files,
// directories, Maildirs, mbox files or @LIST files (mail_source.h). Progress goes to
// stderr every few seconds on long runs; a summary at the end.
// Exit status: 0 when everything given was learned (or already known), 1 when some paths
// were unreadable (they are reported and skipped, the rest is learned), 2 when the token
// store cannot be opened or written (locked by another trainer, corrupt, no permission).
// A message over max(64 MiB, scoring.max_scan_bytes) is skipped and reported like an
// unreadable path (exit 1); training goes on.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "filter/bayes/token_table.h"
#include "filter/bayes/trainer.h"
#include "filter/cli/command.h"
#include "filter/engine/mail_source.h"
#include "filter/mime/message.h"

namespace sluice::cli {
namespace {

struct TrainArgs {
  std::vector<std::string> spam, ham;
  bool forget = false;
  std::string db;
  uint32_t osb_window = 0;
  bool quiet = false;
};

struct Tally {
  size_t by_outcome[5] = {};
  size_t unreadable = 0;
  size_t seen = 0;
};

int RunTrain(const TrainArgs& args, const Globals& globals) {
  auto config = globals.LoadConfiguration();
  if (!config.ok()) {
    std::fprintf(stderr, "sluice train: %s\n", config.status().message().c_str());
    return 2;
  }
  const std::string db = args.db.empty() ? config->scoring.bayes_db : args.db;
  bayes::TokenizerOptions create;
  create.osb_window = args.osb_window;
  auto trainer = bayes::Trainer::Open(db, create);
  if (!trainer.ok()) {
    std::fprintf(stderr, "sluice train: %s\n", trainer.status().message().c_str());
    return 2;
  }
  mime::Parser parser(config->scoring.limits);
  const size_t max_bytes = config->scoring.max_scan_bytes;
  Tally tally;
  Status write_error;
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;

  // A message over the bound (far above real mail) is reported and skipped, not learned
  // from its first bytes: it is not mail the filter will see, and reading it whole could
  // run out of memory (a named pipe or device may never end).
  MailWalkOptions walk;
  walk.max_message_bytes = std::max(MailWalkOptions::kDefaultMaxMessageBytes, max_bytes);
  walk.skip_oversized = true;

  auto learn_all = [&](const std::vector<std::string>& paths, bool spam) {
    for (const std::string& path : paths) {
      if (!write_error.ok()) return;
      WalkMail(
          path, walk,
          [&](const std::string& name, std::string_view data) {
            if (!write_error.ok()) return;
            if (data.size() > max_bytes) data = data.substr(0, max_bytes);
            const mime::Message& message = parser.Parse(data);
            auto outcome = (*trainer)->Learn(message, data, spam, args.forget);
            if (!outcome.ok()) {
              write_error = outcome.status();
              std::fprintf(stderr, "sluice train: %s: %s\n", name.c_str(),
                           outcome.status().message().c_str());
              return;
            }
            ++tally.by_outcome[static_cast<int>(*outcome)];
            ++tally.seen;
            const auto now = std::chrono::steady_clock::now();
            if (!args.quiet && now - last_report > std::chrono::seconds(2)) {
              last_report = now;
              const double secs = std::chrono::duration<double>(now - start).count();
              std::fprintf(stderr, "sluice train: %zu messages (%.0f/s)...\n", tally.seen,
                           tally.seen / secs);
            }
          },
          [&](const std::string& name, const std::string& error) {
            ++tally.unreadable;
            std::fprintf(stderr, "sluice train: skipped %s: %s\n", name.c_str(), error.c_str());
          },
          nullptr);
    }
  };
  learn_all(args.spam, true);
  learn_all(args.ham, false);
  if (write_error.ok()) write_error = (*trainer)->store().Flush();
  if (write_error.ok()) {
    // Scorers load this copy instead of scanning the store; without it they still work.
    Status saved = bayes::TokenTable::SaveSnapshot((*trainer)->store());
    if (!saved.ok()) std::fprintf(stderr, "sluice train: warning: %s\n", saved.message().c_str());
  }

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  using bayes::LearnOutcome;
  auto count = [&](LearnOutcome o) { return tally.by_outcome[static_cast<int>(o)]; };
  std::printf(
      "%s %zu messages in %.1f s: %zu learned, %zu relearned, %zu already learned, "
      "%zu forgotten, %zu not learned before, %zu unreadable\n",
      args.forget ? "forgot" : "trained on", tally.seen, secs, count(LearnOutcome::kLearned),
      count(LearnOutcome::kRelearned), count(LearnOutcome::kAlreadyLearned),
      count(LearnOutcome::kForgotten), count(LearnOutcome::kNotLearned), tally.unreadable);
  auto totals = (*trainer)->store().Totals();
  if (totals.ok()) {
    std::printf("model %s: %u spam and %u ham messages\n", db.c_str(), totals->spam_messages,
                totals->ham_messages);
  }
  if (!write_error.ok()) return 2;
  return tally.unreadable > 0 ? 1 : 0;
}

const bool registered = RegisterCommand(30, [](CLI::App& app, Globals& globals) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "learn spam and ham into the Bayes token store");
  cmd->add_option("--spam", args->spam, "spam: files, directories, Maildirs, mbox, @LIST")
      ->option_text("PATH...");
  cmd->add_option("--ham", args->ham, "ham: files, directories, Maildirs, mbox, @LIST")
      ->option_text("PATH...");
  cmd->add_flag("--forget", args->forget, "unlearn these messages instead");
  cmd->add_option("--db", args->db, "token store directory (default: scoring.bayes.db)")
      ->option_text("DIR");
  cmd->add_option("--osb", args->osb_window,
                  "new store only: sparse bigrams of body words up to N apart (0 = none)")
      ->option_text("N");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress lines");
  cmd->callback([args, &globals] {
    if (args->spam.empty() && args->ham.empty()) {
      std::fprintf(stderr, "sluice train: nothing to learn: give --spam and/or --ham\n");
      globals.exit_code = 2;
      return;
    }
    globals.exit_code = RunTrain(*args, globals);
  });
});

}  // namespace
}  // namespace sluice::cli
