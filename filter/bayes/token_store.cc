// token_store.cc - RocksDB layout, merge operator and the open/learn/expire paths.
//
// Keys (one column family):
//   't' + hash (8 bytes, big-endian)  -> counts: int32 spam, int32 ham, uint32 day (LE)
//   'd' + digest (16 bytes)           -> 's' or 'h': the class the message was learned as
//   "Mtotals"                         -> counts record of message totals
//   "Mformat"                         -> "hash=1 osb=N min=N max=N text=N ..." (options)
// Counts records are changed only by merge operands in the same format holding signed
// deltas; reads clamp negatives to zero.
#include "filter/bayes/token_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

#include "filter/bayes/token_hash.h"

namespace sluice::bayes {
namespace {

namespace fs = std::filesystem;

constexpr char kTotalsKey[] = "Mtotals";
constexpr char kFormatKey[] = "Mformat";
constexpr size_t kRecordSize = 12;

struct Record {
  int64_t spam = 0;
  int64_t ham = 0;
  uint32_t day = 0;
};

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
void Store32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }

Record Decode(const rocksdb::Slice& value) {
  Record r;
  if (value.size() != kRecordSize) return r;
  r.spam = static_cast<int32_t>(Load32(value.data()));
  r.ham = static_cast<int32_t>(Load32(value.data() + 4));
  r.day = Load32(value.data() + 8);
  return r;
}

int32_t Clamp32(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
}

std::string Encode(int64_t spam, int64_t ham, uint32_t day) {
  std::string out(kRecordSize, '\0');
  Store32(out.data(), static_cast<uint32_t>(Clamp32(spam)));
  Store32(out.data() + 4, static_cast<uint32_t>(Clamp32(ham)));
  Store32(out.data() + 8, day);
  return out;
}

TokenCounts ToCounts(const Record& r) {
  return {static_cast<uint32_t>(std::max<int64_t>(r.spam, 0)),
          static_cast<uint32_t>(std::max<int64_t>(r.ham, 0)), r.day};
}

// Sums deltas and keeps the latest day. Associative, so RocksDB may combine operands in
// any grouping during compaction.
class CountsMerge : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    Record a = existing ? Decode(*existing) : Record{};
    Record b = Decode(value);
    *new_value = Encode(a.spam + b.spam, a.ham + b.ham, std::max(a.day, b.day));
    return true;
  }
  const char* Name() const override { return "sluice.bayes.counts.v1"; }
};

std::string TokenKey(uint64_t hash) {
  std::string key(9, 't');
  for (int i = 0; i < 8; ++i) key[1 + i] = static_cast<char>(hash >> (56 - 8 * i));
  return key;
}

uint64_t HashOfKey(const rocksdb::Slice& key) {
  uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash = (hash << 8) | static_cast<unsigned char>(key[1 + i]);
  return hash;
}

std::string DigestKey(const MessageDigest& digest) {
  std::string key(1, 'd');
  key.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return key;
}

std::string FormatString(const TokenizerOptions& o) {
  std::ostringstream out;
  out << "hash=" << kTokenHashVersion << " osb=" << o.osb_window << " min=" << o.min_word_chars
      << " max=" << o.max_word_chars << " text=" << o.max_text_bytes << " html=" << o.html_markup
      << " allh=" << o.all_headers << " skiprcvd=" << o.skip_received << " fcap=" << o.family_cap
      << " fcapset=" << o.capped_families << " shapes=" << o.shapes;
  return out.str();
}

bool ParseFormat(const std::string& text, TokenizerOptions* o) {
  std::istringstream in(text);
  std::string field;
  uint32_t hash_version = 0;
  // Models made before these options existed lack their fields: they keep scoring as they
  // were made (nothing skipped, no cap), whatever today's defaults are.
  o->skip_received = 0;
  o->family_cap = 0;
  o->capped_families = 0;
  o->shapes = 0;
  while (in >> field) {
    const size_t eq = field.find('=');
    if (eq == std::string::npos) return false;
    const std::string key = field.substr(0, eq);
    const uint64_t value = std::strtoull(field.c_str() + eq + 1, nullptr, 10);
    if (key == "hash") hash_version = static_cast<uint32_t>(value);
    if (key == "osb") o->osb_window = static_cast<uint32_t>(value);
    if (key == "min") o->min_word_chars = static_cast<uint32_t>(value);
    if (key == "max") o->max_word_chars = static_cast<uint32_t>(value);
    if (key == "text") o->max_text_bytes = value;
    if (key == "html") o->html_markup = value != 0;
    if (key == "allh") o->all_headers = value != 0;
    if (key == "skiprcvd") o->skip_received = static_cast<uint32_t>(value);
    if (key == "fcap") o->family_cap = static_cast<uint32_t>(value);
    if (key == "fcapset") o->capped_families = static_cast<uint32_t>(value);
    if (key == "shapes") o->shapes = static_cast<uint32_t>(value);
  }
  return hash_version == kTokenHashVersion;
}

rocksdb::Options MakeOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::Options options;
  options.merge_operator = std::make_shared<CountsMerge>();
  options.max_open_files = -1;  // required for secondary instances
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = false;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

Status FromRocks(const rocksdb::Status& s, const std::string& dir, const char* what) {
  std::string msg = std::string("token DB ") + dir + ": " + what + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::Unavailable("token DB " + dir +
                               " is locked by another trainer (only one `sluice train` or "
                               "`sluice bayes expire` at a time): " +
                               s.ToString());
  }
  return Status::Io(msg);
}

}  // namespace

MessageDigest DigestOf(std::string_view raw) {
  const uint64_t a = HashFinish(HashContinue(kFnvOffset, raw));
  const uint64_t b = HashFinish(HashContinue(kFnvOffset ^ 0x5bd1e9955bd1e995ULL, raw) + raw.size());
  MessageDigest digest;
  std::memcpy(digest.data(), &a, 8);
  std::memcpy(digest.data() + 8, &b, 8);
  return digest;
}

uint32_t Today() {
  using namespace std::chrono;
  return static_cast<uint32_t>(
      duration_cast<hours>(system_clock::now().time_since_epoch()).count() / 24);
}

std::string_view LearnOutcomeName(LearnOutcome outcome) {
  switch (outcome) {
    case LearnOutcome::kLearned:
      return "learned";
    case LearnOutcome::kAlreadyLearned:
      return "already learned";
    case LearnOutcome::kRelearned:
      return "relearned";
    case LearnOutcome::kForgotten:
      return "forgotten";
    case LearnOutcome::kNotLearned:
      return "not learned";
  }
  return "?";
}

TokenStore::~TokenStore() {
  db_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

Result<std::unique_ptr<TokenStore>> TokenStore::OpenForTraining(
    const std::string& dir, const TokenizerOptions& create_options) {
  return Open(dir, OpenMode::kTrain, create_options);
}

Result<std::unique_ptr<TokenStore>> TokenStore::OpenForScoring(const std::string& dir) {
  return Open(dir, OpenMode::kScore, TokenizerOptions{});
}

Result<std::unique_ptr<TokenStore>> TokenStore::OpenExisting(const std::string& dir) {
  return Open(dir, OpenMode::kWriteExisting, TokenizerOptions{});
}

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& dir, OpenMode mode,
                                                     const TokenizerOptions& create_options) {
  if (dir.empty()) return Status::Invalid("no token DB configured (scoring.bayes.db)");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    // Said plainly: "no token DB at FILE" or "cannot create directory" sends the admin
    // looking for a missing store when --db names the wrong thing.
    return Status::Invalid("token DB " + dir +
                           " is not a directory (a token DB is the directory `sluice train` "
                           "makes)");
  }
  const bool writable = mode != OpenMode::kScore;
  if (mode != OpenMode::kTrain && !fs::exists(fs::path(dir) / "CURRENT", ec)) {
    return Status::NotFound("no token DB at " + dir + " (train one with `sluice train`)");
  }
  std::unique_ptr<TokenStore> store(new TokenStore());
  store->dir_ = dir;
  store->writable_ = writable;
  store->cache_ = rocksdb::NewLRUCache(64 << 20);
  rocksdb::Options options = MakeOptions(store->cache_);
  rocksdb::DB* raw = nullptr;
  if (writable) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Io("token DB " + dir + ": cannot create directory: " + ec.message());
    options.create_if_missing = mode == OpenMode::kTrain;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
    if (!s.ok()) return FromRocks(s, dir, "cannot open for training");
  } else {
    char scratch[] = "/tmp/sluice-bayes-XXXXXX";
    if (mkdtemp(scratch) == nullptr) return Status::Io("cannot create a scratch directory in /tmp");
    store->secondary_dir_ = scratch;
    rocksdb::Status s = rocksdb::DB::OpenAsSecondary(options, dir, store->secondary_dir_, &raw);
    if (!s.ok()) return FromRocks(s, dir, "cannot open for reading");
  }
  store->db_.reset(raw);
  Status format = store->LoadFormat(create_options);
  if (!format.ok()) return format;
  return store;
}

Status TokenStore::LoadFormat(const TokenizerOptions& create_options) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kFormatKey, &value);
  if (s.IsNotFound()) {
    if (!writable_) return Status::Corruption("token DB " + dir_ + ": no format record");
    tokenizer_options_ = create_options;
    s = db_->Put(rocksdb::WriteOptions(), kFormatKey, FormatString(create_options));
    return s.ok() ? Status::Ok() : FromRocks(s, dir_, "cannot write format record");
  }
  if (!s.ok()) return FromRocks(s, dir_, "cannot read format record");
  if (!ParseFormat(value, &tokenizer_options_)) {
    return Status::Corruption("token DB " + dir_ + ": unsupported format \"" + value +
                              "\" (retrain with this version of sluice)");
  }
  return Status::Ok();
}

Result<ModelTotals> TokenStore::Totals() const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kTotalsKey, &value);
  if (s.IsNotFound()) return ModelTotals{};
  if (!s.ok()) return FromRocks(s, dir_, "cannot read totals");
  const TokenCounts c = ToCounts(Decode(value));
  return ModelTotals{c.spam, c.ham};
}

uint64_t TokenStore::Sequence() const { return db_->GetLatestSequenceNumber(); }

Status TokenStore::Lookup(std::span<const uint64_t> hashes, TokenCounts* out) const {
  const size_t n = hashes.size();
  if (n == 0) return Status::Ok();
  // Per-thread buffers, reused across messages: the keys side by side in one block (no
  // string per token), and the slice, value and status arrays MultiGet fills.
  thread_local std::vector<char> key_bytes;
  thread_local std::vector<rocksdb::Slice> slices;
  thread_local std::vector<rocksdb::PinnableSlice> values;
  thread_local std::vector<rocksdb::Status> statuses;
  key_bytes.resize(n * 9);
  slices.resize(n);
  if (values.size() < n) values.resize(n);
  statuses.resize(n);
  for (size_t i = 0; i < n; ++i) {
    char* key = key_bytes.data() + i * 9;
    key[0] = 't';
    for (int b = 0; b < 8; ++b) key[1 + b] = static_cast<char>(hashes[i] >> (56 - 8 * b));
    slices[i] = rocksdb::Slice(key, 9);
  }
  db_->MultiGet(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), n, slices.data(), values.data(),
                statuses.data());
  Status result = Status::Ok();
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].ok()) {
      out[i] = ToCounts(Decode(values[i]));
    } else if (statuses[i].IsNotFound()) {
      out[i] = TokenCounts{};
    } else if (result.ok()) {
      result = FromRocks(statuses[i], dir_, "lookup failed");
    }
    values[i].Reset();  // unpin the block now, not at the next message
  }
  return result;
}

Status TokenStore::ForEachToken(const std::function<void(uint64_t, const TokenCounts&)>& fn) const {
  rocksdb::ReadOptions read;
  read.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
  for (it->Seek("t"); it->Valid() && it->key().starts_with("t"); it->Next()) {
    if (it->key().size() != 9) continue;
    const TokenCounts counts = ToCounts(Decode(it->value()));
    if (counts.spam == 0 && counts.ham == 0) continue;
    fn(HashOfKey(it->key()), counts);
  }
  return it->status().ok() ? Status::Ok() : FromRocks(it->status(), dir_, "scan failed");
}

Result<LearnOutcome> TokenStore::Learn(const MessageDigest& digest,
                                       std::span<const uint64_t> hashes, bool spam, bool forget,
                                       uint32_t day) {
  if (!writable_) return Status::Invalid("token DB " + dir_ + " is open read-only");
  const std::string digest_key = DigestKey(digest);
  std::string previous;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), digest_key, &previous);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, dir_, "cannot read message digest");
  const bool known = s.ok() && previous.size() == 1;
  const bool known_spam = known && previous[0] == 's';

  // Net change per token of spam and ham counts, and the outcome.
  int spam_delta = 0, ham_delta = 0;
  LearnOutcome outcome;
  rocksdb::WriteBatch batch;
  if (forget) {
    if (!known) return LearnOutcome::kNotLearned;
    (known_spam ? spam_delta : ham_delta) = -1;
    batch.Delete(digest_key);
    outcome = LearnOutcome::kForgotten;
  } else if (known && known_spam == spam) {
    return LearnOutcome::kAlreadyLearned;
  } else {
    if (known) (known_spam ? spam_delta : ham_delta) = -1;
    (spam ? spam_delta : ham_delta) += 1;
    batch.Put(digest_key, spam ? "s" : "h");
    outcome = known ? LearnOutcome::kRelearned : LearnOutcome::kLearned;
  }
  const std::string delta = Encode(spam_delta, ham_delta, forget ? 0 : day);
  for (uint64_t hash : hashes) batch.Merge(TokenKey(hash), delta);
  batch.Merge(kTotalsKey, delta);
  s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocks(s, dir_, "write failed");
  return outcome;
}

Result<uint64_t> TokenStore::Expire(uint32_t max_count, uint32_t before_day) {
  if (!writable_) return Status::Invalid("token DB " + dir_ + " is open read-only");
  uint64_t dropped = 0;
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("t"); it->Valid() && it->key().starts_with("t"); it->Next()) {
    const TokenCounts c = ToCounts(Decode(it->value()));
    if (uint64_t{c.spam} + c.ham <= max_count && c.last_day < before_day) {
      batch.Delete(it->key());
      ++dropped;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), dir_, "scan failed");
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocks(s, dir_, "write failed");
  rocksdb::CompactRangeOptions compact;
  db_->CompactRange(compact, nullptr, nullptr);
  return dropped;
}

Result<StoreStats> TokenStore::Stats() const {
  StoreStats stats;
  auto totals = Totals();
  if (!totals.ok()) return totals.status();
  stats.totals = *totals;
  stats.tokenizer = tokenizer_options_;
  Status scan = ForEachToken([&](uint64_t, const TokenCounts&) { ++stats.tokens; });
  if (!scan.ok()) return scan;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("d"); it->Valid() && it->key().starts_with("d"); it->Next()) ++stats.messages;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.is_regular_file(ec)) stats.disk_bytes += entry.file_size(ec);
  }
  return stats;
}

Status TokenStore::CatchUp() {
  if (writable_) return Status::Ok();
  rocksdb::Status s = db_->TryCatchUpWithPrimary();
  return s.ok() ? Status::Ok() : FromRocks(s, dir_, "catch-up failed");
}

Status TokenStore::Flush() {
  if (!writable_) return Status::Ok();
  rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
  return s.ok() ? Status::Ok() : FromRocks(s, dir_, "flush failed");
}

}  // namespace sluice::bayes
