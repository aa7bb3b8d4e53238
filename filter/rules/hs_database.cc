// hs_database.cc - hs_compile_multi behind a content-addressed serialization cache.
#include "filter/rules/hs_database.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string_view>

#include "filter/rules/content_hash.h"
#include "filter/rules/rule_cache.h"
#include "filter/util/atomic_file.h"
#include "filter/util/mapped_file.h"

namespace sluice::rules {
namespace {

constexpr const char kCachePrefix[] = "sluice-rules-";
constexpr const char kCacheSuffix[] = ".hsdb";
constexpr const char kChecksSuffix[] = ".checks";

// This machine's CPU features and tuning as Hyperscan sees them. Asked once: it runs CPUID,
// which a virtual machine traps (~25 us each), and a load names some 30 cache files.
const hs_platform_info_t& Platform() {
  static const hs_platform_info_t platform = [] {
    hs_platform_info_t p{};
    hs_populate_platform(&p);
    return p;
  }();
  return platform;
}

std::string CacheKey(const std::vector<HsPattern>& patterns) {
  const hs_platform_info_t& platform = Platform();
  ContentHash hash;
  hash.Add(hs_version());
  hash.Add(&platform.tune, sizeof(platform.tune));
  hash.Add(&platform.cpu_features, sizeof(platform.cpu_features));
  for (const auto& p : patterns) {
    hash.Add(p.pattern);
    hash.Add(&p.flags, sizeof(p.flags));
    hash.Add(&p.id, sizeof(p.id));
  }
  return hash.Hex(32);  // 128 bits name a file well enough
}

HsDatabasePtr ReadCache(const std::string& path) {
  MappedFile file;  // deserialized straight from the page cache: one copy, made by Hyperscan
  if (!file.Open(path)) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(file.bytes().data(), file.bytes().size(), &db) != HS_SUCCESS) {
    // Corrupt or from another Hyperscan: recompile. The error_code form, because a file that
    // cannot be removed (a read-only or immutable cache directory) must not turn a cache miss
    // into a failed start or reload: the fresh database is written over it, or not cached.
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return nullptr;
  }
  return HsDatabasePtr(db);
}

void WriteCache(const std::string& path, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  // Failure is silent: the database is in memory; the cache only saves the next start time.
  (void)WriteFileAtomically(path, {std::string_view(bytes, length)});
  free(bytes);
}

// The checks file, sealed (SealCacheFile: a damaged file, where a flipped width would narrow
// excerpt re-matches wrongly, is recomputed, never trusted); its body has per pattern
// "MAX_WIDTH LENGTH\n", LENGTH bytes of the problem text and "\n".
constexpr const char kChecksMagic[] = "sluice-checks 2";

std::string FormatChecks(const std::vector<HsPatternCheck>& checks) {
  std::string body;
  for (const auto& c : checks) {
    body += std::to_string(c.max_width) + " " + std::to_string(c.problem.size()) + "\n";
    body += c.problem;
    body += '\n';
  }
  return SealCacheFile(kChecksMagic, body);
}

// Parses a checks file for `count` patterns; false when it is not exactly that.
bool ParseChecks(const std::string& bytes, size_t count, std::vector<HsPatternCheck>* out) {
  std::string_view body;
  if (!UnsealCacheFile(bytes, kChecksMagic, &body)) return false;
  out->clear();
  size_t pos = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t line_end = body.find('\n', pos);
    if (line_end == std::string_view::npos) return false;
    unsigned long long width = 0;
    size_t length = 0;
    if (std::sscanf(std::string(body.substr(pos, line_end - pos)).c_str(), "%llu %zu", &width,
                    &length) != 2 ||
        width > UINT_MAX || line_end + 1 + length + 1 > body.size()) {
      return false;
    }
    HsPatternCheck check;
    check.max_width = static_cast<unsigned>(width);
    check.problem.assign(body.substr(line_end + 1, length));
    out->push_back(std::move(check));
    pos = line_end + 1 + length + 1;
  }
  return pos == body.size();
}

}  // namespace

HsCompileResult CompileHsDatabase(const std::vector<HsPattern>& patterns,
                                  const std::string& cache_dir) {
  HsCompileResult result;
  if (!cache_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    result.cache_file = kCachePrefix + CacheKey(patterns) + kCacheSuffix;
    result.db = ReadCache(cache_dir + "/" + result.cache_file);
    if (result.db) {
      result.from_cache = true;
      return result;
    }
  }
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, ids;
  for (const auto& p : patterns) {
    expressions.push_back(p.pattern.c_str());
    flags.push_back(p.flags);
    ids.push_back(p.id);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db,
                       &error) != HS_SUCCESS) {
    result.bad_index = error ? error->expression : -1;
    result.error = error ? error->message : "unknown Hyperscan error";
    hs_free_compile_error(error);
    return result;
  }
  result.db.reset(db);
  if (!cache_dir.empty()) WriteCache(cache_dir + "/" + result.cache_file, db);
  return result;
}

std::vector<HsPatternCheck> CheckHsPatterns(const std::vector<HsPattern>& patterns,
                                            const std::string& cache_dir, std::string* cache_file) {
  std::vector<HsPatternCheck> checks;
  std::string path;
  if (cache_file) cache_file->clear();
  if (!cache_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    std::string name = kCachePrefix + CacheKey(patterns) + kChecksSuffix;
    if (cache_file) *cache_file = name;
    path = cache_dir + "/" + name;
    std::string bytes;
    if (ReadFileBytes(path, &bytes) && ParseChecks(bytes, patterns.size(), &checks)) return checks;
  }
  checks.clear();
  checks.reserve(patterns.size());
  for (const auto& p : patterns) {
    HsPatternCheck check;
    check.problem = CheckHsPattern(p.pattern, p.flags, &check.max_width);
    checks.push_back(std::move(check));
  }
  if (!path.empty()) {
    (void)WriteFileAtomically(path, {FormatChecks(checks)});  // failure only costs time
  }
  return checks;
}

std::string CheckHsPattern(const std::string& pattern, unsigned flags, unsigned* max_width) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(pattern.c_str(), flags, &info, &error) != HS_SUCCESS) {
    std::string message = error ? error->message : "rejected";
    hs_free_compile_error(error);
    return message;
  }
  bool empty = info->min_width == 0;
  if (max_width) *max_width = info->max_width;
  free(info);
  return empty ? "pattern can match the empty string" : "";
}

size_t RemoveStaleCacheFiles(const std::string& cache_dir, const std::vector<std::string>& keep) {
  if (cache_dir.empty()) return 0;
  std::set<std::string> keep_set(keep.begin(), keep.end());
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(cache_dir, ec)) {
    std::string name = entry.path().filename().string();
    auto ends_with = [&](std::string_view suffix) {
      return name.size() > suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    bool cache_file =
        ends_with(kCacheSuffix) || ends_with(kChecksSuffix) || ends_with(kParsedRulesSuffix);
    bool temp_file = name.find(".tmp.") != std::string::npos;
    bool ours = name.rfind(kCachePrefix, 0) == 0 && (cache_file || temp_file);
    if (!ours || keep_set.count(name)) continue;
    std::error_code remove_ec;
    if (std::filesystem::remove(entry.path(), remove_ec)) ++removed;
  }
  return removed;
}

}  // namespace sluice::rules
