// rule_file.cc - YAML rule files to Rule records: includes, definitions, overrides.
//
// yaml-cpp throws on malformed YAML; this is load time (off the hot path), so exceptions
// are caught here and turned into file:line diagnostics, never passed on.
#include "filter/rules/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "filter/util/mapped_file.h"

namespace sluice::rules {
namespace {

constexpr int kMaxIncludeDepth = 16;

// Characters that end a word (see WordsToPattern).
constexpr const char kWordBoundaryClass[] =
    "[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\x7f\\x{a0}\\x{ab}\\x{bb}"
    "\\x{2000}-\\x{206f}\\x{3000}]";

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  if (!std::isalpha(static_cast<unsigned char>(id[0])) && id[0] != '_') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool ParseTarget(const std::string& target, Rule* rule) {
  static const std::map<std::string, TargetKind> kTargets = {
      {"subject", TargetKind::kSubject},
      {"from", TargetKind::kFrom},
      {"to", TargetKind::kTo},
      {"headers", TargetKind::kHeaders},
      {"body", TargetKind::kBody},
      {"rawbody", TargetKind::kRawBody},
      {"uri", TargetKind::kUri},
      {"full", TargetKind::kFull},
      {"attachment", TargetKind::kAttachment},
  };
  if (target.rfind("header:", 0) == 0) {
    std::string name = target.substr(7);
    if (name.empty() || name.find_first_of(" \t:") != std::string::npos) return false;
    rule->kind = TargetKind::kHeader;
    rule->header_name = name;
    // Header names are case-insensitive: one database per lower-cased name.
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    rule->target = "header:" + name;
    return true;
  }
  auto it = kTargets.find(target);
  if (it == kTargets.end()) return false;
  rule->kind = it->second;
  rule->target = target;
  return true;
}

class Reader {
 public:
  Reader(std::vector<Diagnostic>* errors, std::vector<Diagnostic>* warnings,
         std::vector<RuleSource>* sources)
      : errors_(errors), warnings_(warnings), sources_(sources) {}

  void ReadFile(const std::string& path, int depth) {
    std::string text;
    if (!ReadFileBytes(path, &text)) {
      Error(path, 0, "", "cannot open rule file");
      return;
    }
    std::string canonical = Canonical(path);
    if (sources_) sources_->push_back({path, canonical, text});
    ReadText(text, path, std::move(canonical), depth);
  }

  void ReadText(const std::string& text, const std::string& name, int depth) {
    ReadText(text, name, Canonical(name), depth);
  }

 private:
  // The identity of a file for include cycles. The error_code form: a path that cannot be
  // resolved (a directory without search permission) keeps its own spelling instead of
  // throwing out of the reader.
  static std::string Canonical(const std::string& path) {
    std::error_code ec;
    std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
    return ec ? path : canonical;
  }

  // `key` is the canonical path of `name`, resolved once per file.
  void ReadText(const std::string& text, const std::string& name, std::string key, int depth) {
    if (depth > kMaxIncludeDepth) {
      Error(name, 0, "", "includes nested deeper than " + std::to_string(kMaxIncludeDepth));
      return;
    }
    if (open_.count(key)) {
      Error(name, 0, "", "include cycle");
      return;
    }
    open_.insert(key);
    try {
      YAML::Node root = YAML::Load(text);
      ReadRoot(root, name, depth);
    } catch (const YAML::Exception& e) {
      Error(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg);
    }
    open_.erase(key);
  }

 public:
  std::vector<Rule> TakeRules() {
    std::vector<Rule> out;
    out.reserve(rules_.size());
    for (auto& rule : rules_) out.push_back(std::move(rule));
    return out;
  }

 private:
  static int Line(const YAML::Node& node) { return node.Mark().line + 1; }

  void Error(const std::string& file, int line, const std::string& id, std::string message) {
    errors_->push_back({file, line, id, std::move(message)});
  }
  void Warn(const std::string& file, int line, const std::string& id, std::string message) {
    warnings_->push_back({file, line, id, std::move(message)});
  }

  void ReadRoot(const YAML::Node& root, const std::string& file, int depth) {
    if (root.IsNull()) return;  // an empty file is a valid, empty rule set
    if (!root.IsMap()) {
      Error(file, Line(root), "", "a rule file is a map with include/rules/scores/disable");
      return;
    }
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      if (key != "include" && key != "rules" && key != "scores" && key != "disable") {
        Error(file, Line(entry.first), "", "unknown key '" + key + "'");
      }
    }
    if (const YAML::Node include = root["include"]) {
      std::filesystem::path dir = std::filesystem::path(file).parent_path();
      for (const auto& item : AsList(include)) {
        if (!item.IsScalar()) {
          Error(file, Line(item), "", "include: expected a file name");
          continue;
        }
        std::filesystem::path path(item.as<std::string>());
        if (path.is_relative()) path = dir / path;
        ReadFile(path.lexically_normal().string(), depth + 1);
      }
    }
    std::set<std::string> ids_here;
    if (const YAML::Node list = root["rules"]) {
      if (!list.IsSequence()) {
        Error(file, Line(list), "", "rules: expected a list of rules");
      } else {
        for (const auto& node : list) ReadRule(node, file, &ids_here);
      }
    }
    if (const YAML::Node scores = root["scores"]) {
      if (!scores.IsMap()) {
        Error(file, Line(scores), "", "scores: expected a map of RULE_ID: score");
      } else {
        for (const auto& entry : scores) {
          std::string id = entry.first.as<std::string>();
          double score;
          if (!ReadScore(entry.second, file, id, &score)) continue;
          if (Rule* rule = Find(id)) {
            rule->score = score;
          } else {
            Warn(file, Line(entry.first), id, "score override for an unknown rule");
          }
        }
      }
    }
    if (const YAML::Node disable = root["disable"]) {
      for (const auto& item : AsList(disable)) {
        std::string id = item.IsScalar() ? item.as<std::string>() : "";
        if (Rule* rule = Find(id)) {
          rule->enabled = false;
        } else {
          Warn(file, Line(item), id, "disable: unknown rule");
        }
      }
    }
  }

  static std::vector<YAML::Node> AsList(const YAML::Node& node) {
    std::vector<YAML::Node> out;
    if (node.IsSequence()) {
      for (const auto& item : node) out.push_back(item);
    } else if (!node.IsNull()) {
      out.push_back(node);
    }
    return out;
  }

  Rule* Find(const std::string& id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &rules_[it->second];
  }

  bool ReadScore(const YAML::Node& node, const std::string& file, const std::string& id,
                 double* score) {
    try {
      *score = node.as<double>();
      return true;
    } catch (const YAML::Exception&) {
      Error(file, Line(node), id, "score: expected a number");
      return false;
    }
  }

  void ReadRule(const YAML::Node& node, const std::string& file, std::set<std::string>* seen) {
    if (!node.IsMap()) {
      Error(file, Line(node), "", "a rule is a map (id, description, target, ...)");
      return;
    }
    const int line = Line(node);
    std::string id = node["id"] && node["id"].IsScalar() ? node["id"].as<std::string>() : "";
    if (!ValidId(id)) {
      Error(file, line, id, id.empty() ? "rule without an id" : "bad rule id (use A-Z, 0-9, _)");
      return;
    }
    static const std::set<std::string> kKeys = {"id",    "description", "target", "pattern",
                                                "words", "flags",       "score",  "min_hits",
                                                "meta",  "enabled"};
    bool unknown_key = false;
    for (const auto& entry : node) {
      std::string key = entry.first.as<std::string>();
      if (!kKeys.count(key)) {
        Error(file, Line(entry.first), id, "unknown key '" + key + "'");
        unknown_key = true;
      }
    }
    if (unknown_key) return;
    if (!seen->insert(id).second) {
      Warn(file, line, id, "duplicate rule id in this file; the later definition wins");
    }

    const bool defines = node["pattern"] || node["words"] || node["meta"] || node["target"];
    if (!defines) {  // an override of an earlier rule's score or enabled flag
      Rule* rule = Find(id);
      if (!rule) {
        Error(file, line, id, "no pattern, words or meta, and no earlier rule to override");
        return;
      }
      if (node["score"] && !ReadScore(node["score"], file, id, &rule->score)) return;
      if (node["enabled"]) ReadBool(node["enabled"], file, id, &rule->enabled);
      if (node["description"]) rule->description = node["description"].as<std::string>();
      return;
    }

    Rule rule;
    rule.id = id;
    rule.file = file;
    rule.line = line;
    if (node["description"]) rule.description = node["description"].as<std::string>();
    if (rule.description.empty()) Warn(file, line, id, "rule without a description");
    if (node["score"] && !ReadScore(node["score"], file, id, &rule.score)) return;
    if (node["enabled"] && !ReadBool(node["enabled"], file, id, &rule.enabled)) return;

    const int kinds = !!node["pattern"] + !!node["words"] + !!node["meta"];
    if (kinds != 1) {
      Error(file, line, id, "exactly one of pattern, words or meta is needed");
      return;
    }
    if (node["meta"]) {
      if (node["target"] || node["flags"] || node["min_hits"]) {
        Error(file, line, id, "a meta rule takes no target, flags or min_hits");
        return;
      }
      rule.kind = TargetKind::kMeta;
      rule.target = "meta";
      rule.meta = node["meta"].as<std::string>();
      if (rule.meta.empty()) {
        Error(file, Line(node["meta"]), id, "empty meta expression");
        return;
      }
      Store(std::move(rule));
      return;
    }
    if (!node["target"]) {
      Error(file, line, id, "missing target");
      return;
    }
    std::string target = node["target"].as<std::string>();
    if (!ParseTarget(target, &rule)) {
      Error(file, Line(node["target"]), id, "unknown target '" + target + "'");
      return;
    }
    if (rule.kind == TargetKind::kFull) rule.flags.utf8 = false;
    if (node["pattern"]) {
      rule.pattern = node["pattern"].as<std::string>();
      if (rule.pattern.empty()) {
        Error(file, Line(node["pattern"]), id, "empty pattern");
        return;
      }
    } else {
      std::vector<std::string> words;
      for (const auto& item : AsList(node["words"])) {
        if (!item.IsScalar() || item.as<std::string>().empty()) {
          Error(file, Line(item), id, "words: expected a list of non-empty strings");
          return;
        }
        words.push_back(item.as<std::string>());
      }
      if (words.empty()) {
        Error(file, Line(node["words"]), id, "words: empty list");
        return;
      }
      rule.pattern = WordsToPattern(words);
      rule.words = std::move(words);
      rule.from_words = true;
      rule.flags.caseless = true;
      rule.flags.utf8 = true;
    }
    if (node["flags"] && !ReadFlags(node["flags"], file, id, &rule.flags)) return;
    if (node["min_hits"]) {
      try {
        int min_hits = node["min_hits"].as<int>();
        if (min_hits < 1 || min_hits > 1000000) throw YAML::Exception(YAML::Mark(), "range");
        rule.min_hits = static_cast<uint32_t>(min_hits);
      } catch (const YAML::Exception&) {
        Error(file, Line(node["min_hits"]), id, "min_hits: expected an integer >= 1");
        return;
      }
    }
    Store(std::move(rule));
  }

  bool ReadBool(const YAML::Node& node, const std::string& file, const std::string& id,
                bool* value) {
    try {
      *value = node.as<bool>();
      return true;
    } catch (const YAML::Exception&) {
      Error(file, Line(node), id, "expected true or false");
      return false;
    }
  }

  bool ReadFlags(const YAML::Node& node, const std::string& file, const std::string& id,
                 RuleFlags* flags) {
    for (const auto& item : AsList(node)) {
      std::string flag = item.IsScalar() ? item.as<std::string>() : "";
      if (flag == "caseless" || flag == "i") {
        flags->caseless = true;
      } else if (flag == "dotall" || flag == "s") {
        flags->dotall = true;
      } else if (flag == "multiline" || flag == "m") {
        flags->multiline = true;
      } else if (flag == "utf8") {
        flags->utf8 = true;
      } else if (flag == "noutf8") {
        flags->utf8 = false;
        flags->ucp = false;
      } else if (flag == "ucp") {
        flags->utf8 = true;
        flags->ucp = true;
      } else {
        Error(file, Line(item), id,
              "unknown flag '" + flag + "' (caseless, dotall, multiline, utf8, noutf8, ucp)");
        return false;
      }
    }
    return true;
  }

  void Store(Rule rule) {
    auto it = index_.find(rule.id);
    if (it != index_.end()) {
      rules_[it->second] = std::move(rule);  // a later definition replaces, in place
      return;
    }
    index_.emplace(rule.id, rules_.size());
    rules_.push_back(std::move(rule));
  }

  std::vector<Diagnostic>* errors_;
  std::vector<Diagnostic>* warnings_;
  std::vector<RuleSource>* sources_;
  std::vector<Rule> rules_;
  std::unordered_map<std::string, size_t> index_;
  std::set<std::string> open_;
};

}  // namespace

const char* TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kSubject:
      return "subject";
    case TargetKind::kFrom:
      return "from";
    case TargetKind::kTo:
      return "to";
    case TargetKind::kHeader:
      return "header";
    case TargetKind::kHeaders:
      return "headers";
    case TargetKind::kBody:
      return "body";
    case TargetKind::kRawBody:
      return "rawbody";
    case TargetKind::kUri:
      return "uri";
    case TargetKind::kFull:
      return "full";
    case TargetKind::kAttachment:
      return "attachment";
    case TargetKind::kMeta:
      return "meta";
  }
  return "?";
}

bool WordsSurviveCollapsing(const std::vector<std::string>& words) {
  for (const auto& word : words) {
    if (word.empty() || std::isspace(static_cast<unsigned char>(word.front())) ||
        std::isspace(static_cast<unsigned char>(word.back())) ||
        word.find("\xc2\xa0") != std::string::npos) {
      return false;
    }
  }
  return true;
}

std::string WordsToPattern(const std::vector<std::string>& words, bool single_space) {
  // Hyperscan has no \b in UCP mode (and ASCII \b would split Cyrillic words) and no
  // lookbehind, so a word boundary is spelled as "start of text or a non-word character" on each
  // side; the boundary characters are part of the match and excerpts trim them. Non-word means
  // ASCII punctuation, space and controls plus common Unicode spaces, quotes and dashes: every
  // other non-ASCII character (Cyrillic, accented Latin, ...) is a word character. This explicit
  // class instead of \W with HS_FLAG_UCP compiles about 40x faster and scans faster too. \A and \z
  // (not ^ and
  // $) so a word before a final newline is not counted twice.
  const std::string boundary = kWordBoundaryClass;
  std::string out = "(?:\\A|" + boundary + ")(?:";
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += '|';
    const std::string& word = words[i];
    bool in_space = false;
    for (size_t j = 0; j < word.size(); ++j) {
      unsigned char c = static_cast<unsigned char>(word[j]);
      if (std::isspace(c)) {
        if (!in_space) out += single_space ? " " : "[\\s\\x{a0}]+";
        in_space = true;
        continue;
      }
      in_space = false;
      if (c == 0xD1 && j + 1 < word.size() && static_cast<unsigned char>(word[j + 1]) == 0x91) {
        out += "[её]";  // ё (U+0451) is often written as е
        ++j;
      } else if (c == 0xD0 && j + 1 < word.size() &&
                 static_cast<unsigned char>(word[j + 1]) == 0x81) {
        out += "[ЕЁ]";  // Ё (U+0401)
        ++j;
      } else if (c < 0x80 && !std::isalnum(c)) {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  out += ")(?:" + boundary + "|\\z)";
  return out;
}

std::vector<Rule> ReadRuleFiles(const std::vector<std::string>& files,
                                std::vector<Diagnostic>* errors, std::vector<Diagnostic>* warnings,
                                std::vector<RuleSource>* sources) {
  Reader reader(errors, warnings, sources);
  for (const auto& file : files) reader.ReadFile(file, 0);
  return reader.TakeRules();
}

std::vector<Rule> ReadRuleText(const std::string& yaml_text, const std::string& name,
                               std::vector<Diagnostic>* errors, std::vector<Diagnostic>* warnings) {
  Reader reader(errors, warnings, nullptr);
  reader.ReadText(yaml_text, name, 0);
  return reader.TakeRules();
}

}  // namespace sluice::rules
