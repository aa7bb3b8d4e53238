// rule_set_scan.cc - RuleSet::Scan: the hot path.
//
// One Hyperscan scan per target text with the target's database (a URL repeated in the
// message is scanned once, its matches counted once per copy); matches only bump a
// per-rule counter. Counted and literal-less body signs are facts (text_facts.h), not
// patterns: a callback per '!' or per capitals run cost more than the scan.
// The excerpt of a rule's matched text is computed once per hit rule, afterwards, by
// re-matching just that rule with PCRE2 near the reported end offset; so the databases
// need no HS_FLAG_SOM_LEFTMOST, which would slow every scan. ScanWithoutExcerpts (the
// daemons, `sluice score` without --json: nothing shows them) skips that re-match.
// `words` rules over body and rawbody scan a copy with each whitespace run made one ' '
// (CollapseSpace), where a phrase like 'gift certificate' is one literal for Hyperscan;
// when every rule of such a group can be, they are matched by a word lookup instead
// (word_matcher.h), which reports what Hyperscan would, in Hyperscan's order.
// Per-thread state (scratch, counters) lives in a thread_local and is reused, so a warm
// thread allocates only the hits it returns.
#include <string.h>  // memrchr

#include <algorithm>
#include <cctype>

#include "filter/rules/facts.h"
#include "filter/rules/rule_set_impl.h"
#include "filter/rules/target_text.h"
#include "filter/rules/url_host_prefix.h"

namespace sluice::rules {
namespace {

constexpr size_t kExcerptBytes = 80;
constexpr size_t kExcerptWindow = 1024;  // how far before the end offset PCRE2 starts
constexpr size_t kWidthMargin = 16;      // bytes added to a rule's max_width (see below)

struct UrlMatch {
  uint32_t rule;
  uint32_t end;
};

// The host-prefix matches of one distinct host prefix of the message being scanned:
// ThreadState::prefix_matches[begin, end).
struct PrefixMatches {
  std::string_view prefix;
  uint32_t begin, end;
};

struct ThreadState {
  hs_scratch_t* scratch = nullptr;
  uint64_t serial = 0;           // the rule set the scratch was last checked against
  std::vector<uint32_t> counts;  // per rule: matches in this message
  std::vector<uint64_t> first_end;
  std::vector<uint32_t> touched;  // rules with counts > 0, in order of first match
  std::vector<std::string> excerpts;
  std::vector<double> values;                                // meta slots: rules then facts
  std::string text;                                          // assembled header texts
  std::vector<std::vector<std::string_view>> header_values;  // per header_index_ slot
  std::string collapsed;  // body or rawbody with whitespace runs made one ' '
  std::string folded;     // WordMatcher's case-folded copy of a text
  std::vector<WordMatch> word_matches;
  std::vector<PrefixMatches> prefixes;  // uri host prefixes scanned in this message
  std::vector<UrlMatch> prefix_matches;
  std::vector<UrlMatch> url_matches;  // the path database's matches in one URL
  std::vector<UrlMatch> first_matches;
  ~ThreadState() { hs_free_scratch(scratch); }
};

thread_local ThreadState t_state;

struct MatchContext {
  ThreadState* state;
  uint32_t copies;  // how many times the scanned text occurs in the target
};

int OnMatch(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
            void* context) {
  const MatchContext* match = static_cast<MatchContext*>(context);
  ThreadState* state = match->state;
  uint32_t before = state->counts[id];
  state->counts[id] = before + match->copies;
  if (before == 0) {
    state->first_end[id] = to;
    state->touched.push_back(id);
  }
  return 0;  // keep scanning: other rules of the same target may still match
}

int CollectMatch(unsigned id, unsigned long long /*from*/, unsigned long long to,
                 unsigned /*flags*/, void* context) {
  static_cast<std::vector<UrlMatch>*>(context)->push_back(
      {id, static_cast<uint32_t>(std::min<unsigned long long>(to, UINT32_MAX))});
  return 0;
}

// The host-prefix database's matches in `prefix`, scanned once per distinct prefix of the
// message (a message with very many prefixes scans the rest each time).
std::pair<uint32_t, uint32_t> HostPrefixMatches(const TargetGroup& group, std::string_view prefix,
                                                ThreadState* state) {
  constexpr size_t kMaxPrefixes = 512;
  for (const PrefixMatches& seen : state->prefixes) {
    if (seen.prefix == prefix) return {seen.begin, seen.end};
  }
  uint32_t begin = static_cast<uint32_t>(state->prefix_matches.size());
  hs_scan(group.host_db.get(), prefix.data(), static_cast<unsigned>(prefix.size()), 0,
          state->scratch, CollectMatch, &state->prefix_matches);
  uint32_t end = static_cast<uint32_t>(state->prefix_matches.size());
  if (state->prefixes.size() < kMaxPrefixes) state->prefixes.push_back({prefix, begin, end});
  return {begin, end};
}

// Scans one URL of a uri group split by host prefix (TargetGroup::host_db) and records its
// matches as one scan of the group's full database would: the host-prefix rules' matches in
// the URL are their matches in its prefix (same ends), counts add up in any order, and only
// the order in which rules match for the first time in the message is Hyperscan's order of
// end offsets, redone here by sorting. Two such first matches at one end come in an order
// only the full database knows: that URL is scanned with it instead.
void ScanUrlByHostPrefix(const TargetGroup& group, std::string_view url, MatchContext* context) {
  ThreadState* state = context->state;
  auto [begin, end] = HostPrefixMatches(group, UrlHostPrefix(url), state);
  state->url_matches.clear();
  if (group.path_db) {
    hs_scan(group.path_db.get(), url.data(), static_cast<unsigned>(url.size()), 0, state->scratch,
            CollectMatch, &state->url_matches);
  }
  // The rules matching for the first time, at their first end in this URL (a rule's matches
  // come in order of end, so its first entry is its first end).
  std::vector<UrlMatch>& first = state->first_matches;
  first.clear();
  auto note_first = [&](const UrlMatch& match) {
    if (state->counts[match.rule] != 0) return;
    for (const UrlMatch& known : first) {
      if (known.rule == match.rule) return;
    }
    first.push_back(match);
  };
  for (uint32_t i = begin; i < end; ++i) note_first(state->prefix_matches[i]);
  for (const UrlMatch& match : state->url_matches) note_first(match);
  std::sort(first.begin(), first.end(),
            [](const UrlMatch& a, const UrlMatch& b) { return a.end < b.end; });
  for (size_t i = 1; i < first.size(); ++i) {
    if (first[i].end == first[i - 1].end) {
      hs_scan(group.db.get(), url.data(), static_cast<unsigned>(url.size()), 0, state->scratch,
              OnMatch, context);
      return;
    }
  }
  for (const UrlMatch& match : first) {
    state->first_end[match.rule] = match.end;
    state->touched.push_back(match.rule);
  }
  for (uint32_t i = begin; i < end; ++i) {
    state->counts[state->prefix_matches[i].rule] += context->copies;
  }
  for (const UrlMatch& match : state->url_matches) state->counts[match.rule] += context->copies;
}

// The fact headers from the header walk (slots in the order rule_set_load.cc adds them).
FactHeaders CollectedFactHeaders(const ThreadState& state, const std::vector<uint32_t>& slots) {
  FactHeaders found;
  if (slots.empty()) return found;
  auto first = [&](size_t k, std::optional<std::string_view>* out) {
    const auto& values = state.header_values[slots[k]];
    if (!values.empty()) *out = values.front();
  };
  first(0, &found.date);
  first(1, &found.message_id);
  first(2, &found.from);
  first(3, &found.subject);
  first(4, &found.to);
  first(5, &found.cc);
  found.received = state.header_values[slots[6]].size();
  return found;
}

// Records the matches of a word-matched group in `text` as OnMatch would have. Hyperscan
// reports each (rule, end) once, in order of end offset, and a rule without min_hits only
// at its first end (HS_FLAG_SINGLEMATCH); the matcher's matches come unordered, so they are
// sorted here and the group's rules are put in `touched` by first end. Two rules with the
// same first end would come in an order Hyperscan does not promise to keep: then nothing
// is recorded and false returned, as when the matcher cannot judge the text, and the
// caller scans with Hyperscan.
bool MatchWords(const TargetGroup& group, const std::vector<CompiledRule>& rules,
                std::string_view text, uint32_t copies, ThreadState* state) {
  std::vector<WordMatch>& matches = state->word_matches;
  matches.clear();
  if (!group.words->Scan(text, &state->folded, &matches)) return false;
  if (matches.empty()) return true;
  std::sort(matches.begin(), matches.end(), [](const WordMatch& a, const WordMatch& b) {
    return a.rule != b.rule ? a.rule < b.rule : a.end < b.end;
  });
  const size_t mark = state->touched.size();
  for (size_t i = 0; i < matches.size();) {
    const uint32_t rule = matches[i].rule;
    uint32_t distinct = 0, last = UINT32_MAX;
    state->first_end[rule] = matches[i].end;
    for (; i < matches.size() && matches[i].rule == rule; ++i) {
      if (matches[i].end != last) ++distinct;
      last = matches[i].end;
    }
    state->counts[rule] = (rules[rule].rule.min_hits <= 1 ? 1 : distinct) * copies;
    state->touched.push_back(rule);
  }
  auto begin = state->touched.begin() + static_cast<std::ptrdiff_t>(mark);
  std::sort(begin, state->touched.end(),
            [&](uint32_t a, uint32_t b) { return state->first_end[a] < state->first_end[b]; });
  for (auto it = begin; it + 1 < state->touched.end(); ++it) {
    if (state->first_end[*it] == state->first_end[*(it + 1)]) {
      for (auto undo = begin; undo != state->touched.end(); ++undo) state->counts[*undo] = 0;
      state->touched.resize(mark);
      return false;
    }
  }
  return true;
}

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Where the excerpt re-match of `rule` starts in `text`, given Hyperscan's earliest match
// end `end` there: any start at or before every match's start gives PCRE2's leftmost match,
// and the later it is, the fewer start positions PCRE2 tries (a words list or a '\s+'
// phrase has no literal to skip to). Starts 1 KB back at most, then moves closer with what
// the pattern's shape allows; the result is a character boundary.
size_t ReMatchStart(const CompiledRule& rule, std::string_view text, size_t end) {
  if (rule.fallback) return 0;  // PCRE2 found these itself: no end offset
  size_t start = end < kExcerptWindow ? 0 : end - kExcerptWindow;
  // Hyperscan reports matches in order of end offset, so `end` is the earliest end of any
  // match: no match starts before end - max_width. The margin covers a few characters of
  // disagreement between the two engines' width of a class.
  if (rule.max_width != UINT32_MAX && end > size_t{rule.max_width} + kWidthMargin) {
    start = std::max(start, end - rule.max_width - kWidthMargin);
  } else if (uint32_t most = rule.regex.max_non_space_bytes(); most != UINT32_MAX) {
    // A match holds at most `most` bytes other than whitespace and ends at `end` or later,
    // so it starts after the (most+1)-th such byte before `end`.
    size_t budget = size_t{most} + kWidthMargin;
    size_t at = end;
    for (; at > start; --at) {
      if (IsAsciiSpace(text[at - 1])) continue;
      if (budget == 0) break;
      --budget;
    }
    start = at;
  }
  // A pattern that cannot match '\n' matches within one line: every match ending at `end`
  // starts after the last '\n' before byte end-1, and none starts at or before that '\n'
  // (it would end before `end`). The same holds for '>' and the HTML tag patterns. The
  // byte after either is a character boundary.
  for (char edge : {'\n', '>'}) {
    if (end <= start || !rule.regex.never_holds(edge)) continue;
    const void* found = memrchr(text.data() + start, edge, end - 1 - start);
    if (found) start = static_cast<size_t>(static_cast<const char*>(found) - text.data()) + 1;
  }
  while (start > 0 && IsUtf8Continuation(text[start])) --start;
  return start;
}

// A short, single-line excerpt of text[begin, end).
std::string MakeExcerpt(std::string_view text, size_t begin, size_t end, bool trim_boundary) {
  end = std::min(end, text.size());
  begin = std::min(begin, end);
  std::string_view match = text.substr(begin, end - begin);
  if (trim_boundary) {  // words rules match the non-word characters around the word
    auto edge = [](char c) {
      unsigned char u = static_cast<unsigned char>(c);
      return u < 0x80 && !std::isalnum(u);
    };
    while (!match.empty() && edge(match.front())) match.remove_prefix(1);
    while (!match.empty() && edge(match.back())) match.remove_suffix(1);
  }
  if (match.size() > kExcerptBytes) {
    size_t cut = kExcerptBytes;
    while (cut > 0 && IsUtf8Continuation(match[cut])) --cut;
    match = match.substr(0, cut);
  }
  std::string out(match);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

}  // namespace

void RuleSetImpl::Scan(const mime::Message& message, std::vector<RuleHit>* hits) const {
  ScanImpl(message, false, true, hits);
}

void RuleSetImpl::ScanAll(const mime::Message& message, std::vector<RuleHit>* hits) const {
  ScanImpl(message, true, true, hits);
}

void RuleSetImpl::ScanWithoutExcerpts(const mime::Message& message,
                                      std::vector<RuleHit>* hits) const {
  ScanImpl(message, false, false, hits);
}

void RuleSetImpl::ScanImpl(const mime::Message& message, bool all, bool excerpts,
                           std::vector<RuleHit>* hits) const {
  ThreadState& state = t_state;
  if (state.serial != serial_) {
    // First use of this rule set on this thread: make the scratch big enough for it.
    // Scratch only grows, so threads alternating between old and new sets stay valid.
    if (!state.scratch && prototype_) {
      if (hs_clone_scratch(prototype_, &state.scratch) != HS_SUCCESS) state.scratch = nullptr;
    } else {
      for (const auto& group : groups_) {
        for (const HsDatabasePtr* db : {&group.db, &group.host_db, &group.path_db}) {
          if (*db) hs_alloc_scratch(db->get(), &state.scratch);
        }
      }
    }
    state.serial = serial_;
  }
  if (state.counts.size() < rules_.size()) {
    state.counts.resize(rules_.size(), 0);
    state.first_end.resize(rules_.size(), 0);
    state.excerpts.resize(rules_.size());
  }
  state.touched.clear();
  state.prefixes.clear();  // they point into this message's URLs
  state.prefix_matches.clear();
  MatchContext context{&state, 1};
  std::string_view collapsed_source;  // the text state.collapsed was built from
  bool collapsed_valid = false;
  // One walk over the headers for every header group (subject, from, to, header:<Name>).
  if (header_index_.size() > 0) header_index_.Collect(message, &state.header_values);

  for (const auto& group : groups_) {
    auto scan_text = [&](std::string_view text, uint32_t copies) {
      size_t mark = state.touched.size();
      context.copies = copies;
      // No pattern matches an empty text (empty-matching patterns are refused at load).
      if (group.words && MatchWords(group, rules_, text, copies, &state)) {
        // matched by word lookup: the same matches as the database would report
      } else if (group.host_db && state.scratch && !text.empty()) {
        ScanUrlByHostPrefix(group, text, &context);
      } else if (group.db && state.scratch && !text.empty()) {
        hs_scan(group.db.get(), text.data(), static_cast<unsigned>(text.size()), 0, state.scratch,
                OnMatch, &context);
      }
      for (uint32_t r : group.fallback) {
        uint32_t limit = std::max<uint32_t>(1, rules_[r].rule.min_hits);
        uint32_t n = rules_[r].regex.Count(text, limit);
        if (n == 0) continue;
        if (state.counts[r] == 0) {
          state.touched.push_back(r);
          state.first_end[r] = 0;
        }
        state.counts[r] += n * copies;
      }
      // Excerpts for the rules that hit for the first time in this text.
      if (!excerpts) return;
      for (size_t i = mark; i < state.touched.size(); ++i) {
        uint32_t r = state.touched[i];
        const CompiledRule& rule = rules_[r];
        // Helper and zero-score rules are never shown by Scan: no excerpt needed.
        if (!all && (!rule.report || rule.rule.score == 0)) continue;
        size_t end = std::min<size_t>(state.first_end[r], text.size());
        size_t start = ReMatchStart(rule, text, end);
        auto found = rule.regex.Find(text, start);
        state.excerpts[r] =
            found ? MakeExcerpt(text, found->first, found->second, rule.rule.from_words)
                  : MakeExcerpt(text, end > 60 ? end - 60 : 0, end, rule.rule.from_words);
      }
    };
    if (group.collapse_space) {  // one body and one rawbody group at most: built once each
      // A plain-text message has the same visible and raw text: collapse it once.
      std::string_view source =
          group.kind == TargetKind::kBody ? message.visible_text : message.raw_text;
      if (!collapsed_valid || source != collapsed_source) {
        CollapseSpace(source, &state.collapsed);
        collapsed_source = source;
        collapsed_valid = true;
      }
      scan_text(state.collapsed, 1);
    } else if (!group.header_slots.empty()) {
      state.text.clear();
      for (uint32_t slot : group.header_slots) JoinValues(state.header_values[slot], &state.text);
      scan_text(state.text, 1);
    } else {
      ForEachTargetText(message, group.kind, &state.text, scan_text);
    }
  }

  // Meta rules read rule outcomes (1 fired, 0 not) and message facts.
  const size_t slots = rules_.size() + kFactCount;
  state.values.assign(slots, 0.0);
  for (uint32_t r : state.touched) {
    uint32_t need = std::max<uint32_t>(1, rules_[r].rule.min_hits);
    state.values[r] = state.counts[r] >= need ? 1.0 : 0.0;
  }
  if (!meta_order_.empty()) {
    if (wanted_facts_ != 0) {
      ComputeFacts(message, wanted_facts_, CollectedFactHeaders(state, fact_header_slots_),
                   state.values.data() + rules_.size());
    }
    for (uint32_t r : meta_order_) {
      state.values[r] = rules_[r].meta->Eval(state.values.data(), slots) != 0 ? 1.0 : 0.0;
    }
  }

  for (uint32_t r : state.touched) {
    const CompiledRule& rule = rules_[r];
    if (state.values[r] != 0 && (all || (rule.report && rule.rule.score != 0))) {
      hits->push_back({rule.rule.id, rule.rule.score, rule.rule.target,
                       excerpts ? std::move(state.excerpts[r]) : std::string(), state.counts[r]});
    }
    state.counts[r] = 0;
  }
  for (uint32_t r : meta_order_) {
    const CompiledRule& rule = rules_[r];
    if (state.values[r] != 0 && (all || (rule.report && rule.rule.score != 0))) {
      hits->push_back({rule.rule.id, rule.rule.score, "meta", "", 1});
    }
  }
}

}  // namespace sluice::rules
