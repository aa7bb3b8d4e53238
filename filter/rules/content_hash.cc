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

namespace {

void AppendHex(const unsigned char* bytes, size_t size, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    *out += kHex[bytes[i] >> 4];
    *out += kHex[bytes[i] & 15];
  }
}

std::string SealLine(std::string_view magic, std::string_view body) {
  std::string line(magic);
  line += ' ';
  line += std::to_string(body.size());
  line += ' ';
  line += ContentHash().Add(body).Hex();
  return line;
}

}  // namespace

std::string ContentHash::Hex(size_t hex_digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->md, digest, &length);
  std::string hex;
  AppendHex(digest, std::min<size_t>(length, (hex_digits + 1) / 2), &hex);
  hex.resize(std::min(hex.size(), hex_digits));
  return hex;
}

std::string SealCacheFile(std::string_view magic, std::string_view body) {
  std::string text = SealLine(magic, body);
  text += '\n';
  text += body;
  return text;
}

bool UnsealCacheFile(std::string_view bytes, std::string_view magic, std::string_view* body) {
  const size_t eol = bytes.find('\n');
  if (eol == std::string_view::npos) return false;
  *body = bytes.substr(eol + 1);
  return bytes.substr(0, eol) == SealLine(magic, *body);
}

namespace {

// Appends the build id note of one loaded object (if it has one) to *out, as hex.
int AddBuildId(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
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
        AppendHex(reinterpret_cast<const unsigned char*>(desc), note.n_descsz, out);
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
