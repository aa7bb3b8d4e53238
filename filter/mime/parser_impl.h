// parser_impl.h - the state of a Parser (internal to filter/mime): the Message it fills and
// the scratch buffers it keeps between messages so a warm parser allocates little.
//
// parser.cc walks the MIME tree (headers, multipart, message/rfc822, limits);
// part_content.cc turns one leaf part into decoded bytes, UTF-8 text, URLs and attachments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/html_text.h"
#include "filter/mime/message.h"
#include "filter/mime/parser_internal.h"

namespace sluice::mime {

struct Parser::Impl {
  explicit Impl(Limits l) : limits(l) {}

  // Parses raw into *msg (reusing msg's storage).
  void Run(std::string_view raw, Message* msg);

  // --- tree walk (parser.cc)
  // Parses one entity (header block + body) as a child of `parent`; `path` is its part path.
  void ParseEntity(std::string_view entity, uint32_t parent, uint32_t depth, std::string path,
                   bool digest_child);
  // Appends a fresh (or recycled) part and returns its index; UINT32_MAX over max_parts.
  uint32_t NewPart();
  void ReadContentHeaders(uint32_t index, bool digest_child, internal::DefectSink* defects);
  void DecodeHeaderValues(uint32_t index, internal::DefectSink* defects);
  void ParseMultipart(uint32_t index, std::string_view body, internal::DefectSink* defects);
  void ParseNestedMessage(uint32_t index, std::string_view body, internal::DefectSink* defects);

  // --- one leaf part (part_content.cc)
  // Decodes the body; text parts go to raw_text (and, unless attachments, visible_text and
  // urls); attachments are listed. `force_text` treats a broken multipart's body as text.
  void ProcessLeaf(uint32_t index, std::string_view body, bool force_text,
                   internal::DefectSink* defects);
  // Charset-converts bytes onto raw_text, within max_text_bytes.
  void AppendText(std::string_view charset, std::string_view bytes, internal::DefectSink* defects);
  void AddVisibleText(uint32_t index, bool html);
  // Appends a URL to msg->urls, recycled from an earlier message when one is spare.
  Url& NewUrl(UrlSource source, uint32_t part);
  void AddTextUrl(std::string_view found, uint32_t part);
  void AddAttachment(uint32_t index, std::string_view filename, std::string_view declared,
                     std::string_view decoded);
  void Finish();

  static constexpr size_t kMaxSpareUrls = 4096;

  Limits limits;
  Message message;              // the one Parse() returns
  std::vector<Part> spare;      // parts of earlier messages, recycled for their capacity
  std::vector<Url> spare_urls;  // URLs of earlier messages, likewise
  Message* msg = nullptr;       // the message being filled
  size_t used_parts = 0;
  bool parts_exhausted = false;
  bool text_full = false;
  std::string fallback_charset;  // the root's charset, for raw 8-bit headers in parts

  // Scratch, kept between messages.
  std::string decoded;                      // transfer-decoded body of the current leaf
  std::string uu_decoded;                   // one uuencoded block
  std::string unfolded;                     // one header value
  std::vector<std::string_view> text_urls;  // views into visible_text or raw_text
  HtmlRender render;
};

}  // namespace sluice::mime
