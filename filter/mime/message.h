// message.h - the decoded view of one mail message: the MIME engine's public contract.
//
// The parser reads raw RFC 5322 / MIME bytes once and produces a Message: decoded headers,
// a flattened parts tree, each text part as UTF-8, the visible text (HTML rendered), URLs,
// attachments and defects. Every later stage (rules, Bayes, score log) reads this view and
// never parses the raw bytes again.
//
// Ownership: string_views in a Message point into the raw buffer passed to Parse(); the
// caller keeps that buffer alive and unchanged while it uses the Message. Decoded data
// (header values, text) is owned by the Message. The one exception: a message/rfc822 part
// sent base64 or quoted-printable is decoded first, and the views of its nested parts point
// into that decoded copy, which the Message owns (Message::nested_buffers).
//
// Failure: parsing never fails and never throws. Whatever the bytes, the result is a
// Message; anything malformed or over a limit is recorded as a Defect.
//
// Thread-safety: a Parser is used by one thread at a time; a parsed Message is immutable
// and may be read from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::mime {

// Bounds on what one message may cost. Exceeding one is a defect, not an error.
struct Limits {
  size_t max_depth = 20;                     // multipart / message/rfc822 nesting
  size_t max_parts = 1000;                   // parts in the whole tree
  size_t max_header_bytes = 256 * 1024;      // one header block
  size_t max_line_length = 64 * 1024;        // longer lines are split, and recorded
  size_t max_headers = 2000;                 // header fields in one block
  size_t max_text_bytes = 16 * 1024 * 1024;  // decoded text kept per message
};

enum class DefectKind : uint8_t {
  kMissingBoundary,        // multipart without a boundary parameter
  kStartBoundaryNotFound,  // boundary declared but never seen
  kCloseBoundaryMissing,   // multipart ended without --boundary--
  kBadHeaderLine,          // a header line without a colon, or junk in the block
  kHeaderTooLong,          // header block over max_header_bytes
  kLineTooLong,            // a line over max_line_length
  kTooManyHeaders,
  kTooDeep,  // nesting over max_depth; the rest is kept as one opaque part
  kTooManyParts,
  kUnknownTransferEncoding,
  kBadBase64,           // junk characters or bad padding in base64
  kBadQuotedPrintable,  // malformed =XX escapes (kept literally)
  kBadUuencode,
  kUnknownCharset,       // decoded best-effort (UTF-8 if valid, else Latin-1)
  kInvalidCharsetBytes,  // byte sequences invalid in the charset (replaced)
  kBadEncodedWord,       // RFC 2047 word that could not be decoded
  kRaw8bitHeader,        // 8-bit bytes in a header
  kTruncatedText,        // text over max_text_bytes was cut
  kNulBytes,
  kMissingHeaders,  // no header block at all
};

// Stable lower-case name for logs and JSON, e.g. "start_boundary_not_found".
std::string_view DefectName(DefectKind kind);

struct Defect {
  DefectKind kind;
  uint32_t part;       // index into Message::parts
  std::string detail;  // short free text, may be empty
};

struct Header {
  std::string_view name;       // as written, e.g. "Subject"
  std::string_view raw_value;  // bytes after the colon, still folded, into the raw buffer
  std::string value;           // unfolded, RFC 2047 decoded, UTF-8
};

struct Part {
  std::string path;              // "1", "1.2", ...; the root is "1"
  uint32_t parent = UINT32_MAX;  // index into Message::parts; UINT32_MAX for the root
  uint32_t depth = 0;
  std::vector<uint32_t> children;
  std::vector<Header> headers;  // this part's own header block

  std::string content_type;       // lower case "type/subtype"; default "text/plain"
  std::string charset;            // lower case as declared, "" if none
  std::string transfer_encoding;  // lower case as declared, "" if none (meaning 7bit)
  std::string disposition;        // lower case "inline" / "attachment" / ""
  std::string filename;           // decoded (RFC 2231 / 2047), UTF-8; "" if none
  std::string boundary;           // for multipart/*

  std::string_view raw_body;  // encoded body bytes, into the raw buffer
  size_t decoded_size = 0;    // bytes after transfer decoding (all parts)

  bool is_text = false;  // text/* that is not an attachment: text holds it
                         // (text/* attachments also get a text range in raw_text,
                         // but stay out of visible_text and urls)
  bool is_html = false;
  bool is_attachment = false;
  // For text parts: the decoded UTF-8 text (HTML as HTML), a range of Message::raw_text.
  size_t text_begin = 0, text_end = 0;
};

enum class UrlSource : uint8_t { kHref, kSrc, kText };

struct Url {
  std::string url;        // as found, entity-decoded
  std::string host;       // lower case host (IP literals kept as written), "" if none
  std::string link_text;  // visible text of the <a> element, for kHref
  UrlSource source = UrlSource::kText;
  uint32_t part = 0;
};

struct Attachment {
  uint32_t part = 0;
  std::string filename;
  std::string declared_type;  // content_type of the part
  std::string sniffed_type;   // from magic bytes, e.g. "application/zip"; "" if unknown
  size_t size = 0;            // decoded size
};

struct Message {
  std::string_view raw;     // the whole message as given to Parse()
  std::vector<Part> parts;  // depth-first; parts[0] is the root (its headers are the message's)
  std::vector<Url> urls;
  std::vector<Attachment> attachments;
  std::vector<Defect> defects;  // of the whole tree

  // Decoded UTF-8 of all text parts in order, HTML not rendered ("rawbody").
  // Part::text_begin/text_end index into it.
  std::string raw_text;
  // Visible text of all text parts: plain text as is, HTML rendered to text ("body").
  std::string visible_text;

  // Facts for rules.
  bool html_only = false;       // has HTML text but no plain-text alternative
  uint32_t image_count = 0;     // <img> tags plus image/* parts
  uint32_t colored_text = 0;    // HTML text runs with a non-default colour
  uint32_t invisible_text = 0;  // HTML text hidden (display:none, tiny font, same colour as bg)

  // Decoded bodies of encoded message/rfc822 parts; nested parts' views point into them.
  std::vector<std::shared_ptr<const std::string>> nested_buffers;

  const std::vector<Header>& headers() const { return parts.front().headers; }
  // First top-level header with this name (case-insensitive), or nullptr.
  const Header* FindHeader(std::string_view name) const;
  // Decoded text of a text part.
  std::string_view TextOf(const Part& part) const {
    return std::string_view(raw_text).substr(part.text_begin, part.text_end - part.text_begin);
  }
};

// Parser: reusable; keeps its buffers between messages so a warm parser allocates little.
class Parser {
 public:
  explicit Parser(Limits limits = {});
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses raw into the parser's Message and returns it. The reference stays valid until
  // the next Parse() on this parser; raw must outlive that use. Never fails.
  const Message& Parse(std::string_view raw);

  // Parses raw into *out, reusing out's storage, with this parser's limits and scratch
  // buffers; for callers that keep Messages beyond the next Parse(). Never fails.
  void ParseInto(std::string_view raw, Message* out);

 private:
  struct Impl;
  Impl* impl_;
};

// One-shot convenience: parse into a fresh Message (raw must outlive it).
Message Parse(std::string_view raw, const Limits& limits = {});

}  // namespace sluice::mime
