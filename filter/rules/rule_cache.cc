// rule_cache.cc - the parsed rule files as one checksummed cache file.
//
// File: "sluice-parsed 1 BODY_BYTES SHA256\n", then the body: the sources (path, canonical
// path, SHA-256 of the bytes), the warnings, the rules. Numbers are native 64-bit integers
// and a score is its double's bytes: the file is only read by the same build (its name
// covers the code identity), so native layout is exact and cheap.
#include "filter/rules/rule_cache.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "filter/rules/content_hash.h"
#include "filter/rules/rule_file.h"
#include "filter/util/atomic_file.h"
#include "filter/util/mapped_file.h"

namespace sluice::rules {
namespace {

constexpr const char kMagic[] = "sluice-parsed 1";

class Writer {
 public:
  void U64(uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Double(double v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads what Writer wrote; any read past the end makes ok() false for good.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}
  uint64_t U64() {
    uint64_t v = 0;
    if (!Take(&v, sizeof v)) return 0;
    return v;
  }
  std::string Str() {
    const uint64_t size = U64();
    if (!ok_ || size > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, size));
    pos_ += size;
    return s;
  }
  double Double() {
    double v = 0;
    Take(&v, sizeof v);
    return v;
  }
  // A count of items that each take at least `min_bytes`: bounded by what is left.
  uint64_t Count(size_t min_bytes) {
    const uint64_t n = U64();
    if (n > (in_.size() - pos_) / min_bytes) ok_ = false;
    return ok_ ? n : 0;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  bool Take(void* out, size_t size) {
    if (!ok_ || size > in_.size() - pos_) {
      ok_ = false;
      return false;
    }
    std::memcpy(out, in_.data() + pos_, size);
    pos_ += size;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string Digest(std::string_view bytes) { return ContentHash().Add(bytes).Hex(); }

void WriteDiagnostic(Writer* w, const Diagnostic& d) {
  w->Str(d.file);
  w->U64(static_cast<uint64_t>(static_cast<int64_t>(d.line)));
  w->Str(d.rule_id);
  w->Str(d.message);
}

Diagnostic ReadDiagnostic(Reader* r) {
  Diagnostic d;
  d.file = r->Str();
  d.line = static_cast<int>(static_cast<int64_t>(r->U64()));
  d.rule_id = r->Str();
  d.message = r->Str();
  return d;
}

void WriteRule(Writer* w, const Rule& rule) {
  w->Str(rule.id);
  w->Str(rule.description);
  w->Str(rule.file);
  w->U64(static_cast<uint64_t>(static_cast<int64_t>(rule.line)));
  w->U64(static_cast<uint64_t>(rule.kind));
  w->Str(rule.target);
  w->Str(rule.header_name);
  w->Str(rule.pattern);
  w->U64(rule.from_words);
  w->U64(rule.words.size());
  for (const auto& word : rule.words) w->Str(word);
  w->Str(rule.meta);
  const RuleFlags& f = rule.flags;
  w->U64(uint64_t{f.caseless} | uint64_t{f.dotall} << 1 | uint64_t{f.multiline} << 2 |
         uint64_t{f.utf8} << 3 | uint64_t{f.ucp} << 4);
  w->Double(rule.score);
  w->U64(rule.min_hits);
  w->U64(rule.enabled);
}

bool ReadRule(Reader* r, Rule* rule) {
  rule->id = r->Str();
  rule->description = r->Str();
  rule->file = r->Str();
  rule->line = static_cast<int>(static_cast<int64_t>(r->U64()));
  const uint64_t kind = r->U64();
  if (kind > static_cast<uint64_t>(TargetKind::kMeta)) return false;
  rule->kind = static_cast<TargetKind>(kind);
  rule->target = r->Str();
  rule->header_name = r->Str();
  rule->pattern = r->Str();
  rule->from_words = r->U64() != 0;
  const uint64_t words = r->Count(sizeof(uint64_t));
  rule->words.clear();
  for (uint64_t i = 0; i < words && r->ok(); ++i) rule->words.push_back(r->Str());
  rule->meta = r->Str();
  const uint64_t flags = r->U64();
  rule->flags = {(flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0,
                 (flags & 16) != 0};
  rule->score = r->Double();
  rule->min_hits = static_cast<uint32_t>(r->U64());
  rule->enabled = r->U64() != 0;
  return r->ok();
}

std::string Format(const std::vector<RuleSource>& sources, const std::vector<Diagnostic>& warnings,
                   const std::vector<Rule>& rules) {
  Writer w;
  w.U64(sources.size());
  for (const auto& source : sources) {
    w.Str(source.path);
    w.Str(source.canonical);
    w.Str(Digest(source.text));
  }
  w.U64(warnings.size());
  for (const auto& warning : warnings) WriteDiagnostic(&w, warning);
  w.U64(rules.size());
  for (const auto& rule : rules) WriteRule(&w, rule);
  return SealCacheFile(kMagic, w.bytes());
}

// True when `sources` are, each, the file at that path now, with the same bytes.
bool SourcesUnchanged(Reader* r) {
  const uint64_t count = r->Count(3 * sizeof(uint64_t));
  if (!r->ok() || count == 0) return false;
  std::string text;
  for (uint64_t i = 0; i < count; ++i) {
    const std::string path = r->Str();
    const std::string canonical = r->Str();
    const std::string digest = r->Str();
    if (!r->ok() || !ReadFileBytes(path, &text) || Digest(text) != digest) return false;
    std::error_code ec;
    if (std::filesystem::weakly_canonical(path, ec).string() != canonical || ec) return false;
  }
  return true;
}

// The cached rules and warnings when the file is intact and its sources unchanged.
bool Parse(const std::string& bytes, std::vector<Rule>* rules, std::vector<Diagnostic>* warnings) {
  std::string_view body;
  if (!UnsealCacheFile(bytes, kMagic, &body)) return false;
  Reader r(body);
  if (!SourcesUnchanged(&r)) return false;
  const uint64_t warning_count = r.Count(4 * sizeof(uint64_t));
  for (uint64_t i = 0; i < warning_count && r.ok(); ++i) warnings->push_back(ReadDiagnostic(&r));
  const uint64_t rule_count = r.Count(15 * sizeof(uint64_t));  // a rule's fields
  rules->resize(rule_count);
  for (auto& rule : *rules) {
    if (!ReadRule(&r, &rule)) return false;
  }
  return r.ok() && r.at_end();
}

}  // namespace

std::vector<Rule> ReadRuleFilesCached(const std::vector<std::string>& files,
                                      const std::string& cache_dir, std::vector<Diagnostic>* errors,
                                      std::vector<Diagnostic>* warnings, std::string* cache_file) {
  if (cache_file) cache_file->clear();
  const std::string& code = LoadedCodeIdentity();
  if (cache_dir.empty() || code.empty() || files.empty()) {
    return ReadRuleFiles(files, errors, warnings);
  }
  ContentHash key;
  key.Add(kMagic).Add(code);
  for (const auto& file : files) key.Add(file);
  const std::string name = "sluice-rules-" + key.Hex(32) + kParsedRulesSuffix;
  const std::string path = cache_dir + "/" + name;
  if (cache_file) *cache_file = name;

  std::string bytes;
  if (ReadFileBytes(path, &bytes)) {
    std::vector<Rule> rules;
    std::vector<Diagnostic> cached_warnings;
    if (Parse(bytes, &rules, &cached_warnings)) {
      warnings->insert(warnings->end(), cached_warnings.begin(), cached_warnings.end());
      return rules;
    }
  }

  std::vector<RuleSource> sources;
  std::vector<Diagnostic> errors_here, warnings_here;
  std::vector<Rule> rules = ReadRuleFiles(files, &errors_here, &warnings_here, &sources);
  if (errors_here.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    // Failure only costs the next start a parse.
    (void)WriteFileAtomically(path, {Format(sources, warnings_here, rules)});
  } else if (cache_file) {
    cache_file->clear();  // nothing of this load is cached
  }
  errors->insert(errors->end(), errors_here.begin(), errors_here.end());
  warnings->insert(warnings->end(), warnings_here.begin(), warnings_here.end());
  return rules;
}

}  // namespace sluice::rules
