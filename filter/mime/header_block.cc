// header_block.cc - splits an RFC 5322 header block into fields, without copying.
//
// Reads line by line (LF or CRLF), joins continuation lines into the field before them,
// accepts obsolete syntax (spaces before the colon, empty values, 8-bit bytes) and stops at
// the blank line. A line that is neither a field nor a continuation ends the block and starts
// the body, which is how Python's email package and Thunderbird read a missing separator.
// Over-long lines, over-large blocks and too many fields are recorded as defects; fields past
// a limit are dropped but the block is still scanned to its end so the body starts right.
#include <cstring>

#include "filter/mime/parser_internal.h"
#include "filter/util/byte_classes.h"

namespace sluice::mime::internal {

void DefectSink::Add(DefectKind kind, std::string_view detail) {
  uint32_t bit = 1u << static_cast<uint32_t>(kind);
  if (seen_ & bit) return;
  seen_ |= bit;
  out_->push_back(Defect{kind, part_, std::string(detail)});
}

std::string_view TrimWhitespace(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return s.substr(b, e - b);
}

bool HeaderHasEncodedText(std::string_view raw_value) {
  const char* p = raw_value.data();
  const char* const end = p + raw_value.size();
#if defined(__SSE2__)
  // Most values are short ASCII without '=': 16 bytes per step, then the tail below.
  while (end - p >= 17) {  // one byte of lookahead for "=?"
    const __m128i v = simd::Load(p);
    if (simd::Mask(_mm_or_si128(v, simd::Equal(v, '='))) != 0) break;
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x80) return true;
    if (c == '=' && p + 1 < end && p[1] == '?') return true;
  }
  return false;
}

namespace {

// Length of a field name at the start of `line` including spaces before the colon (obsolete
// syntax), or npos when the line is not a field: the name must be printable ASCII without
// spaces or colons, and non-empty.
size_t FieldNameEnd(std::string_view line, size_t* name_len) {
  size_t i = 0;
  while (i < line.size()) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == ':' || c == ' ' || c == '\t' || c < 0x21 || c > 0x7e) break;
    ++i;
  }
  *name_len = i;
  if (i == 0) return std::string_view::npos;
  size_t j = i;
  while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
  if (j < line.size() && line[j] == ':') return j;
  return std::string_view::npos;
}

}  // namespace

namespace {

// Fills a header vector from the front, reusing the entries already there (their value
// strings keep their capacity: a warm parser does not allocate per header).
class HeaderList {
 public:
  explicit HeaderList(std::vector<Header>* headers) : headers_(headers) {}
  ~HeaderList() { headers_->resize(used_); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;

  void Add(std::string_view name, std::string_view raw_value) {
    if (used_ == headers_->size()) headers_->emplace_back();
    Header& h = (*headers_)[used_++];
    h.name = name;
    h.raw_value = raw_value;
    h.value.clear();
  }
  Header& back() { return (*headers_)[used_ - 1]; }
  size_t size() const { return used_; }

 private:
  std::vector<Header>* headers_;
  size_t used_ = 0;
};

size_t ParseHeaders(std::string_view entity, const Limits& limits, HeaderList* headers,
                    DefectSink* defects);

}  // namespace

size_t ParseHeaderBlock(std::string_view entity, const Limits& limits,
                        std::vector<Header>* header_vector, DefectSink* defects) {
  HeaderList headers(header_vector);
  return ParseHeaders(entity, limits, &headers, defects);
}

namespace {

size_t ParseHeaders(std::string_view entity, const Limits& limits, HeaderList* headers,
                    DefectSink* defects) {
  const char* data = entity.data();
  const size_t n = entity.size();
  size_t pos = 0;
  bool dropping = false;    // over a limit: keep scanning, stop recording
  bool have_field = false;  // the last line was a recorded field (continuations extend it)
  bool first_line = true;
  while (pos < n) {
    const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', n - pos));
    size_t line_end = nl ? static_cast<size_t>(nl - data) : n;
    size_t next = nl ? line_end + 1 : n;
    size_t content_end = line_end;
    if (content_end > pos && data[content_end - 1] == '\r') --content_end;
    std::string_view line(data + pos, content_end - pos);

    if (line.empty()) return next;  // the blank line: the body follows
    if (line.size() > limits.max_line_length) defects->Add(DefectKind::kLineTooLong, "header line");
    if (!dropping && next > limits.max_header_bytes) {
      defects->Add(DefectKind::kHeaderTooLong);
      dropping = true;
    }

    if (line[0] == ' ' || line[0] == '\t') {
      if (have_field && !dropping) {
        Header& h = headers->back();
        h.raw_value = std::string_view(
            h.raw_value.data(), static_cast<size_t>(data + content_end - h.raw_value.data()));
      } else if (!have_field) {
        defects->Add(DefectKind::kBadHeaderLine, "continuation line without a field");
      }
    } else {
      size_t name_len = 0;
      size_t colon = FieldNameEnd(line, &name_len);
      if (colon == std::string_view::npos) {
        if (line.starts_with("From ")) {
          // mbox envelope line: expected first, tolerated elsewhere.
          if (!first_line) defects->Add(DefectKind::kBadHeaderLine, "misplaced From_ line");
          have_field = false;
        } else if (line.starts_with(">From ")) {
          have_field = false;  // an mbox-escaped envelope line: skip it silently
        } else {
          defects->Add(DefectKind::kBadHeaderLine, "missing blank line before the body");
          return pos;
        }
      } else if (!dropping && headers->size() >= limits.max_headers) {
        defects->Add(DefectKind::kTooManyHeaders);
        dropping = true;
        have_field = false;
      } else if (!dropping) {
        headers->Add(line.substr(0, name_len), line.substr(colon + 1));
        have_field = true;
      }
    }
    first_line = false;
    pos = next;
  }
  return n;
}

}  // namespace

}  // namespace sluice::mime::internal
