// cmd_mime.cc - `sluice mime [--json] FILE|-`: shows how the MIME engine reads a message.
//
// Without --json: the parts tree (type, charset, encoding, size, filename, defects), the
// decoded top-level headers, URLs, attachments and each text part's decoded text. With
// --json: one JSON object {"headers","parts","urls","defects"}, parts flattened depth-first.
// Exit 0 when the message was read and parsed (defects or not), 1 when it can't be read.
// Invalid UTF-8 never reaches the JSON (replaced by U+FFFD), so output is always valid JSON.
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "filter/cli/command.h"
#include "filter/mime/message.h"

namespace sluice::cli {
namespace {

using mime::Message;
using mime::Part;

// Reads a whole file (or stdin for "-") with stdio, which reports errors (a directory, an
// unreadable file) through ferror() instead of throwing from inside a stream iterator.
bool ReadInput(const std::string& path, std::string* out) {
  std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) out->append(buffer, n);
  bool ok = !std::ferror(file);
  if (file != stdin) std::fclose(file);
  return ok;
}

std::string_view SourceName(mime::UrlSource source) {
  switch (source) {
    case mime::UrlSource::kHref:
      return "href";
    case mime::UrlSource::kSrc:
      return "src";
    case mime::UrlSource::kText:
      return "text";
  }
  return "text";
}

bool HasText(const Part& p) {
  return p.is_text || std::string_view(p.content_type).starts_with("text/");
}

nlohmann::json ToJson(const Message& m) {
  using nlohmann::json;
  json headers = json::array();
  for (const auto& h : m.headers()) {
    headers.push_back({{"name", std::string(h.name)}, {"value", h.value}});
  }
  json parts = json::array();
  for (size_t i = 0; i < m.parts.size(); ++i) {
    const Part& p = m.parts[i];
    json part = {{"path", p.path},
                 {"content_type", p.content_type},
                 {"charset", p.charset},
                 {"transfer_encoding", p.transfer_encoding},
                 {"filename", p.filename.empty() ? json(nullptr) : json(p.filename)},
                 {"size", p.decoded_size}};
    if (HasText(p)) part["text"] = std::string(m.TextOf(p));
    json defects = json::array();
    for (const auto& d : m.defects) {
      if (d.part == i) defects.push_back(std::string(mime::DefectName(d.kind)));
    }
    part["defects"] = std::move(defects);
    parts.push_back(std::move(part));
  }
  json urls = json::array();
  for (const auto& u : m.urls) {
    json url = {{"url", u.url},
                {"host", u.host},
                {"source", std::string(SourceName(u.source))},
                {"part", m.parts[u.part].path}};
    if (u.source == mime::UrlSource::kHref) url["link_text"] = u.link_text;
    urls.push_back(std::move(url));
  }
  json defects = json::array();
  for (const auto& d : m.defects) {
    defects.push_back({{"part", d.part < m.parts.size() ? m.parts[d.part].path : ""},
                       {"kind", std::string(mime::DefectName(d.kind))},
                       {"detail", d.detail}});
  }
  return {{"headers", std::move(headers)},
          {"parts", std::move(parts)},
          {"urls", std::move(urls)},
          {"defects", std::move(defects)}};
}

void PrintTree(const Message& m, std::ostream& out) {
  out << "Headers:\n";
  for (const auto& h : m.headers()) out << "  " << h.name << ": " << h.value << "\n";
  out << "\nParts:\n";
  for (size_t i = 0; i < m.parts.size(); ++i) {
    const Part& p = m.parts[i];
    out << std::string(2 + 2 * p.depth, ' ') << p.path << "  " << p.content_type;
    if (!p.charset.empty()) out << "  charset=" << p.charset;
    if (!p.transfer_encoding.empty()) out << "  encoding=" << p.transfer_encoding;
    out << "  size=" << p.decoded_size;
    if (!p.filename.empty()) out << "  filename=\"" << p.filename << "\"";
    if (p.is_attachment) out << "  [attachment]";
    for (const auto& d : m.defects) {
      if (d.part == i) out << "  !" << mime::DefectName(d.kind);
    }
    out << "\n";
  }
  if (!m.urls.empty()) {
    out << "\nURLs:\n";
    for (const auto& u : m.urls) {
      out << "  " << u.url << "  (" << SourceName(u.source) << ", host " << u.host << ")";
      if (!u.link_text.empty()) out << "  \"" << u.link_text << "\"";
      out << "\n";
    }
  }
  if (!m.attachments.empty()) {
    out << "\nAttachments:\n";
    for (const auto& a : m.attachments) {
      out << "  " << m.parts[a.part].path << "  \"" << a.filename << "\"  " << a.declared_type;
      if (!a.sniffed_type.empty()) out << " (sniffed " << a.sniffed_type << ")";
      out << "  " << a.size << " bytes\n";
    }
  }
  if (!m.defects.empty()) {
    out << "\nDefects:\n";
    for (const auto& d : m.defects) {
      out << "  " << m.parts[d.part].path << "  " << mime::DefectName(d.kind);
      if (!d.detail.empty()) out << ": " << d.detail;
      out << "\n";
    }
  }
  out << "\nFacts: html_only=" << (m.html_only ? "yes" : "no") << " images=" << m.image_count
      << " colored_text=" << m.colored_text << " invisible_text=" << m.invisible_text << "\n";
  for (const Part& p : m.parts) {
    if (!HasText(p)) continue;
    out << "\n--- " << p.path << " " << p.content_type << " (decoded) ---\n" << m.TextOf(p);
    if (!m.TextOf(p).ends_with('\n')) out << "\n";
  }
  out << "\n--- visible text ---\n" << m.visible_text;
  if (!m.visible_text.empty() && m.visible_text.back() != '\n') out << "\n";
}

const bool registered = RegisterCommand(10, [](CLI::App& app, Globals& globals) {
  auto* cmd = app.add_subcommand("mime", "parse a message and show its decoded MIME structure");
  auto file = std::make_shared<std::string>();
  auto json_output = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "message file, or - for standard input")->required();
  cmd->add_flag("--json", *json_output, "print one JSON object instead of the tree");
  cmd->callback([file, json_output, &globals] {
    std::string raw;
    if (!ReadInput(*file, &raw)) {
      std::cerr << "sluice mime: cannot read " << *file << "\n";
      globals.exit_code = 1;
      return;
    }
    try {
      mime::Parser parser;
      const Message& m = parser.Parse(raw);
      if (*json_output) {
        std::cout << ToJson(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
      } else {
        PrintTree(m, std::cout);
      }
      globals.exit_code = 0;
    } catch (const std::exception& e) {
      // Only output errors (e.g. allocation) can land here; parsing itself never throws.
      std::cerr << "sluice mime: " << e.what() << "\n";
      globals.exit_code = 1;
    }
  });
});

}  // namespace
}  // namespace sluice::cli
