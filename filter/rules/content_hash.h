// content_hash.h - SHA-256 over length-prefixed fields, for naming and checking the rules
// cache's files (internal to rules/).
//
// Each Add() hashes the field's length before its bytes, so ("ab", "c") and ("a", "bc")
// differ. Not for secrets: it names cache files by what determines their contents and
// tells a cache file's recorded inputs from the current ones.
// Thread-safety: one ContentHash per thread; the class holds an OpenSSL digest context.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::rules {

class ContentHash {
 public:
  ContentHash();
  ~ContentHash();
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;

  // Adds one field (its length, then its bytes).
  ContentHash& Add(const void* data, size_t size);
  ContentHash& Add(std::string_view bytes) { return Add(bytes.data(), bytes.size()); }
  // The first `hex_digits` hex digits of the digest of everything added (at most 64).
  // Ends this hash: call it once.
  std::string Hex(size_t hex_digits = 64);

 private:
  struct Context;
  Context* context_;
};

// The rules cache's files are sealed the same way: "MAGIC BODY_BYTES SHA256\n", then the
// body. SealCacheFile makes that text; UnsealCacheFile gives the body of a text that is
// exactly one such file with this magic (false for a damaged, cut, foreign or empty one), so
// a reader trusts nothing it did not write whole.
std::string SealCacheFile(std::string_view magic, std::string_view body);
bool UnsealCacheFile(std::string_view bytes, std::string_view magic, std::string_view* body);

// The identity of the code running in this process: the GNU build id of the program and of
// every shared object it has loaded (hex, computed once). A cache of something this code
// derived (the parsed rule files) is valid only for the same code: a rebuilt sluice, or an
// upgraded yaml-cpp, gives another identity. "" when the program has no build id (then
// nothing may be cached by it).
const std::string& LoadedCodeIdentity();

}  // namespace sluice::rules
