// parser.cc - the MIME tree walk: header blocks, multipart, message/rfc822, limits.
//
// Each entity is a byte range of the raw message (or of a decoded nested message). A
// multipart body is cut at its own delimiter lines, and each piece is parsed as an entity in
// turn, so a nested multipart whose close delimiter is missing ends where the enclosing part
// ends: the outer boundary wins, as in Python's email package and Thunderbird. Limits (depth,
// part count, header size) become Defects and the affected content stays an opaque part.
// Recursion depth is bounded by Limits::max_depth.
#include <cstring>
#include <memory>
#include <string>

#include "filter/mime/header_decode.h"
#include "filter/mime/parser_impl.h"
#include "filter/mime/transfer_decode.h"

namespace sluice::mime {
namespace {

using internal::DefectSink;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void AssignLower(std::string_view from, std::string* to) {
  to->assign(from);
  for (char& c : *to) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

const Header* FindIn(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return &h;
  }
  return nullptr;
}

void ResetPart(Part* p) {
  p->path.clear();
  p->parent = UINT32_MAX;
  p->depth = 0;
  p->children.clear();
  // headers: left as they are; ParseHeaderBlock replaces them, reusing their strings.
  p->content_type.clear();
  p->charset.clear();
  p->transfer_encoding.clear();
  p->disposition.clear();
  p->filename.clear();
  p->boundary.clear();
  p->raw_body = {};
  p->decoded_size = 0;
  p->is_text = p->is_html = p->is_attachment = false;
  p->text_begin = p->text_end = 0;
}

// A usable "type/subtype": both sides non-empty, no spaces.
bool ValidMediaType(std::string_view v) {
  size_t slash = v.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == v.size()) return false;
  return v.find_first_of(" \t/", slash + 1) == std::string_view::npos;
}

// Delimiter lines that directly follow an opening delimiter open no part of their own
// ("--b\n--b\n" is one part boundary): Python's email package reads them this way. A close
// delimiter right after ends the multipart (an empty last part is dropped).
void SkipRepeatedDelimiters(std::string_view body, std::string_view boundary,
                            internal::Delimiter* d) {
  internal::Delimiter again;
  while (internal::FindDelimiter(body, boundary, d->next, &again) && again.line_begin == d->next &&
         d->next < body.size()) {
    *d = again;
    if (d->close) return;
  }
}

}  // namespace

void Parser::Impl::Run(std::string_view raw, Message* m) {
  msg = m;
  // Recycle the previous message's parts (their strings and vectors keep their capacity).
  for (Part& p : m->parts) {
    if (spare.size() < limits.max_parts) spare.push_back(std::move(p));
  }
  m->parts.clear();
  m->raw = raw;
  for (Url& u : m->urls) {
    if (spare_urls.size() < kMaxSpareUrls) spare_urls.push_back(std::move(u));
  }
  m->urls.clear();
  m->attachments.clear();
  m->defects.clear();
  m->raw_text.clear();
  m->visible_text.clear();
  m->html_only = false;
  m->image_count = m->colored_text = m->invisible_text = 0;
  m->nested_buffers.clear();
  used_parts = 0;
  parts_exhausted = false;
  text_full = false;
  fallback_charset.clear();

  ParseEntity(raw, UINT32_MAX, 0, "1", false);
  if (!raw.empty() && std::memchr(raw.data(), 0, raw.size()) != nullptr) {
    m->defects.push_back(Defect{DefectKind::kNulBytes, 0, {}});
  }
  Finish();
}

uint32_t Parser::Impl::NewPart() {
  if (used_parts >= limits.max_parts) {
    if (!parts_exhausted) {
      msg->defects.push_back(Defect{DefectKind::kTooManyParts, 0, {}});
      parts_exhausted = true;
    }
    return UINT32_MAX;
  }
  if (!spare.empty()) {
    msg->parts.push_back(std::move(spare.back()));
    spare.pop_back();
    ResetPart(&msg->parts.back());
  } else {
    msg->parts.emplace_back();
  }
  return static_cast<uint32_t>(used_parts++);
}

void Parser::Impl::ParseEntity(std::string_view entity, uint32_t parent, uint32_t depth,
                               std::string path, bool digest_child) {
  uint32_t index = NewPart();
  if (index == UINT32_MAX) return;
  {
    Part& p = msg->parts[index];
    p.parent = parent;
    p.depth = depth;
    p.path = std::move(path);
  }
  if (parent != UINT32_MAX) msg->parts[parent].children.push_back(index);
  DefectSink defects(&msg->defects, index);

  size_t body_offset =
      internal::ParseHeaderBlock(entity, limits, &msg->parts[index].headers, &defects);
  if (index == 0 && msg->parts[0].headers.empty()) defects.Add(DefectKind::kMissingHeaders);
  std::string_view body = entity.substr(body_offset);
  ReadContentHeaders(index, digest_child, &defects);
  if (index == 0) fallback_charset = msg->parts[0].charset;
  DecodeHeaderValues(index, &defects);

  Part& p = msg->parts[index];
  p.raw_body = body;
  std::string_view type = p.content_type;
  bool is_multipart = type.starts_with("multipart/");
  // Reports (delivery status, MDN, ARF) are lines of fields, read as text; every other
  // message/* type holds a message, as Python's email package and Thunderbird read it.
  bool is_report = type == "message/delivery-status" || type == "message/feedback-report" ||
                   type == "message/disposition-notification" ||
                   type == "message/global-delivery-status" ||
                   type == "message/global-disposition-notification";
  bool is_message = type.starts_with("message/") && !is_report;
  if ((is_multipart || is_message) && depth >= limits.max_depth) {
    defects.Add(DefectKind::kTooDeep);
    p.decoded_size = body.size();  // kept opaque: no children, no text
    return;
  }
  if (is_multipart) {
    if (p.boundary.empty()) {
      defects.Add(DefectKind::kMissingBoundary);
      ProcessLeaf(index, body, /*force_text=*/true, &defects);
    } else {
      ParseMultipart(index, body, &defects);
    }
  } else if (is_message) {
    ParseNestedMessage(index, body, &defects);
  } else {
    ProcessLeaf(index, body, /*force_text=*/is_report, &defects);
  }
}

void Parser::Impl::ReadContentHeaders(uint32_t index, bool digest_child, DefectSink* defects) {
  Part& p = msg->parts[index];
  HeaderParams params;
  if (const Header* h = FindIn(p.headers, "Content-Type")) {
    UnfoldHeaderInto(h->raw_value, &unfolded);
    if (!ParseHeaderParams(unfolded, &params)) {
      defects->Add(DefectKind::kBadHeaderLine, "content-type syntax");
    }
    if (ValidMediaType(params.value)) p.content_type = params.value;
    AssignLower(internal::TrimWhitespace(params.Get("charset")), &p.charset);
    // Trailing blanks are transport padding on the delimiter line, not part of the boundary.
    std::string_view boundary = params.Get("boundary");
    while (!boundary.empty() && (boundary.back() == ' ' || boundary.back() == '\t')) {
      boundary.remove_suffix(1);
    }
    p.boundary.assign(boundary);
    p.filename.assign(params.Get("name"));
  }
  if (p.content_type.empty()) p.content_type = digest_child ? "message/rfc822" : "text/plain";
  if (const Header* h = FindIn(p.headers, "Content-Transfer-Encoding")) {
    UnfoldHeaderInto(h->raw_value, &unfolded);
    AssignLower(internal::TrimWhitespace(unfolded), &p.transfer_encoding);
  }
  if (const Header* h = FindIn(p.headers, "Content-Disposition")) {
    params.value.clear();
    params.params.clear();
    UnfoldHeaderInto(h->raw_value, &unfolded);
    ParseHeaderParams(unfolded, &params);
    p.disposition = params.value;
    std::string_view name = params.Get("filename");
    if (!name.empty()) p.filename.assign(name);
  }
}

void Parser::Impl::DecodeHeaderValues(uint32_t index, DefectSink* defects) {
  Part& p = msg->parts[index];
  std::string_view fallback = p.charset.empty() ? std::string_view(fallback_charset) : p.charset;
  for (Header& h : p.headers) {
    if (!internal::HeaderHasEncodedText(h.raw_value)) {
      UnfoldHeaderInto(h.raw_value, &h.value);  // plain ASCII: decoding would copy it as is
      continue;
    }
    bool had_8bit = false;
    UnfoldHeaderInto(h.raw_value, &unfolded);
    if (!DecodeHeaderText(unfolded, fallback, &h.value, &had_8bit)) {
      defects->Add(DefectKind::kBadEncodedWord, h.name);
    }
    if (had_8bit) defects->Add(DefectKind::kRaw8bitHeader, h.name);
  }
}

void Parser::Impl::ParseMultipart(uint32_t index, std::string_view body, DefectSink* defects) {
  // Copies: parsing children may reallocate msg->parts.
  const std::string boundary = "--" + msg->parts[index].boundary;
  const std::string prefix = msg->parts[index].path + ".";
  const uint32_t depth = msg->parts[index].depth + 1;
  const bool digest = msg->parts[index].content_type == "multipart/digest";

  internal::Delimiter d;
  if (!internal::FindDelimiter(body, boundary, 0, &d)) {
    // Nothing to split: show the body as text, as mail readers do.
    defects->Add(DefectKind::kStartBoundaryNotFound);
    ProcessLeaf(index, body, /*force_text=*/true, defects);
    return;
  }
  if (d.close) return;  // "--b--" before any "--b": no parts (Python reads it the same way)
  SkipRepeatedDelimiters(body, boundary, &d);
  if (d.close) return;
  size_t start = d.next;
  for (uint32_t n = 1; !parts_exhausted; ++n) {
    internal::Delimiter next;
    bool found = internal::FindDelimiter(body, boundary, start, &next);
    size_t end = found ? next.line_begin : body.size();
    ParseEntity(body.substr(start, end - start), index, depth, prefix + std::to_string(n), digest);
    if (!found) {
      defects->Add(DefectKind::kCloseBoundaryMissing);
      break;
    }
    if (next.close) break;  // the rest is the epilogue
    SkipRepeatedDelimiters(body, boundary, &next);
    if (next.close) break;
    start = next.next;
  }
}

void Parser::Impl::ParseNestedMessage(uint32_t index, std::string_view body, DefectSink* defects) {
  std::string_view inner = body;
  auto encoding = internal::ClassifyTransferEncoding(msg->parts[index].transfer_encoding);
  if (encoding == internal::TransferEncoding::kBase64 ||
      encoding == internal::TransferEncoding::kQuotedPrintable) {
    // Not allowed by RFC 2046, but sent: decode first so the nested parts are seen.
    auto buffer = std::make_shared<std::string>();
    bool clean = encoding == internal::TransferEncoding::kBase64
                     ? DecodeBase64(body, buffer.get())
                     : DecodeQuotedPrintable(body, buffer.get());
    if (!clean) {
      defects->Add(encoding == internal::TransferEncoding::kBase64
                       ? DefectKind::kBadBase64
                       : DefectKind::kBadQuotedPrintable);
    }
    inner = *buffer;
    msg->nested_buffers.push_back(std::move(buffer));
  } else if (encoding == internal::TransferEncoding::kUnknown) {
    defects->Add(DefectKind::kUnknownTransferEncoding, msg->parts[index].transfer_encoding);
  }
  msg->parts[index].decoded_size = inner.size();
  std::string path = msg->parts[index].path + ".1";
  ParseEntity(inner, index, msg->parts[index].depth + 1, std::move(path), false);
}

Parser::Parser(Limits limits) : impl_(new Impl(limits)) {}
Parser::~Parser() { delete impl_; }

const Message& Parser::Parse(std::string_view raw) {
  impl_->Run(raw, &impl_->message);
  return impl_->message;
}

void Parser::ParseInto(std::string_view raw, Message* out) { impl_->Run(raw, out); }

Message Parse(std::string_view raw, const Limits& limits) {
  Parser parser(limits);
  Message m;
  parser.ParseInto(raw, &m);
  return m;
}

}  // namespace sluice::mime
