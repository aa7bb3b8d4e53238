// classifier.h - Robinson-Fisher chi-square combining of token evidence.
//
// Each token's spam probability is Robinson's smoothed estimate
//   f(w) = (s*x + n*p(w)) / (s + n),  p(w) = (spam/S) / (spam/S + ham/H),  n = spam + ham
// (S, H: messages learned). Tokens with |f - 0.5| < min_dev are ignored and at most
// max_clues of the strongest are used. Fisher's method tests the kept f(w) once for
// "spammy" and once for "hammy" (chi-square with 2n degrees of freedom, computed in log
// space so hundreds of clues never underflow); the indicator is I = (1 + S - H) / 2 as in
// SpamBayes and bogofilter: near 1 spam, near 0 ham, near 0.5 unsure or both.
// Clues are not independent: a mailing list's headers all say "came through this list", so
// at most family_cap clues of each capped header family (tokenizer.h, TokenFamily) count.
//
// Failure: none. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "filter/bayes/token_store.h"
#include "filter/bayes/tokenizer.h"

namespace sluice::bayes {

// Defaults chosen by 5- and 10-fold cross-validation on the training split (models/README.md,
// bench/RESULTS.md): ignoring weak clues (min_dev 0.3) and using all the others ranked
// messages best; SpamBayes' 0.45/0.1/150 gave (1-AUC)% 0.28 there, these 0.065-0.075.
struct ClassifierOptions {
  double strength = 0.2;      // Robinson s: weight of the prior for rare tokens
  double unknown_prob = 0.5;  // Robinson x: the prior
  double min_dev = 0.3;       // ignore tokens with |f - 0.5| below this
  uint32_t max_clues = 0;     // strongest tokens used; 0 = all
  // With token families given: at most family_cap clues (the strongest) of each family in
  // capped_families (bit 1 << TokenFamily, tokenizer.h); 0 = no cap. A BayesModel sets both
  // from the model's recorded options; these defaults are what a new model records.
  uint32_t family_cap = TokenizerOptions{}.family_cap;
  uint32_t capped_families = TokenizerOptions{}.capped_families;
};

struct Clue {
  uint32_t index = 0;  // into the token list
  double prob = 0.5;   // f(w)
};

struct Classification {
  double probability = 0.5;  // I
  // ln of the chi-square tail probabilities: very negative spam_log_tail means strong spam
  // evidence (S near 1), very negative ham_log_tail strong ham evidence.
  double spam_log_tail = 0;
  double ham_log_tail = 0;
  uint32_t clues_used = 0;
  // Sum of ln(f / (1 - f)) over the clues: naive-Bayes log odds, for ranking studies.
  double log_odds = 0;
};

// Robinson's f(w) for one token.
double TokenProbability(const TokenCounts& counts, const ModelTotals& totals,
                        const ClassifierOptions& options);

// ln Q(chi2 | 2k degrees of freedom), the upper tail of the chi-square distribution.
double LogChi2Q(double chi2, uint32_t k);

// Combines the counts of one message's tokens. *clues (scratch, reused) ends up holding
// the clues used; the first `ordered` of them (all by default) are the strongest, strongest
// first. Scoring that shows no clues passes 0 and skips the sort. The result does not
// depend on `ordered`. `families` is empty or parallel to `counts` (TokenList::families());
// options.family_cap applies only when it is given.
Classification Classify(std::span<const TokenCounts> counts, const ModelTotals& totals,
                        const ClassifierOptions& options, std::vector<Clue>* clues,
                        size_t ordered = SIZE_MAX, std::span<const uint8_t> families = {});

}  // namespace sluice::bayes
