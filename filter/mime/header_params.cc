// header_params.cc - structured header values: "type/sub; name=value; ..." (RFC 2045) with
// RFC 2231 extensions (charset'lang'%XX values, continuations name*0*=, name*1= in any
// order, encoded and plain segments mixed).
//
// Tolerant like mail readers: comments anywhere, quoted strings with backslash escapes,
// unquoted values with spaces, a missing ';', RFC 2047 words inside values. When a name
// appears both plain and in RFC 2231 form, the RFC 2231 value wins (senders put an ASCII
// approximation in the plain one); exact duplicates: the first wins. Defects make the
// call return false; parsing always continues.
#include <algorithm>
#include <string>
#include <vector>

#include "filter/mime/charset.h"
#include "filter/mime/header_decode.h"

namespace sluice::mime {
namespace {

// More parameters than any real header has (continuations included); the rest is ignored.
constexpr size_t kMaxParams = 128;

inline bool IsWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Parameter names are printable ASCII (RFC 2045 tokens, leniently); anything else is junk.
bool IsTokenName(std::string_view name) {
  for (char c : name) {
    if (c <= ' ' || c >= 0x7f) return false;
  }
  return true;
}

// Skips a comment starting at s[i] == '('; nested, with backslash escapes.
size_t SkipComment(std::string_view s, size_t i, bool* ok) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  *ok = false;  // unterminated comment
  return s.size();
}

size_t SkipSpaceAndComments(std::string_view s, size_t i, bool* ok) {
  while (i < s.size()) {
    if (IsWsp(s[i])) {
      ++i;
    } else if (s[i] == '(') {
      i = SkipComment(s, i, ok);
    } else {
      break;
    }
  }
  return i;
}

// Reads a quoted string starting at s[i] == '"' into *value; returns the offset after it.
size_t ReadQuoted(std::string_view s, size_t i, std::string* value, bool* ok) {
  for (++i; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return i + 1;
    if (c == '\\' && i + 1 < s.size()) c = s[++i];
    value->push_back(c);
  }
  *ok = false;  // unterminated quoted string
  return s.size();
}

// Reads an unquoted value up to ';'. Whitespace inside is kept (unquoted file names with
// spaces occur); a '(' after whitespace starts a comment only when nothing but comments
// and whitespace follow it up to the ';' ("x.pdf (generated)" vs "my file (1).pdf").
size_t ReadToken(std::string_view s, size_t i, std::string* value, bool* ok) {
  size_t start = i;
  size_t value_end = std::string_view::npos;
  while (i < s.size() && s[i] != ';') {
    if (s[i] == '(' && i > start && IsWsp(s[i - 1])) {
      bool comment_ok = true;
      size_t after = SkipSpaceAndComments(s, i, &comment_ok);
      if (after >= s.size() || s[after] == ';') {
        if (!comment_ok) *ok = false;
        value_end = i;
        i = after;
        break;
      }
    }
    ++i;
  }
  std::string_view v =
      s.substr(start, (value_end == std::string_view::npos ? i : value_end) - start);
  while (!v.empty() && IsWsp(v.back())) v.remove_suffix(1);
  value->assign(v);
  return i;
}

// One RFC 2231 section: name*N[*]=value.
struct Section {
  std::string base;
  int index;
  bool encoded;
  std::string value;
};

// Percent-decodes an RFC 2231 encoded segment; a malformed escape is kept literally.
bool PercentDecode(std::string_view v, std::string* out) {
  bool ok = true;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = Lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() + 0 && hex(v[i + 1]) >= 0 && hex(v[i + 2]) >= 0) {
      out->push_back(static_cast<char>(hex(v[i + 1]) * 16 + hex(v[i + 2])));
      i += 2;
    } else {
      if (v[i] == '%') ok = false;
      out->push_back(v[i]);
    }
  }
  return ok;
}

// Joins the sections of one RFC 2231 parameter (all with the same base) into UTF-8.
bool JoinSections(std::vector<const Section*> parts, std::string* out) {
  bool ok = true;
  std::stable_sort(parts.begin(), parts.end(),
                   [](const Section* a, const Section* b) { return a->index < b->index; });
  std::string charset;
  std::string bytes;
  int expected = 0;
  int last = -1;
  for (const Section* p : parts) {
    if (p->index == last) {
      ok = false;  // duplicate section: the first wins
      continue;
    }
    if (p->index != expected) ok = false;  // a gap in the numbering
    expected = p->index + 1;
    last = p->index;
    std::string_view v = p->value;
    if (p->encoded && p->index == 0) {
      // charset'language'value; the language is not needed for decoding.
      size_t q1 = v.find('\'');
      size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset.assign(v.substr(0, q1));
        v = v.substr(q2 + 1);
      } else {
        ok = false;
      }
    }
    if (p->encoded) {
      if (!PercentDecode(v, &bytes)) ok = false;
    } else {
      bytes.append(v);
    }
  }
  if (AppendUtf8(charset, bytes, out) == CharsetResult::kUnknown) ok = false;
  return ok;
}

// Decodes a plain (non-RFC 2231) value: RFC 2047 words and raw 8-bit bytes.
bool DecodePlainValue(std::string_view v, std::string* out) {
  bool needs = v.find("=?") != std::string_view::npos;
  for (char c : v) {
    if (static_cast<unsigned char>(c) >= 0x80) needs = true;
  }
  if (!needs) {
    out->assign(v);
    return true;
  }
  out->clear();
  return DecodeHeaderText(v, "", out);
}

std::pair<std::string, std::string>* FindParam(HeaderParams* hp, std::string_view name) {
  for (auto& p : hp->params) {
    if (p.first == name) return &p;
  }
  return nullptr;
}

}  // namespace

std::string_view HeaderParams::Get(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return p.second;
  }
  return {};
}

bool HeaderParams::Has(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return true;
  }
  return false;
}

bool ParseHeaderParams(std::string_view s, HeaderParams* out) {
  bool ok = true;
  out->value.clear();
  out->params.clear();

  // The main value: up to ';', without comments or whitespace. Whitespace followed by
  // something other than '/' ends it early ("text/plain charset=x", a missing ';').
  size_t i = SkipSpaceAndComments(s, 0, &ok);
  while (i < s.size() && s[i] != ';') {
    char c = s[i];
    if (c == '(') {
      i = SkipComment(s, i, &ok);
    } else if (c == '"') {
      std::string q;
      i = ReadQuoted(s, i, &q, &ok);
      for (char qc : q) out->value.push_back(Lower(qc));
    } else if (IsWsp(c)) {
      size_t next = SkipSpaceAndComments(s, i, &ok);
      if (next < s.size() && s[next] != ';' && s[next] != '/' && !out->value.empty() &&
          out->value.back() != '/') {
        ok = false;  // missing ';' before the parameters
        i = next;
        break;
      }
      i = next;
    } else {
      out->value.push_back(Lower(c));
      ++i;
    }
  }

  std::vector<Section> sections;
  std::string name, value;
  while (i < s.size()) {
    if (out->params.size() + sections.size() >= kMaxParams) {
      ok = false;  // real headers carry a handful; this bounds the quadratic joins below
      break;
    }
    if (s[i] == ';') {
      ++i;
      continue;
    }
    i = SkipSpaceAndComments(s, i, &ok);
    if (i >= s.size()) break;
    if (s[i] == ';') continue;
    size_t name_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';' && !IsWsp(s[i]) && s[i] != '(' &&
           s[i] != '"') {
      ++i;
    }
    name.clear();
    for (size_t k = name_start; k < i; ++k) name.push_back(Lower(s[k]));
    i = SkipSpaceAndComments(s, i, &ok);
    if (name.empty() || i >= s.size() || s[i] != '=' || !IsTokenName(name)) {
      ok = false;  // not name=value: skip to the next ';' (quotes respected)
      while (i < s.size() && s[i] != ';') {
        if (s[i] == '"') {
          std::string ignored;
          i = ReadQuoted(s, i, &ignored, &ok);
        } else {
          ++i;
        }
      }
      continue;
    }
    i = SkipSpaceAndComments(s, i + 1, &ok);
    value.clear();
    if (i < s.size() && s[i] == '"') {
      i = ReadQuoted(s, i, &value, &ok);
      size_t after = SkipSpaceAndComments(s, i, &ok);
      if (after < s.size() && s[after] != ';') {
        ok = false;  // junk after the closing quote: skip it
        while (after < s.size() && s[after] != ';') ++after;
      }
      i = after;
    } else {
      i = ReadToken(s, i, &value, &ok);
    }

    size_t star = name.find('*');
    if (star == std::string::npos) {
      if (FindParam(out, name) != nullptr) continue;  // duplicate: the first wins
      std::string decoded;
      if (!DecodePlainValue(value, &decoded)) ok = false;
      out->params.emplace_back(name, std::move(decoded));
      continue;
    }
    // RFC 2231: base*, base*N, base*N*.
    Section sec{name.substr(0, star), 0, false, value};
    std::string_view rest = std::string_view(name).substr(star + 1);
    if (rest.empty()) {
      sec.encoded = true;
    } else {
      size_t d = 0;
      int idx = 0;
      while (d < rest.size() && rest[d] >= '0' && rest[d] <= '9' && idx < 100000) {
        idx = idx * 10 + (rest[d] - '0');
        ++d;
      }
      std::string_view tail = rest.substr(d);
      if (d == 0 || !(tail.empty() || tail == "*")) {
        ok = false;  // "name*x=": not RFC 2231; keep it under its literal name
        if (FindParam(out, name) == nullptr) {
          std::string decoded;
          DecodePlainValue(value, &decoded);
          out->params.emplace_back(name, std::move(decoded));
        }
        continue;
      }
      sec.index = idx;
      sec.encoded = tail == "*";
    }
    sections.push_back(std::move(sec));
  }

  // Join RFC 2231 parameters, in order of first appearance.
  for (size_t k = 0; k < sections.size(); ++k) {
    const std::string& base = sections[k].base;
    bool seen = false;
    for (size_t j = 0; j < k; ++j) {
      if (sections[j].base == base) {
        seen = true;
        break;
      }
    }
    if (seen) continue;
    std::vector<const Section*> parts;
    for (size_t j = k; j < sections.size(); ++j) {
      if (sections[j].base == base) parts.push_back(&sections[j]);
    }
    std::string decoded;
    if (!JoinSections(std::move(parts), &decoded)) ok = false;
    if (auto* existing = FindParam(out, base)) {
      existing->second = std::move(decoded);  // RFC 2231 form beats the plain one
    } else {
      out->params.emplace_back(base, std::move(decoded));
    }
  }
  return ok;
}

}  // namespace sluice::mime
