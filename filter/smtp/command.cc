// command.cc - the SMTP command line parser; see command.h.
#include "filter/smtp/command.h"

#include <array>
#include <cctype>

namespace sluice::smtp {
namespace {

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Upper(a[i]) != Upper(b[i])) return false;
  }
  return true;
}

std::string UpperString(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Upper(c);
  return out;
}

struct VerbName {
  std::string_view name;
  Verb verb;
};

constexpr std::array<VerbName, 19> kVerbs = {{
    {"HELO", Verb::kHelo},         {"EHLO", Verb::kEhlo},         {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt},         {"DATA", Verb::kData},         {"BDAT", Verb::kBdat},
    {"RSET", Verb::kRset},         {"NOOP", Verb::kNoop},         {"QUIT", Verb::kQuit},
    {"HELP", Verb::kHelp},         {"VRFY", Verb::kVrfy},         {"EXPN", Verb::kExpn},
    {"STARTTLS", Verb::kStartTls}, {"XFORWARD", Verb::kXforward}, {"XCLIENT", Verb::kXclient},
    {"SEND", Verb::kSend},         {"SOML", Verb::kSoml},         {"SAML", Verb::kSaml},
    {"TURN", Verb::kTurn},
}};

bool IsKeywordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// esmtp-value (RFC 5321 §4.1.2): octets 33..126 except '='; SMTPUTF8 (RFC 6531) adds UTF-8.
bool IsValueChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 33 && u <= 126 && c != '=') || u >= 0x80;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes RFC 3461 xtext ("+2B" -> '+'); a bad escape is kept literally.
std::string DecodeXtext(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '+' && i + 2 < value.size() && HexValue(value[i + 1]) >= 0 &&
        HexValue(value[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(value[i + 1]) * 16 + HexValue(value[i + 2])));
      i += 2;
    } else {
      out.push_back(value[i]);
    }
  }
  return out;
}

// Splits "A=b C D=e" on spaces into keyword/value pairs; fails on a bad keyword or value.
Result<std::vector<std::pair<std::string, std::string>>> SplitParams(std::string_view text,
                                                                     bool xtext) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(i, end - i);
    i = end;
    size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    if (key.empty()) return Status::Invalid("501 5.5.4 Syntax error in parameters");
    for (char c : key) {
      if (!IsKeywordChar(c)) return Status::Invalid("501 5.5.4 Syntax error in parameters");
    }
    std::string value;
    if (eq != std::string_view::npos) {
      std::string_view raw = item.substr(eq + 1);
      for (char c : raw) {
        if (!IsValueChar(c) && !(xtext && c == '=')) {
          return Status::Invalid("501 5.5.4 Syntax error in parameters");
        }
      }
      value = xtext ? DecodeXtext(raw) : std::string(raw);
    }
    out.emplace_back(UpperString(key), std::move(value));
    if (out.size() > 32) return Status::Invalid("501 5.5.4 Too many parameters");
  }
  return out;
}

}  // namespace

Command ParseCommand(std::string_view line) {
  Command cmd;
  size_t end = 0;
  while (end < line.size() && line[end] != ' ') ++end;
  std::string_view word = line.substr(0, end);
  for (const VerbName& v : kVerbs) {
    if (EqualsNoCase(word, v.name)) {
      cmd.verb = v.verb;
      break;
    }
  }
  if (end < line.size()) {
    cmd.has_space = true;
    size_t start = end;
    while (start < line.size() && line[start] == ' ') ++start;
    cmd.arg = line.substr(start);
    // Trailing spaces are noise some clients send; they are not part of any argument.
    while (!cmd.arg.empty() && cmd.arg.back() == ' ') cmd.arg.remove_suffix(1);
  }
  return cmd;
}

Result<PathArgs> ParsePath(std::string_view arg, std::string_view keyword, bool allow_null) {
  std::string syntax = std::string("501 5.5.4 Syntax: ") +
                       (keyword == "FROM" ? "MAIL FROM:<address>" : "RCPT TO:<address>");
  if (arg.size() < keyword.size() + 1 || !EqualsNoCase(arg.substr(0, keyword.size()), keyword) ||
      arg[keyword.size()] != ':') {
    return Status::Invalid(syntax);
  }
  std::string_view rest = arg.substr(keyword.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '<') return Status::Invalid(syntax);
  size_t close = rest.find('>');
  if (close == std::string_view::npos) return Status::Invalid(syntax);
  std::string_view address = rest.substr(1, close - 1);
  // RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the brackets.
  if (address.size() + 2 > 256) return Status::Invalid("501 5.1.3 Path too long");
  for (char c : address) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u == 127 || c == '<') return Status::Invalid("501 5.1.3 Bad address syntax");
  }
  // A source route (<@a,@b:user@c>) is obsolete; RFC 5321 says accept and ignore it.
  if (!address.empty() && address.front() == '@') {
    size_t colon = address.find(':');
    if (colon == std::string_view::npos) return Status::Invalid("501 5.1.3 Bad address syntax");
    address.remove_prefix(colon + 1);
  }
  if (address.empty() && !allow_null) return Status::Invalid("501 5.1.3 Bad recipient address");
  std::string_view params = rest.substr(close + 1);
  if (!params.empty() && params.front() != ' ') return Status::Invalid(syntax);
  Result<std::vector<std::pair<std::string, std::string>>> split = SplitParams(params, false);
  if (!split.ok()) return split.status();
  PathArgs out;
  out.address = std::string(address);
  out.params = std::move(split).value();
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseAttributes(std::string_view arg) {
  if (arg.empty()) return Status::Invalid("501 5.5.4 Syntax: attribute=value...");
  Result<std::vector<std::pair<std::string, std::string>>> split = SplitParams(arg, true);
  if (!split.ok()) return split.status();
  for (const auto& [key, value] : *split) {
    if (value.empty()) return Status::Invalid("501 5.5.4 Syntax: attribute=value...");
  }
  return split;
}

bool HasNonAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace sluice::smtp
