// content_hash.cc - EVP SHA-256 behind ContentHash; build ids from the loaded ELF notes.
#include "filter/rules/content_hash.h"

#include <elf.h>
#include <link.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>

namespace sluice::rules {

struct ContentHash::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(md); }
};

namespace {

// SHA-256 fetched from its provider once: EVP_sha256() alone makes every EVP_DigestInit_ex
// look the implementation up again, and a load hashes some sixty times.
const EVP_MD* Sha256() {
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched ? fetched : EVP_sha256();
}

}  // namespace

ContentHash::ContentHash() : context_(new Context) {
  EVP_DigestInit_ex(context_->md, Sha256(), nullptr);
}

ContentHash::~ContentHash() { delete context_; }

ContentHash& ContentHash::Add(const void* data, size_t size) {
  const uint64_t length = size;
  EVP_DigestUpdate(context_->md, &length, sizeof length);
  EVP_DigestUpdate(context_->md, data, size);
  return *this;
}

std::string ContentHash::Hex(size_t hex_digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->md, digest, &length);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length && hex.size() < hex_digits; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  hex.resize(std::min(hex.size(), hex_digits));
  return hex;
}

namespace {

// Appends the build id note of one loaded object (if it has one) to *out, as hex.
int AddBuildId(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  static const char kHex[] = "0123456789abcdef";
  bool found = false;
  for (int i = 0; i < info->dlpi_phnum && !found; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof note);
      const char* name = p + sizeof note;
      const char* desc = name + ((note.n_namesz + 3) & ~3u);
      const char* next = desc + ((note.n_descsz + 3) & ~3u);
      if (next > end) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        for (unsigned b = 0; b < note.n_descsz; ++b) {
          *out += kHex[static_cast<unsigned char>(desc[b]) >> 4];
          *out += kHex[static_cast<unsigned char>(desc[b]) & 15];
        }
        found = true;
        break;
      }
      p = next;
    }
  }
  // The program itself (the first object) must have one; a library without one is named.
  if (!found) *out += out->empty() ? std::string("!") : std::string("?") + info->dlpi_name;
  *out += ';';
  return 0;
}

}  // namespace

const std::string& LoadedCodeIdentity() {
  static const std::string identity = [] {
    std::string ids;
    dl_iterate_phdr(AddBuildId, &ids);
    return ids.rfind('!', 0) == 0 ? std::string() : ids;
  }();
  return identity;
}

}  // namespace sluice::rules
