// pattern_shape.cc - a conservative reading of PCRE2 pattern text: can a match hold a
// given byte ('\n', '>'), and how many bytes other than whitespace can it hold?
#include "filter/rules/pattern_shape.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace sluice::rules {
namespace {

bool IsAsciiSpace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

enum class EscapeKind {
  kChar,      // one character, `value`
  kSet,       // a class of characters named by `letter` (\d, \w, \s, \h, \v and negations)
  kAssertion  // zero width (\b, \B, \A, \z, \Z, \G outside a class)
};

struct Escape {
  EscapeKind kind;
  int value = -1;     // for kChar: the code point (the lead byte for a UTF-8 literal)
  size_t length = 0;  // bytes of pattern text read, 0 when the escape is not understood
  char letter = 0;    // for kSet
};

// Whether the escaped class \<letter> holds the ASCII byte b (the same with or without UCP:
// UCP changes only what they hold beyond ASCII).
bool SetHolds(char letter, int b) {
  const bool digit = b >= '0' && b <= '9';
  const bool word = std::isalnum(b) || b == '_';
  const bool horizontal = b == ' ' || b == '\t';
  const bool vertical = b >= '\n' && b <= '\r';
  switch (letter) {
    case 'd':
      return digit;
    case 'D':
      return !digit;
    case 'w':
      return word;
    case 'W':
      return !word;
    case 's':
      return IsAsciiSpace(b);
    case 'S':
      return !IsAsciiSpace(b);
    case 'h':
      return horizontal;
    case 'H':
      return !horizontal;
    case 'v':
      return vertical;
    default:  // 'V'
      return !vertical;
  }
}

// Whether the POSIX class [:name:] (name may start with '^') holds the ASCII byte b;
// -1 for a name not known.
int PosixHolds(std::string_view name, int b) {
  bool negated = !name.empty() && name[0] == '^';
  if (negated) name.remove_prefix(1);
  int holds = -1;
  if (name == "alpha") holds = std::isalpha(b) != 0;
  if (name == "digit") holds = std::isdigit(b) != 0;
  if (name == "alnum") holds = std::isalnum(b) != 0;
  if (name == "upper" || name == "lower") holds = std::isalpha(b) != 0;  // caseless: both
  if (name == "xdigit") holds = std::isxdigit(b) != 0;
  if (name == "word") holds = std::isalnum(b) || b == '_';
  if (name == "punct") holds = std::ispunct(b) != 0;
  if (name == "graph") holds = std::isgraph(b) != 0;
  if (name == "print") holds = std::isprint(b) != 0;
  if (name == "blank") holds = b == ' ' || b == '\t';
  if (name == "space") holds = IsAsciiSpace(b);
  if (name == "cntrl") holds = std::iscntrl(b) != 0;
  if (name == "ascii") holds = 1;
  return holds < 0 ? -1 : holds != negated;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \xhh (up to two digits) or \x{h...} at p[i] == '\\', p[i + 1] == 'x'.
Escape ReadHex(std::string_view p, size_t i) {
  size_t j = i + 2;
  int value = 0;
  if (j < p.size() && p[j] == '{') {
    size_t digits = 0;
    for (++j; j < p.size() && p[j] != '}'; ++j, ++digits) {
      int d = HexValue(p[j]);
      if (d < 0 || digits >= 8) return {EscapeKind::kChar, -1, 0};
      value = value * 16 + d;
    }
    if (j >= p.size() || digits == 0) return {EscapeKind::kChar, -1, 0};
    return {EscapeKind::kChar, value, j + 1 - i};
  }
  for (int digits = 0; digits < 2 && j < p.size() && HexValue(p[j]) >= 0; ++digits, ++j) {
    value = value * 16 + HexValue(p[j]);
  }
  return {EscapeKind::kChar, value, j - i};
}

// The escape at p[i] == '\\'. Only escapes whose meaning is certain are understood.
Escape ReadEscape(std::string_view p, size_t i, bool in_class) {
  if (i + 1 >= p.size()) return {EscapeKind::kChar, -1, 0};
  unsigned char e = static_cast<unsigned char>(p[i + 1]);
  if (e >= 0x80 || !std::isalnum(e)) return {EscapeKind::kChar, e, 2};  // a quoted literal
  switch (e) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S':
    case 'h':
    case 'H':
    case 'v':
    case 'V':
      return {EscapeKind::kSet, -1, 2, static_cast<char>(e)};
    case 'b':  // a word boundary; backspace inside a class
      return in_class ? Escape{EscapeKind::kChar, 8, 2} : Escape{EscapeKind::kAssertion, -1, 2};
    case 'B':
    case 'A':
    case 'z':
    case 'Z':
    case 'G':  // errors inside a class
      return in_class ? Escape{EscapeKind::kChar, -1, 0} : Escape{EscapeKind::kAssertion, -1, 2};
    case 'n':
      return {EscapeKind::kChar, '\n', 2};
    case 't':
      return {EscapeKind::kChar, '\t', 2};
    case 'r':
      return {EscapeKind::kChar, '\r', 2};
    case 'f':
      return {EscapeKind::kChar, '\f', 2};
    case 'e':
      return {EscapeKind::kChar, 0x1B, 2};
    case 'a':
      return {EscapeKind::kChar, 0x07, 2};
    case 'x':
      return ReadHex(p, i);
    default:  // \R \N \X \C \p \P \Q \K \g \k \c, digits (references, octal), ...
      return {EscapeKind::kChar, -1, 0};
  }
}

// One endpoint of a class range: a literal byte or a single-character escape. Returns
// the pattern bytes read (0 when not understood) and the value in *value.
size_t ReadRangeEnd(std::string_view p, size_t i, int* value) {
  if (p[i] == '\\') {
    Escape e = ReadEscape(p, i, true);
    if (e.kind != EscapeKind::kChar || e.length == 0 || e.value < 0) return 0;
    *value = e.value;
    return e.length;
  }
  if (p[i] == '[') return 0;                  // a POSIX class after '-': not worth reading
  *value = static_cast<unsigned char>(p[i]);  // a UTF-8 literal: its lead byte is >= 0xC2
  return 1;
}

// The class starting at p[i] == '['. Returns the offset just past its ']' and sets *free
// when the class cannot match the byte b (ASCII, not a letter: caseless changes nothing);
// returns 0 when the class is not understood.
size_t ReadClass(std::string_view p, size_t i, int b, bool* free) {
  size_t j = i + 1;
  bool negated = j < p.size() && p[j] == '^';
  if (negated) ++j;
  bool holds = false;  // some item holds b
  for (bool first = true; j < p.size(); first = false) {
    if (p[j] == ']' && !first) {
      *free = holds == negated;
      return j + 1;
    }
    if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {  // [:name:]
      size_t end = p.find(":]", j + 2);
      if (end == std::string_view::npos) return 0;
      int posix = PosixHolds(p.substr(j + 2, end - j - 2), b);
      if (posix < 0) return 0;
      holds |= posix == 1;
      j = end + 2;
      continue;
    }
    int low = -1;
    if (p[j] == '\\') {
      Escape e = ReadEscape(p, j, true);
      if (e.length == 0 || e.kind == EscapeKind::kAssertion ||
          (e.kind == EscapeKind::kChar && e.value < 0)) {
        return 0;
      }
      j += e.length;
      if (e.kind == EscapeKind::kSet) {
        holds |= SetHolds(e.letter, b);
        continue;  // a set: a following '-' is a literal
      }
      low = e.value;
    } else {
      low = static_cast<unsigned char>(p[j]);
      ++j;
    }
    int high = low;
    if (j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') {
      size_t length = ReadRangeEnd(p, j + 1, &high);
      if (length == 0) return 0;
      j += 1 + length;
    }
    holds |= low <= b && b <= high;
  }
  return 0;  // no closing ']'
}

// Whether the inside of a class ([...] without the brackets) holds only ASCII whitespace:
// \s (without UCP), \t, \n, \r, \f and ' '.
bool IsSpaceClass(std::string_view inside, bool ucp) {
  if (inside.empty() || inside[0] == '^') return false;
  for (size_t i = 0; i < inside.size(); ++i) {
    if (inside[i] == ' ') continue;
    if (inside[i] != '\\' || i + 1 >= inside.size()) return false;
    char e = inside[++i];
    if (!(e == 't' || e == 'n' || e == 'r' || e == 'f' || (e == 's' && !ucp))) return false;
  }
  return true;
}

// Reads a pattern for MaxNonSpaceBytes: each part gives an upper bound on the bytes other
// than ASCII whitespace it can match; anything above kCap counts as unbounded.
class NonSpaceWidth {
 public:
  static constexpr uint64_t kCap = 1 << 20;
  static constexpr uint64_t kUnbounded = kCap + 1;

  NonSpaceWidth(std::string_view pattern, const RuleFlags& flags) : p_(pattern), flags_(flags) {}

  uint64_t Read() {
    uint64_t width = Alternation();
    return ok_ && i_ == p_.size() ? width : kUnbounded;
  }

 private:
  static uint64_t Add(uint64_t a, uint64_t b) { return std::min(a + b, kUnbounded); }
  static uint64_t Times(uint64_t a, uint64_t b) {
    if (a == 0 || b == 0) return 0;
    return a >= kUnbounded || b >= kUnbounded ? kUnbounded : std::min(a * b, kUnbounded);
  }
  // One character: up to 4 bytes in UTF-8 (and caseless 'k' also matches U+212A).
  uint64_t Char() const { return flags_.utf8 ? 4 : 1; }
  uint64_t Fail() {
    ok_ = false;
    return kUnbounded;
  }

  uint64_t Alternation() {
    uint64_t widest = 0;
    for (;;) {
      widest = std::max(widest, Sequence());
      if (!ok_ || i_ >= p_.size() || p_[i_] != '|') return widest;
      ++i_;
    }
  }

  uint64_t Sequence() {
    uint64_t total = 0;
    while (ok_ && i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      uint64_t atom = Atom();
      if (!ok_) break;
      total = Add(total, Times(atom, Repeats()));
    }
    return total;
  }

  uint64_t Atom() {
    const char c = p_[i_];
    switch (c) {
      case '(': {
        if (i_ + 2 < p_.size() && p_[i_ + 1] == '?' && p_[i_ + 2] == ':') {
          i_ += 3;
        } else if (i_ + 1 < p_.size() && (p_[i_ + 1] == '?' || p_[i_ + 1] == '*')) {
          return Fail();  // lookarounds, options, names, verbs: not read
        } else {
          ++i_;
        }
        uint64_t width = Alternation();
        if (!ok_ || i_ >= p_.size() || p_[i_] != ')') return Fail();
        ++i_;
        return width;
      }
      case '[': {
        bool unused = false;
        size_t end = ReadClass(p_, i_, '\n', &unused);
        if (end == 0) return Fail();
        bool space = IsSpaceClass(p_.substr(i_ + 1, end - i_ - 2), flags_.ucp);
        i_ = end;
        return space ? 0 : Char();
      }
      case '\\': {
        Escape e = ReadEscape(p_, i_, false);
        if (e.length == 0 || (e.kind == EscapeKind::kChar && e.value < 0)) return Fail();
        const char letter = p_[i_ + 1];
        i_ += e.length;
        if (e.kind == EscapeKind::kAssertion) return 0;
        if (e.kind == EscapeKind::kSet && letter == 's' && !flags_.ucp) return 0;
        if (e.kind == EscapeKind::kChar && IsAsciiSpace(e.value)) return 0;
        return Char();
      }
      case '^':
      case '$':
        ++i_;
        return 0;
      case '*':
      case '+':
      case '?':
      case '{':
        return Fail();
      default: {
        const unsigned char u = static_cast<unsigned char>(c);
        const size_t begin = i_++;
        while (u >= 0xC0 && i_ < p_.size() && (static_cast<unsigned char>(p_[i_]) & 0xC0) == 0x80) {
          ++i_;
        }
        if (IsAsciiSpace(u)) return 0;
        return flags_.utf8 ? Char() : i_ - begin;  // without UTF-8, each byte is a character
      }
    }
  }

  // The most repetitions the quantifier after an atom allows: 1 without one.
  uint64_t Repeats() {
    if (i_ >= p_.size()) return 1;
    uint64_t most = 1;
    const char c = p_[i_];
    if (c == '?') {
      ++i_;
    } else if (c == '*' || c == '+') {
      most = kUnbounded;
      ++i_;
    } else if (c == '{') {
      size_t j = i_ + 1;
      uint64_t low = 0;
      size_t digits = 0;
      for (; j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j])); ++j, ++digits) {
        low = low * 10 + static_cast<uint64_t>(p_[j] - '0');
      }
      if (digits == 0 || digits > 6 || j >= p_.size()) return Fail();
      most = low;
      if (p_[j] == ',') {
        uint64_t high = 0;
        size_t high_digits = 0;
        for (++j; j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j]));
             ++j, ++high_digits) {
          high = high * 10 + static_cast<uint64_t>(p_[j] - '0');
        }
        if (high_digits > 6) return Fail();
        most = high_digits == 0 ? kUnbounded : high;
      }
      if (j >= p_.size() || p_[j] != '}') return Fail();
      i_ = j + 1;
    } else {
      return 1;
    }
    if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+')) ++i_;  // lazy or possessive
    return most;
  }

  std::string_view p_;
  RuleFlags flags_;
  size_t i_ = 0;
  bool ok_ = true;
};

}  // namespace

bool CannotMatchByte(std::string_view pattern, const RuleFlags& flags, char byte) {
  // Only for bytes that caseless matching cannot change and that are not metacharacters.
  const int b = static_cast<unsigned char>(byte);
  if (b >= 0x80 || std::isalnum(b) ||
      std::string_view("\\^$.|?*+()[]{}#").find(byte) != std::string_view::npos) {
    return false;
  }
  const std::string_view p = pattern;
  size_t i = 0;
  while (i < p.size()) {
    switch (p[i]) {
      case '\\': {
        Escape e = ReadEscape(p, i, false);
        if (e.length == 0) return false;
        if (e.kind == EscapeKind::kSet && SetHolds(e.letter, b)) return false;
        if (e.kind == EscapeKind::kChar && (e.value < 0 || e.value == b)) return false;
        i += e.length;
        break;
      }
      case '[': {
        bool free = false;
        size_t end = ReadClass(p, i, b, &free);
        if (end == 0 || !free) return false;
        i = end;
        break;
      }
      case '.':  // any character but '\n', or any at all under dotall
        if (b != '\n' || flags.dotall) return false;
        ++i;
        break;
      case '(':
        // Plain groups, (?:...) and lookarounds only: inline options ((?s), (?x)), named
        // groups, comments and verbs are not read.
        if (i + 1 < p.size() && p[i + 1] == '*') return false;
        if (i + 1 < p.size() && p[i + 1] == '?') {
          char kind = i + 2 < p.size() ? p[i + 2] : '\0';
          if (kind == ':' || kind == '=' || kind == '!') {
            i += 3;
          } else if (kind == '<' && i + 3 < p.size() && (p[i + 3] == '=' || p[i + 3] == '!')) {
            i += 4;
          } else {
            return false;
          }
        } else {
          ++i;
        }
        break;
      default:
        if (static_cast<unsigned char>(p[i]) == b) return false;
        ++i;
        break;
    }
  }
  return true;
}

uint32_t MaxNonSpaceBytes(std::string_view pattern, const RuleFlags& flags) {
  uint64_t width = NonSpaceWidth(pattern, flags).Read();
  return width <= NonSpaceWidth::kCap ? static_cast<uint32_t>(width) : UINT32_MAX;
}

}  // namespace sluice::rules
