// url_host_prefix.cc - the host prefix of a URL, and the load-time proof that a uri pattern
// matches only within it.
#include "filter/rules/url_host_prefix.h"

#include <bitset>
#include <cctype>
#include <vector>

namespace sluice::rules {

std::string_view UrlHostPrefix(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return url;
  size_t slash = url.find('/', scheme_end + 3);
  return slash == std::string_view::npos ? url : url.substr(0, slash + 1);
}

namespace {

// What one character of the pattern can consume: ASCII bytes 0-127, and bit kOther for "a run
// of one or more bytes 0x80-0xFF". Every character gets kOther (a caseless 'k' matches U+212A
// KELVIN SIGN, \w under UCP is any letter, ...): only where ':' and '/' are matters below, and
// they are ASCII, so reading more than the pattern can match keeps the proof sound.
constexpr size_t kOther = 128;
using Symbols = std::bitset<129>;

constexpr int kMaxStates = 20000;  // larger automata are not analysed (the pattern stays)
constexpr int kMaxRepeat = 1000;

struct Node {
  enum Kind { kSet, kCat, kAlt, kRepeat, kStart, kEnd } kind = kCat;
  Symbols set;
  std::vector<Node> children;
  int min = 0, max = -1;  // kRepeat: max -1 is unbounded
};

bool IsSpace(int b) { return b == ' ' || (b >= '\t' && b <= '\r'); }
bool IsWord(int b) { return std::isalnum(b) || b == '_'; }

// The ASCII bytes of \<letter> (d, w, s, h, v and their negations); false for other letters.
bool EscapeSet(char letter, Symbols* set) {
  for (int b = 0; b < 128; ++b) {
    bool in;
    switch (std::tolower(static_cast<unsigned char>(letter))) {
      case 'd':
        in = b >= '0' && b <= '9';
        break;
      case 'w':
        in = IsWord(b);
        break;
      case 's':
        in = IsSpace(b);
        break;
      case 'h':
        in = b == ' ' || b == '\t';
        break;
      case 'v':
        in = b >= '\n' && b <= '\r';
        break;
      default:
        return false;
    }
    if (std::isupper(static_cast<unsigned char>(letter))) in = !in;
    if (in) set->set(b);
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view pattern, const RuleFlags& flags) : p_(pattern), flags_(flags) {}

  bool Parse(Node* root) { return Alternation(root) && pos_ == p_.size(); }

 private:
  bool Alternation(Node* out) {
    Node alt;
    alt.kind = Node::kAlt;
    do {
      Node branch;
      if (!Sequence(&branch)) return false;
      alt.children.push_back(std::move(branch));
    } while (Take('|'));
    *out = alt.children.size() == 1 ? std::move(alt.children[0]) : std::move(alt);
    return true;
  }

  bool Sequence(Node* out) {
    out->kind = Node::kCat;
    while (pos_ < p_.size() && p_[pos_] != '|' && p_[pos_] != ')') {
      Node atom;
      if (!Atom(&atom)) return false;
      int min, max;
      bool repeated = false;
      if (!Quantifier(&min, &max, &repeated)) return false;
      if (repeated) {
        if (atom.kind == Node::kStart || atom.kind == Node::kEnd) return false;
        Node repeat;
        repeat.kind = Node::kRepeat;
        repeat.min = min;
        repeat.max = max;
        repeat.children.push_back(std::move(atom));
        atom = std::move(repeat);
      }
      out->children.push_back(std::move(atom));
    }
    return true;
  }

  bool Quantifier(int* min, int* max, bool* repeated) {
    if (pos_ >= p_.size()) return true;
    char c = p_[pos_];
    if (c == '*' || c == '+' || c == '?') {
      *min = c == '+' ? 1 : 0;
      *max = c == '?' ? 1 : -1;
      ++pos_;
    } else if (c == '{') {
      ++pos_;
      if (!Number(min)) return false;
      *max = *min;
      if (Take(',')) {
        *max = -1;
        if (pos_ < p_.size() && p_[pos_] != '}' && !Number(max)) return false;
      }
      if (!Take('}') || (*max >= 0 && *max < *min)) return false;
    } else {
      return true;
    }
    *repeated = true;
    Take('?');  // lazy: the same set of matches
    // Possessive repeats and a quantifier on a quantifier are not read.
    return pos_ >= p_.size() || std::string_view("*+?{").find(p_[pos_]) == std::string_view::npos;
  }

  bool Number(int* value) {
    size_t start = pos_;
    *value = 0;
    while (pos_ < p_.size() && std::isdigit(static_cast<unsigned char>(p_[pos_]))) {
      *value = *value * 10 + (p_[pos_++] - '0');
      if (*value > kMaxRepeat) return false;
    }
    return pos_ > start;
  }

  bool Atom(Node* out) {
    out->kind = Node::kSet;
    unsigned char c = static_cast<unsigned char>(p_[pos_]);
    switch (c) {
      case '(':
        ++pos_;
        if (Take('?') && !Take(':')) return false;  // only (?:...) of the (?...) forms
        if (!Alternation(out)) return false;
        return Take(')');
      case '[':
        return Class(&out->set);
      case '.':
        ++pos_;
        out->set.set();  // with or without dotall: at most every byte
        return true;
      case '^':
        ++pos_;
        out->kind = Node::kStart;
        return true;
      case '\\': {
        bool end = false;
        if (!Escape(false, &out->set, &end)) return false;
        if (end) out->kind = Node::kEnd;
        return true;
      }
      case '$':
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
        return false;
      default:
        if (c >= 0x80) return NonAscii(&out->set);
        ++pos_;
        AddChar(c, &out->set);
        return true;
    }
  }

  // A character of the pattern at or above 0x80 (one UTF-8 sequence): it may match, caseless,
  // an ASCII letter (U+212A matches 'k').
  bool NonAscii(Symbols* set) {
    ++pos_;
    while (pos_ < p_.size() && (static_cast<unsigned char>(p_[pos_]) & 0xC0) == 0x80) ++pos_;
    AddOther(set);
    if (flags_.caseless) {
      for (int b = 0; b < 128; ++b) {
        if (std::isalpha(b)) set->set(b);
      }
    }
    return true;
  }

  void AddChar(int b, Symbols* set) {
    if (b >= 128) {
      AddOther(set);
      return;
    }
    set->set(b);
    if (flags_.caseless && std::isalpha(b)) {
      set->set(std::tolower(b));
      set->set(std::toupper(b));
    }
    AddOther(set);
  }

  static void AddOther(Symbols* set) { set->set(kOther); }

  // The escape at p_[pos_] == '\\'. A single character goes into *set; a class too; \z
  // (outside a class) sets *end. Escapes of uncertain meaning return false.
  bool Escape(bool in_class, Symbols* set, bool* end, int* single = nullptr) {
    if (pos_ + 1 >= p_.size()) return false;
    unsigned char e = static_cast<unsigned char>(p_[pos_ + 1]);
    pos_ += 2;
    int value = -1;
    if (e >= 0x80) return false;
    if (!std::isalnum(e)) {
      value = e;
    } else if (EscapeSet(static_cast<char>(e), set)) {
      AddOther(set);
      return true;
    } else if (e == 'z' && !in_class) {
      *end = true;
      return true;
    } else if (e == 't') {
      value = '\t';
    } else if (e == 'n') {
      value = '\n';
    } else if (e == 'r') {
      value = '\r';
    } else if (e == 'f') {
      value = '\f';
    } else if (e == 'e') {
      value = 0x1B;
    } else if (e == 'a') {
      value = 0x07;
    } else if (e == 'x') {
      if (!Hex(&value)) return false;
    } else {
      return false;
    }
    AddChar(value, set);
    if (single) *single = value;
    return true;
  }

  bool Hex(int* value) {
    *value = 0;
    auto digit = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (Take('{')) {
      int digits = 0;
      while (pos_ < p_.size() && p_[pos_] != '}') {
        int d = digit(p_[pos_++]);
        if (d < 0 || ++digits > 6) return false;
        *value = *value * 16 + d;
      }
      return digits > 0 && Take('}');
    }
    int digits = 0;
    while (digits < 2 && pos_ < p_.size() && digit(p_[pos_]) >= 0) {
      *value = *value * 16 + digit(p_[pos_++]);
      ++digits;
    }
    return digits > 0;
  }

  // [...] at p_[pos_]; ranges between ASCII characters, the escapes above, no POSIX names.
  bool Class(Symbols* out) {
    ++pos_;
    bool negated = Take('^');
    Symbols set;
    bool first = true;
    for (;;) {
      if (pos_ >= p_.size()) return false;
      unsigned char c = static_cast<unsigned char>(p_[pos_]);
      if (c == ']' && !first) break;
      first = false;
      int low = -1;
      if (c == '[') {
        if (pos_ + 1 < p_.size() &&
            std::string_view(":.=").find(p_[pos_ + 1]) != std::string_view::npos) {
          return false;  // POSIX names and collating elements are not read
        }
        low = c;
        ++pos_;
      } else if (c == '\\') {
        bool end = false;
        Symbols escaped;
        if (!Escape(true, &escaped, &end, &low)) return false;
        set |= escaped;
      } else if (c >= 0x80) {
        if (!NonAscii(&set)) return false;
      } else {
        low = c;
        ++pos_;
      }
      if (low < 0) continue;
      AddChar(low, &set);
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        int high = -1;
        unsigned char h = static_cast<unsigned char>(p_[pos_]);
        if (h == '\\') {
          bool end = false;
          Symbols escaped;
          if (!Escape(true, &escaped, &end, &high) || high < 0) return false;
        } else if (h < 0x80 && h != '[') {
          high = h;
          ++pos_;
        }
        if (high < low || high >= 128) return false;
        for (int b = low; b <= high; ++b) AddChar(b, &set);
      }
    }
    ++pos_;  // ']'
    if (negated) {
      for (int b = 0; b < 128; ++b) set.flip(b);
    }
    AddOther(&set);
    *out = set;
    return true;
  }

  bool Take(char c) {
    if (pos_ < p_.size() && p_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::string_view p_;
  RuleFlags flags_;
  size_t pos_ = 0;
};

// A Thompson automaton of the parsed pattern.
struct Edge {
  enum Kind { kEmpty, kConsume, kStart, kEnd } kind;
  int to;
  Symbols set;  // for kConsume
};

class Automaton {
 public:
  int NewState() {
    edges_.emplace_back();
    return static_cast<int>(edges_.size()) - 1;
  }
  // Adds the states of `node` after state `in`; returns its end state, -1 when too large.
  int Emit(const Node& node, int in) {
    if (in < 0 || static_cast<int>(edges_.size()) > kMaxStates) return -1;
    switch (node.kind) {
      case Node::kSet:
      case Node::kStart:
      case Node::kEnd: {
        int out = NewState();
        Edge::Kind kind = node.kind == Node::kSet     ? Edge::kConsume
                          : node.kind == Node::kStart ? Edge::kStart
                                                      : Edge::kEnd;
        edges_[in].push_back({kind, out, node.set});
        return out;
      }
      case Node::kCat:
        for (const Node& child : node.children) in = Emit(child, in);
        return in;
      case Node::kAlt: {
        int out = NewState();
        for (const Node& child : node.children) {
          int branch = NewState();
          edges_[in].push_back({Edge::kEmpty, branch, {}});
          if (!EmitInto(child, branch, out)) return -1;
        }
        return out;
      }
      case Node::kRepeat: {
        const Node& child = node.children[0];
        for (int i = 0; i < node.min && in >= 0; ++i) in = Emit(child, in);
        if (in < 0) return -1;
        if (node.max < 0) {
          int loop = NewState();
          edges_[in].push_back({Edge::kEmpty, loop, {}});
          return EmitInto(child, loop, loop) ? loop : -1;
        }
        int out = NewState();
        edges_[in].push_back({Edge::kEmpty, out, {}});
        for (int i = node.min; i < node.max && in >= 0; ++i) {
          in = Emit(child, in);
          if (in >= 0) edges_[in].push_back({Edge::kEmpty, out, {}});
        }
        return in < 0 ? -1 : out;
      }
    }
    return -1;
  }
  // Emit(node, in), with an empty edge from its end state to `out`; false when too large.
  bool EmitInto(const Node& node, int in, int out) {
    int end = Emit(node, in);
    if (end >= 0) edges_[end].push_back({Edge::kEmpty, out, {}});
    return end >= 0;
  }
  const std::vector<Edge>& edges(int state) const { return edges_[state]; }
  int size() const { return static_cast<int>(edges_.size()); }

 private:
  std::vector<std::vector<Edge>> edges_;
};

// Where a byte is in a URL, as UrlHostPrefix splits it: kAtStart (nothing read yet), looking
// for the first "://" (kScheme, kColon, kColonSlash), in the host part (kHost), the last byte
// read was the prefix's final '/' (kPrefixEnd), or past the prefix (kPast).
enum Place { kAtStart, kScheme, kColon, kColonSlash, kHost, kPrefixEnd, kPast, kPlaces };

Place Step(Place place, size_t symbol) {
  char c = symbol == kOther ? '\x80' : static_cast<char>(symbol);
  switch (place) {
    case kAtStart:
    case kScheme:
    case kColon:
    case kColonSlash:
      if (c == ':') return kColon;
      if (c == '/' && place == kColon) return kColonSlash;
      if (c == '/' && place == kColonSlash) return kHost;
      return kScheme;
    case kHost:
      return c == '/' ? kPrefixEnd : kHost;
    default:
      return kPast;
  }
}

}  // namespace

bool MatchesOnlyInHostPrefix(std::string_view pattern, const RuleFlags& flags) {
  if (flags.multiline) return false;  // '^' would be any line's start
  Node root;
  if (!Parser(pattern, flags).Parse(&root)) return false;
  Automaton automaton;
  int start = automaton.NewState();
  int accept = automaton.Emit(root, start);
  if (accept < 0) return false;

  // Every (state, place, input ended) the pattern can be in while matching some URL. A match
  // may start at any byte, so the start state is paired with every place.
  const int states = automaton.size();
  std::vector<bool> seen(static_cast<size_t>(states) * kPlaces * 2, false);
  std::vector<int> work;
  auto visit = [&](int state, Place place, bool ended) {
    size_t key = (static_cast<size_t>(state) * kPlaces + place) * 2 + ended;
    if (seen[key]) return;
    seen[key] = true;
    work.push_back(static_cast<int>(key));
  };
  for (int place = 0; place < kPlaces; ++place) visit(start, static_cast<Place>(place), false);
  while (!work.empty()) {
    size_t key = static_cast<size_t>(work.back());
    work.pop_back();
    const bool ended = key % 2;
    const Place place = static_cast<Place>(key / 2 % kPlaces);
    const int state = static_cast<int>(key / 2 / kPlaces);
    if (state == accept) {
      // A match ending past the prefix, or at its final '/' only because the input ends
      // there (in a longer URL \z would not hold): the prefix alone would answer otherwise.
      if (place == kPast || (ended && place == kPrefixEnd)) return false;
    }
    for (const Edge& edge : automaton.edges(state)) {
      switch (edge.kind) {
        case Edge::kEmpty:
          visit(edge.to, place, ended);
          break;
        case Edge::kStart:
          if (place == kAtStart) visit(edge.to, place, ended);
          break;
        case Edge::kEnd:
          visit(edge.to, place, true);
          break;
        case Edge::kConsume:
          if (ended) break;
          for (size_t symbol = 0; symbol < edge.set.size(); ++symbol) {
            if (edge.set.test(symbol)) visit(edge.to, Step(place, symbol), false);
          }
          break;
      }
    }
  }
  return true;
}

}  // namespace sluice::rules
