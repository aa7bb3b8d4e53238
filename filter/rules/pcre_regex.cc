// pcre_regex.cc - PCRE2 wrapper: compile with the rule's flags, find, count.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filter/rules/pcre_regex.h"

#include <pcre2.h>

#include <mutex>

#include "filter/rules/pattern_shape.h"

namespace sluice::rules {

struct PcreRegex::Code {
  pcre2_code* code = nullptr;
  // JIT compilation waits for the first match: a start-up compiles every rule's pattern for
  // excerpts, but a run fires only some of them, and JIT was ~5 ms of a one-message
  // `sluice score`. call_once makes the first matching thread compile while any other waits,
  // so no match runs on a half-compiled pattern.
  bool jit = false;
  std::once_flag jit_once;
  bool no_newline = false;  // CannotMatchByte(pattern, flags, '\n')
  bool no_tag_end = false;  // CannotMatchByte(pattern, flags, '>')
  uint32_t max_non_space = UINT32_MAX;
  ~Code() { pcre2_code_free(code); }
};

PcreRegex::PcreRegex() = default;
PcreRegex::~PcreRegex() { delete code_; }
PcreRegex::PcreRegex(PcreRegex&& other) noexcept : code_(other.code_) { other.code_ = nullptr; }
PcreRegex& PcreRegex::operator=(PcreRegex&& other) noexcept {
  if (this != &other) {
    delete code_;
    code_ = other.code_;
    other.code_ = nullptr;
  }
  return *this;
}

Status PcreRegex::Compile(const std::string& pattern, const RuleFlags& flags, bool jit) {
  uint32_t options = 0;
  if (flags.caseless) options |= PCRE2_CASELESS;
  if (flags.dotall) options |= PCRE2_DOTALL;
  if (flags.multiline) options |= PCRE2_MULTILINE;
  // Decoded text is UTF-8, but tolerate stray bytes rather than fail the match.
  if (flags.utf8) options |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  if (flags.ucp) options |= PCRE2_UCP;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return Status::Invalid("PCRE2: " + std::string(reinterpret_cast<char*>(message)) +
                           " at offset " + std::to_string(offset));
  }
  delete code_;
  code_ = new Code;
  code_->code = code;
  code_->jit = jit;
  code_->no_newline = CannotMatchByte(pattern, flags, '\n');
  code_->no_tag_end = CannotMatchByte(pattern, flags, '>');
  code_->max_non_space = MaxNonSpaceBytes(pattern, flags);
  return Status::Ok();
}

bool PcreRegex::never_holds(char byte) const {
  if (!code_) return false;
  return byte == '\n' ? code_->no_newline : byte == '>' && code_->no_tag_end;
}
uint32_t PcreRegex::max_non_space_bytes() const {
  return code_ ? code_->max_non_space : UINT32_MAX;
}

bool PcreRegex::jit_compiled() const {
  size_t size = 0;
  return code_ && pcre2_pattern_info(code_->code, PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
}

void PcreRegex::EnsureJit() const {
  Code* code = code_;
  if (code->jit) {  // best effort: interpreted if the JIT fails
    std::call_once(code->jit_once, [code] { pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE); });
  }
}

namespace {

// Match data for one call at a time on this thread: only the whole-match offsets are read,
// so one ovector pair serves every pattern (PCRE2 then returns 0 for a pattern with
// groups, still filling the whole match). Reused because a hit's excerpt re-match is on
// the scan path, and creating match data per call was a malloc and free per hit.
pcre2_match_data* ThreadMatchData() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

}  // namespace

std::optional<std::pair<size_t, size_t>> PcreRegex::Find(std::string_view text,
                                                         size_t start) const {
  if (!code_ || start > text.size()) return std::nullopt;
  pcre2_match_data* data = ThreadMatchData();
  if (!data) return std::nullopt;
  EnsureJit();
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                       0, data, nullptr);
  if (rc < 0) return std::nullopt;
  PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  return std::make_pair(static_cast<size_t>(ovector[0]), static_cast<size_t>(ovector[1]));
}

uint32_t PcreRegex::Count(std::string_view text, uint32_t limit) const {
  if (!code_) return 0;
  pcre2_match_data* data = ThreadMatchData();
  if (!data) return 0;
  EnsureJit();
  uint32_t count = 0;
  size_t start = 0;
  while (count < limit && start <= text.size()) {
    int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                         0, data, nullptr);
    if (rc < 0) break;
    ++count;
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    // An empty match must still move on; step over a whole UTF-8 character.
    size_t next = ovector[1] > ovector[0] ? ovector[1] : ovector[1] + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    start = next;
  }
  return count;
}

}  // namespace sluice::rules
