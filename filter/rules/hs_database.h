// hs_database.h - compiles one target's patterns into a Hyperscan database, through an
// on-disk cache (internal to rules/).
//
// The cache file name is a SHA-256 of everything that determines the compiled bytes:
// Hyperscan's version, the CPU features and tuning of this machine (hs_populate_platform),
// and each pattern with its flags and id. A file that fails to deserialize is deleted and
// the database recompiled, so a stale or corrupt cache costs time, never correctness.
//
// Failure: on a compile error the result names the index of the offending pattern (or -1
// for a whole-database problem) and Hyperscan's message; cache I/O problems are silent
// (the database is compiled in memory instead).
#pragma once

#include <hs/hs.h>

#include <climits>
#include <memory>
#include <string>
#include <vector>

namespace sluice::rules {

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using HsDatabasePtr = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;

struct HsPattern {
  std::string pattern;
  unsigned flags = 0;
  unsigned id = 0;
};

struct HsCompileResult {
  HsDatabasePtr db;
  int bad_index = -1;  // when !db: the pattern Hyperscan refused, or -1
  std::string error;   // when !db: Hyperscan's message
  bool from_cache = false;
  std::string cache_file;  // the file used or written ("" without a cache)
};

// Compiles the patterns (block mode), reading/writing cache_dir when it is not "".
HsCompileResult CompileHsDatabase(const std::vector<HsPattern>& patterns,
                                  const std::string& cache_dir);

// Checks one pattern alone (cheap, no full compile): "" when Hyperscan accepts it, else the
// reason. Patterns that can match the empty string are refused here. When accepted and
// max_width is not null, *max_width is the longest match in bytes (UINT_MAX: unbounded).
std::string CheckHsPattern(const std::string& pattern, unsigned flags,
                           unsigned* max_width = nullptr);

// One pattern's CheckHsPattern outcome: problem "" when Hyperscan accepts it.
struct HsPatternCheck {
  std::string problem;
  unsigned max_width = UINT_MAX;
};

// CheckHsPattern for every pattern (flags and pattern; ids only enter the file name), in
// order. The outcomes depend only on Hyperscan and the patterns, so with a cache_dir they are
// kept in a file named by the same kind of content hash as the databases (sluice-rules-*.checks):
// a restart reads them instead of parsing every pattern again (a third of a warm start). A missing,
// damaged or mismatched file is recomputed and rewritten. *cache_file (may be null) gets the file
// name used, "" without a cache_dir, for RemoveStaleCacheFiles' keep list.
std::vector<HsPatternCheck> CheckHsPatterns(const std::vector<HsPattern>& patterns,
                                            const std::string& cache_dir, std::string* cache_file);

// Removes cache files in cache_dir that are not in `keep` (file names). Returns how many.
size_t RemoveStaleCacheFiles(const std::string& cache_dir, const std::vector<std::string>& keep);

}  // namespace sluice::rules
