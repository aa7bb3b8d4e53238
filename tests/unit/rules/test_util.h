// test_util.h - helpers for the rule engine tests: hand-built messages and rule files.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "filter/mime/message.h"
#include "filter/rules/rule_set.h"

namespace sluice::rules::testing {

// Builds a mime::Message by hand (no parser), so the engine is tested on exactly the
// decoded view it is given. Header names must be string literals (they are views).
class MessageBuilder {
 public:
  MessageBuilder() { message_.parts.emplace_back(); }
  MessageBuilder& Header(const char* name, std::string value) {
    message_.parts[0].headers.push_back({name, {}, std::move(value)});
    return *this;
  }
  MessageBuilder& Body(std::string visible, std::string raw_text = "") {
    message_.visible_text = visible;
    message_.raw_text = raw_text.empty() ? visible : raw_text;
    return *this;
  }
  MessageBuilder& Raw(std::string raw) {
    raw_ = std::make_shared<std::string>(std::move(raw));
    message_.raw = *raw_;
    return *this;
  }
  MessageBuilder& Url(std::string url, std::string host, std::string link_text = "") {
    mime::Url u;
    u.url = std::move(url);
    u.host = std::move(host);
    u.link_text = std::move(link_text);
    u.source = u.link_text.empty() ? mime::UrlSource::kText : mime::UrlSource::kHref;
    message_.urls.push_back(std::move(u));
    return *this;
  }
  MessageBuilder& Attachment(std::string filename, std::string type, std::string sniffed = "") {
    mime::Attachment a;
    a.filename = std::move(filename);
    a.declared_type = std::move(type);
    a.sniffed_type = std::move(sniffed);
    message_.attachments.push_back(std::move(a));
    return *this;
  }
  mime::Message& message() { return message_; }

 private:
  mime::Message message_;
  std::shared_ptr<std::string> raw_;
};

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-rules-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::string path_;
};

// The inode of a file (0 if missing): a cache file read back keeps its inode, one that was
// recomputed and renamed over gets another.
inline ino_t Inode(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::shared_ptr<const RuleSet> MustLoad(const std::vector<std::string>& files,
                                               const std::string& cache_dir = "",
                                               std::vector<Diagnostic>* warnings = nullptr) {
  std::vector<Diagnostic> local;
  LoadOptions options;
  options.cache_dir = cache_dir;
  auto result = RuleSet::Load(files, options, warnings ? warnings : &local);
  if (!result.ok()) {
    fprintf(stderr, "load failed: %s\n", result.status().message().c_str());
    std::abort();
  }
  return result.value();
}

inline const RuleHit* FindHit(const std::vector<RuleHit>& hits, const std::string& id) {
  for (const auto& hit : hits) {
    if (hit.id == id) return &hit;
  }
  return nullptr;
}

}  // namespace sluice::rules::testing
