// classifier.cc - Robinson smoothing, clue selection and Fisher's chi-square test.
#include "filter/bayes/classifier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>

#include "filter/bayes/tokenizer.h"

namespace sluice::bayes {

double TokenProbability(const TokenCounts& counts, const ModelTotals& totals,
                        const ClassifierOptions& options) {
  const double n = static_cast<double>(counts.spam) + counts.ham;
  if (n == 0 || totals.spam_messages == 0 || totals.ham_messages == 0) return options.unknown_prob;
  const double spam_ratio = std::min(1.0, counts.spam / static_cast<double>(totals.spam_messages));
  const double ham_ratio = std::min(1.0, counts.ham / static_cast<double>(totals.ham_messages));
  const double p = spam_ratio / (spam_ratio + ham_ratio);
  return (options.strength * options.unknown_prob + n * p) / (options.strength + n);
}

// Sums a series of positive terms that shrink by `ratio(i)` from term 1 on, until they can
// no longer change the sum.
template <typename Ratio>
double SumFalling(uint32_t from, uint32_t to, Ratio ratio) {
  constexpr double kNegligible = 1e-17;
  double sum = 0, term = 1;
  for (uint32_t i = from; i != to; from < to ? ++i : --i) {
    term *= ratio(i);
    sum += term;
    if (term < sum * kNegligible) break;
  }
  return sum;
}

double LogChi2Q(double chi2, uint32_t k) {
  if (k == 0 || chi2 <= 0) return 0;
  // Q = P(Poisson(m) < k) = exp(-m) * sum_{i<k} t_i with t_i = m^i / i!. The terms rise
  // while i < m and fall after, so every sum below starts at its largest term and walks
  // away from it with the ratios t_i / t_(i-1) = m / i, stopping once a term no longer
  // counts: a few dozen multiplications instead of k logarithms, and no overflow.
  const double m = chi2 / 2;
  const double log_m = std::log(m);
  int sign = 0;  // lgamma_r: lgamma's reentrant form, which writes no global
  if (m + 1 <= k) {
    // Q is near 1 (k - 1 >= m): its complement, the upper tail sum_{i>=k}, is what carries
    // the information, and summing it directly keeps it exact down to 1e-300 where 1 - Q
    // computed from Q would be rounding noise below 1e-16.
    const double log_tk = k * log_m - ::lgamma_r(k + 1.0, &sign);
    const double upper = SumFalling(k + 1, UINT32_MAX, [m](uint32_t i) { return m / i; });
    const double log_p = -m + log_tk + std::log1p(upper);
    return std::log1p(-std::exp(log_p));
  }
  // m > k - 1: every term of the sum rises towards t_(k-1).
  const uint32_t top = k - 1;
  const double log_top = top * log_m - ::lgamma_r(top + 1.0, &sign);
  const double below = SumFalling(top, 0, [m](uint32_t i) { return i / m; });
  return std::min(0.0, -m + log_top + std::log1p(below));
}

namespace {

// What a token's counts say, computed once per (spam, ham) pair: f(w) and, for clues, the
// two logarithms Fisher's method sums.
struct Evidence {
  uint64_t key = 0;  // spam << 32 | ham; 0 (never looked up: such tokens are skipped) = empty
  double f = 0;
  double log_f = 0, log_1mf = 0;  // for clues only
};

bool IsClue(double f, const ClassifierOptions& options) {
  return !(std::fabs(f - 0.5) < options.min_dev);
}

// Keep f away from 0 and 1 so one token can never decide alone.
double Clamped(double f) { return std::clamp(f, 1e-6, 1 - 1e-6); }

// Per-thread memo of Evidence for one model (totals) and one set of options. Most tokens
// of a message have small counts shared by many tokens, so most of a message's divisions
// and logarithms were recomputations of the same values; a hit returns the very doubles
// the computation gives, so sums and scores stay identical bit for bit.
class EvidenceCache {
 public:
  const Evidence& Get(const TokenCounts& counts, const ModelTotals& totals,
                      const ClassifierOptions& options) {
    if (!ready_ || totals.spam_messages != totals_.spam_messages ||
        totals.ham_messages != totals_.ham_messages || options.strength != strength_ ||
        options.unknown_prob != unknown_prob_ || options.min_dev != min_dev_) {
      entries_.fill(Evidence{});
      ready_ = true;
      totals_ = totals;
      strength_ = options.strength;
      unknown_prob_ = options.unknown_prob;
      min_dev_ = options.min_dev;
    }
    const uint64_t key = KeyOf(counts);
    Evidence& e = entries_[SlotOf(key)];
    if (e.key != key) {
      e.key = key;
      e.f = TokenProbability(counts, totals, options);
      if (IsClue(e.f, options)) {
        e.log_f = std::log(Clamped(e.f));
        e.log_1mf = std::log1p(-Clamped(e.f));
      }
    }
    return e;
  }

  // Asks for the entry of `counts` ahead of its Get(): the rule scan and the MIME parse
  // push the table out of the caches between messages, and a Get() that waits for memory
  // was a third of Classify's time.
  void Prefetch(const TokenCounts& counts) const {
    __builtin_prefetch(&entries_[SlotOf(KeyOf(counts))]);
  }

 private:
  static uint64_t KeyOf(const TokenCounts& counts) {
    return uint64_t{counts.spam} << 32 | counts.ham;
  }
  static size_t SlotOf(uint64_t key) { return (key * 0x9e3779b97f4a7c15ULL) >> (64 - kBits); }
  // 4,096 entries, 128 KB: the whole test split has 2,151 distinct count pairs.
  static constexpr int kBits = 12;
  std::array<Evidence, size_t{1} << kBits> entries_{};
  bool ready_ = false;
  ModelTotals totals_;
  double strength_ = 0, unknown_prob_ = 0, min_dev_ = 0;
};

// The first k clues of *clues by `stronger`, strongest first, moved to the front; the
// others follow in their earlier order. What partial_sort gives for the first k (the
// order is total: ties go by index), with one comparison for most clues instead of heap
// operations.
template <typename Stronger>
void MoveStrongestToFront(std::vector<Clue>* clues, size_t k, Stronger stronger) {
  Clue best[16];
  size_t kept = 0;
  for (const Clue& clue : *clues) {
    if (kept == k && !stronger(clue, best[k - 1])) continue;
    size_t at = kept < k ? kept++ : k - 1;
    while (at > 0 && stronger(clue, best[at - 1])) {
      best[at] = best[at - 1];
      --at;
    }
    best[at] = clue;
  }
  // The others, in order, to the back; best[k - 1] is the weakest of the chosen.
  size_t write = clues->size();
  for (size_t read = clues->size(); read-- > 0;) {
    const Clue& clue = (*clues)[read];
    if (stronger(best[k - 1], clue)) (*clues)[--write] = clue;
  }
  std::copy(best, best + k, clues->begin());
}

// Keeps at most `cap` clues of each family in `capped_families` (never kContent): the
// strongest by `stronger`. Returns whether any clue was dropped.
template <typename Stronger>
bool CapFamilies(std::vector<Clue>* clues, std::span<const uint8_t> families, uint32_t cap,
                 uint32_t capped_families, Stronger stronger) {
  // Unknown family numbers count as content, which is never capped.
  auto family_of = [&](const Clue& clue) {
    const uint8_t f = families[clue.index];
    return f < kTokenFamilies ? f : uint8_t{kContent};
  };
  std::array<uint32_t, kTokenFamilies> count{};
  for (const Clue& clue : *clues) ++count[family_of(clue)];
  // The weakest clue each over-full family keeps: a family's clues at least that strong
  // are exactly its `cap` strongest (the order is total).
  std::array<Clue, kTokenFamilies> weakest_kept{};
  std::array<bool, kTokenFamilies> capped{};
  thread_local std::vector<Clue> members;
  for (uint8_t f = kContent + 1; f < kTokenFamilies; ++f) {
    if (count[f] <= cap || !(capped_families >> f & 1)) continue;
    capped[f] = true;
    members.clear();
    for (const Clue& clue : *clues) {
      if (family_of(clue) == f) members.push_back(clue);
    }
    std::nth_element(members.begin(), members.begin() + (cap - 1), members.end(), stronger);
    weakest_kept[f] = members[cap - 1];
  }
  size_t write = 0;
  for (size_t read = 0; read < clues->size(); ++read) {
    const Clue clue = (*clues)[read];
    const uint8_t f = family_of(clue);
    if (!capped[f] || !stronger(weakest_kept[f], clue)) (*clues)[write++] = clue;
  }
  const bool dropped = write != clues->size();
  clues->resize(write);
  return dropped;
}

}  // namespace

Classification Classify(std::span<const TokenCounts> counts, const ModelTotals& totals,
                        const ClassifierOptions& options, std::vector<Clue>* clues, size_t ordered,
                        std::span<const uint8_t> families) {
  // On the heap, made on first use: threads that never classify (RocksDB's, a daemon's
  // I/O threads) do not carry 128 KB of thread-local storage each.
  thread_local std::unique_ptr<EvidenceCache> cache_owner;
  if (!cache_owner) cache_owner = std::make_unique<EvidenceCache>();
  EvidenceCache& cache = *cache_owner;
  clues->clear();
  // Each clue's two logarithms by token index, for the sums redone after a cut: the very
  // doubles the cache gave (std::log of the same clamped f), with no logarithm recomputed.
  thread_local std::vector<std::array<double, 2>> clue_logs;
  if (clue_logs.size() < counts.size()) clue_logs.resize(counts.size());
  // Summed in token order as the clues are found: the order the loop below uses when no
  // max_clues cut reorders them.
  double sum_log_ham = 0, sum_log_spam = 0;
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(kAhead, counts.size()); ++i) cache.Prefetch(counts[i]);
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i + kAhead < counts.size()) cache.Prefetch(counts[i + kAhead]);
    if (counts[i].spam == 0 && counts[i].ham == 0) continue;
    const Evidence& e = cache.Get(counts[i], totals, options);
    if (!IsClue(e.f, options)) continue;
    clues->push_back({static_cast<uint32_t>(i), e.f});
    clue_logs[i] = {e.log_f, e.log_1mf};
    sum_log_ham += e.log_f;
    sum_log_spam += e.log_1mf;
  }
  auto stronger = [](const Clue& a, const Clue& b) {
    const double da = std::fabs(a.prob - 0.5), db = std::fabs(b.prob - 0.5);
    return da != db ? da > db : a.index < b.index;
  };
  bool dropped = false;
  if (options.family_cap > 0 && families.size() == counts.size()) {
    dropped = CapFamilies(clues, families, options.family_cap, options.capped_families, stronger);
  }
  if (options.max_clues > 0 && clues->size() > options.max_clues) {
    std::nth_element(clues->begin(), clues->begin() + options.max_clues, clues->end(), stronger);
    clues->resize(options.max_clues);
    dropped = true;
  }
  if (dropped) {
    sum_log_ham = sum_log_spam = 0;
    for (const Clue& clue : *clues) {
      sum_log_ham += clue_logs[clue.index][0];
      sum_log_spam += clue_logs[clue.index][1];
    }
  }

  Classification result;
  result.clues_used = static_cast<uint32_t>(clues->size());
  if (!clues->empty()) {
    // Summed before any ordering, so the result never depends on how many clues the
    // caller wanted ordered.
    result.log_odds = sum_log_ham - sum_log_spam;
    const uint32_t k = result.clues_used;
    result.spam_log_tail = LogChi2Q(-2 * sum_log_spam, k);
    result.ham_log_tail = LogChi2Q(-2 * sum_log_ham, k);
    const double s = -std::expm1(result.spam_log_tail);  // 1 - Q: spam evidence
    const double h = -std::expm1(result.ham_log_tail);   // ham evidence
    result.probability = std::clamp((1 + s - h) / 2, 0.0, 1.0);
  }
  if (ordered >= clues->size()) {
    std::sort(clues->begin(), clues->end(), stronger);
  } else if (ordered > 0 && ordered <= 16) {
    MoveStrongestToFront(clues, ordered, stronger);
  } else if (ordered > 0) {
    std::partial_sort(clues->begin(), clues->begin() + ordered, clues->end(), stronger);
  }
  return result;
}

}  // namespace sluice::bayes
