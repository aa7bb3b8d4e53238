// rule_cache.h - the rule files as parsed, kept in the rules cache (internal to rules/).
//
// Parsing the YAML rule files (yaml-cpp, then the words lists turned into regexes) was a fifth
// of a warm start. ReadRuleFilesCached keeps what ReadRuleFiles returned for a clean load (the
// rules and the warnings) in cache_dir as sluice-rules-<hash>.parsed, beside the Hyperscan
// databases, with every file that was read (includes too): its path, its canonical path and
// a SHA-256 of its bytes. A later load reads each of those files again and takes the cached
// rules only when every one is byte for byte what was parsed; the file is named by a hash of
// the top-level file list and of the code that parsed (LoadedCodeIdentity: a rebuilt sluice or
// another yaml-cpp parses again). A missing, damaged (checksum), stale or unreadable cache
// file means a parse, as without a cache, and is rewritten; files with errors are never
// cached, so a broken rule file is always parsed and refused with its file:line.
//
// Failure: cache I/O problems are silent (they cost a parse, never a difference).
// Thread-safety: safe to call from several threads and processes at once (files are replaced
// by rename, never written in place).
#pragma once

#include <string>
#include <vector>

#include "filter/rules/rule.h"
#include "filter/rules/rule_set.h"

namespace sluice::rules {

// ReadRuleFiles(files, errors, warnings), through the cache in cache_dir ("" = no cache).
// *cache_file (may be null) gets the cache file's name ("" when none applies), for
// RemoveStaleCacheFiles' keep list.
std::vector<Rule> ReadRuleFilesCached(const std::vector<std::string>& files,
                                      const std::string& cache_dir, std::vector<Diagnostic>* errors,
                                      std::vector<Diagnostic>* warnings, std::string* cache_file);

// The cache file suffix (for RemoveStaleCacheFiles).
inline constexpr const char kParsedRulesSuffix[] = ".parsed";

}  // namespace sluice::rules
