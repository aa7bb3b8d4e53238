// token_table_snapshot.cc - a TokenTable saved beside its store, so scorers skip the scan.
//
// File layout (native byte order; a file from a machine of the other order fails the
// byte-order check and is ignored): SnapshotHeader, then slot_count slots exactly as the
// table holds them, so loading is one read with no re-hashing.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/bayes/token_table.h"
#include "filter/util/atomic_file.h"
#include "filter/util/scoped_fd.h"

namespace sluice::bayes {
namespace {

constexpr char kMagic[8] = {'S', 'L', 'T', 'O', 'K', 'T', 'B', '1'};
constexpr uint32_t kByteOrder = 0x01020304;

std::string SnapshotPath(const TokenStore& store) {
  return store.dir() + "/" + TokenTable::kSnapshotFile;
}

// A cheap check against a truncated or scribbled file (not against tampering: whoever can
// write the store's directory can change the model anyway).
uint64_t Checksum(const void* data, size_t bytes) {
  const auto* words = static_cast<const uint64_t*>(data);
  uint64_t a = 0, b = 0;
  for (size_t i = 0; i < bytes / 8; ++i) {
    a += words[i];
    b += a;
  }
  return a ^ (b * 0x9e3779b97f4a7c15ULL);
}

// Fresh memory of `bytes` about to be written whole: asks for transparent huge pages where
// the kernel leaves that to the program, then maps it all in one call. Faulted in 4 KB at a
// time, the 4 MB of a 93,000-token table took 1,024 page faults, 2 ms of a one-message
// `sluice score`; a table in huge pages also costs lookups fewer TLB misses. Both are hints:
// an old kernel or a refusal changes nothing but the time.
void PrepareForFilling(void* data, size_t bytes) {
  constexpr size_t kOwnMapping = size_t{1} << 20;  // well above malloc's mmap threshold
  constexpr size_t kHugePage = size_t{2} << 20;
  if (bytes < kOwnMapping) return;  // from the heap, maybe beside other data: leave it
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  // From the page holding the start: a huge page needs its whole 2 MB in the advised range,
  // and a fresh multi-MB allocation is usually a mapping of its own that starts on that page.
  // (From the heap, the advice also covers a few neighbouring bytes: harmless, neither call
  // changes what memory holds.)
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes + page - 1) & ~(page - 1);
  void* start = reinterpret_cast<void*>(begin);
  if (bytes >= kHugePage) ::madvise(start, end - begin, MADV_HUGEPAGE);
  ::madvise(start, end - begin, MADV_POPULATE_WRITE);
}

bool ReadAll(int fd, void* out, size_t bytes) {
  auto* p = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t n = ::read(fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

struct TokenTable::SnapshotHeader {
  char magic[8];
  uint32_t byte_order;
  uint32_t slot_bytes;
  uint64_t sequence;  // TokenStore::Sequence() when the table was built
  uint32_t spam_messages;
  uint32_t ham_messages;
  uint64_t slot_count;
  uint64_t size;
  Slot zero;
  uint64_t checksum;  // of the slots
};

Status TokenTable::SaveSnapshot(const TokenStore& store) {
  auto totals = store.Totals();
  if (!totals.ok()) return totals.status();
  const uint64_t sequence = store.Sequence();
  auto table = Build(store, UINT64_MAX);
  if (!table.ok()) return table.status();
  SnapshotHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.byte_order = kByteOrder;
  header.slot_bytes = sizeof(Slot);
  header.sequence = sequence;
  header.spam_messages = totals->spam_messages;
  header.ham_messages = totals->ham_messages;
  return (*table)->Write(SnapshotPath(store), header);
}

Status TokenTable::Write(const std::string& path, const SnapshotHeader& stamp) const {
  SnapshotHeader header = stamp;
  header.slot_count = slots_.size();
  header.size = size_;
  header.zero = zero_;
  header.checksum = Checksum(slots_.data(), slots_.size() * sizeof(Slot));
  return WriteFileAtomically(
      path, {std::string_view(reinterpret_cast<const char*>(&header), sizeof header),
             std::string_view(reinterpret_cast<const char*>(slots_.data()),
                              slots_.size() * sizeof(Slot))});
}

Result<std::shared_ptr<const TokenTable>> TokenTable::LoadSnapshot(const TokenStore& store,
                                                                   uint64_t max_tokens) {
  const std::string path = SnapshotPath(store);
  const ScopedFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  const int fd = file.get();
  if (fd < 0) return Status::NotFound("no token table snapshot at " + path);
  auto fail = [&](const char* why) {
    return Status::NotFound("token table snapshot " + path + ": " + why);
  };
  struct stat st;
  SnapshotHeader header;
  if (::fstat(fd, &st) != 0 || !ReadAll(fd, &header, sizeof header)) return fail("unreadable");
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0 || header.byte_order != kByteOrder ||
      header.slot_bytes != sizeof(Slot)) {
    return fail("not a snapshot of this build's format");
  }
  auto totals = store.Totals();
  if (!totals.ok() || header.sequence != store.Sequence() ||
      header.spam_messages != totals->spam_messages ||
      header.ham_messages != totals->ham_messages) {
    return fail("stale (the store changed since)");
  }
  const uint64_t count = header.slot_count;
  if (count < 16 || (count & (count - 1)) != 0 || header.size > max_tokens || header.size > count ||
      static_cast<uint64_t>(st.st_size) != sizeof header + count * sizeof(Slot)) {
    return fail("bad size");
  }
  auto table = std::shared_ptr<TokenTable>(new TokenTable());
  table->slots_.reserve(count);
  PrepareForFilling(table->slots_.data(), count * sizeof(Slot));
  table->slots_.resize(count);
  if (!ReadAll(fd, table->slots_.data(), count * sizeof(Slot))) return fail("truncated");
  if (Checksum(table->slots_.data(), count * sizeof(Slot)) != header.checksum) {
    return Status::NotFound("token table snapshot " + path + ": checksum mismatch");
  }
  table->zero_ = header.zero;
  table->size_ = header.size;
  return std::shared_ptr<const TokenTable>(std::move(table));
}

}  // namespace sluice::bayes
