// hs_database.cc - hs_compile_multi behind a content-addressed serialization cache.
#include "filter/rules/hs_database.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace sluice::rules {
namespace {

constexpr const char kCachePrefix[] = "sluice-rules-";
constexpr const char kCacheSuffix[] = ".hsdb";

std::string CacheKey(const std::vector<HsPattern>& patterns) {
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto add = [&](const void* data, size_t size) {
    // Length-prefixed, so ("ab","c") and ("a","bc") differ.
    uint64_t n = size;
    EVP_DigestUpdate(ctx, &n, sizeof(n));
    EVP_DigestUpdate(ctx, data, size);
  };
  std::string version = hs_version();
  add(version.data(), version.size());
  add(&platform.tune, sizeof(platform.tune));
  add(&platform.cpu_features, sizeof(platform.cpu_features));
  for (const auto& p : patterns) {
    add(p.pattern.data(), p.pattern.size());
    add(&p.flags, sizeof(p.flags));
    add(&p.id, sizeof(p.id));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < 16 && i < length; ++i) {  // 128 bits name a file well enough
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

HsDatabasePtr ReadCache(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = buffer.str();
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) {
    std::filesystem::remove(path);  // corrupt or from another Hyperscan: recompile
    return nullptr;
  }
  return HsDatabasePtr(db);
}

void WriteCache(const std::string& path, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  // Write a temporary then rename: a reader never sees half a file.
  std::string temp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes, static_cast<std::streamsize>(length));
    if (!out) {
      free(bytes);
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      return;
    }
  }
  free(bytes);
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) std::filesystem::remove(temp, ec);
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
    bool cache_file = name.size() > sizeof(kCacheSuffix) &&
                      name.compare(name.size() - (sizeof(kCacheSuffix) - 1),
                                   sizeof(kCacheSuffix) - 1, kCacheSuffix) == 0;
    bool temp_file = name.find(".tmp.") != std::string::npos;
    bool ours = name.rfind(kCachePrefix, 0) == 0 && (cache_file || temp_file);
    if (!ours || keep_set.count(name)) continue;
    std::error_code remove_ec;
    if (std::filesystem::remove(entry.path(), remove_ec)) ++removed;
  }
  return removed;
}

}  // namespace sluice::rules
