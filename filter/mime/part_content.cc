// part_content.cc - one leaf part: transfer decoding, text to UTF-8, visible text, URLs,
// attachments.
//
// A leaf's body is decoded once into a reused scratch buffer (or not at all for 7bit/8bit/
// binary, which are used in place). text/* parts are converted to UTF-8 onto
// Message::raw_text; unless they are attachments, they also feed visible_text (HTML rendered)
// and urls. Uuencoded blocks inside plain text become attachments and are left out of the
// text. Everything else is an attachment with its declared and sniffed type. Malformed
// encodings are decoded as far as possible and recorded as defects.
#include <string.h>  // memrchr (glibc)
#include <algorithm>
#include <cstring>

#include "filter/mime/charset.h"
#include "filter/mime/parser_impl.h"
#include "filter/mime/sniff.h"
#include "filter/mime/transfer_decode.h"
#include "filter/mime/url_scan.h"

namespace sluice::mime {

using internal::DefectSink;
using internal::TransferEncoding;

namespace {

// True when some line of `body` is longer than `limit` (only checked for bodies that could
// hold one, so ordinary parts cost nothing).
bool HasLongLine(std::string_view body, size_t limit) {
  if (body.size() <= limit) return false;
  // From each line start, look at the next limit + 1 bytes: a line break among them means
  // every line that starts in that window is short enough, so jump past the last one.
  size_t pos = 0;
  while (body.size() - pos > limit) {
    const void* nl = memrchr(body.data() + pos, '\n', limit + 1);
    if (nl == nullptr) return true;
    pos = static_cast<const char*>(nl) - body.data() + 1;
  }
  return false;
}

}  // namespace

void Parser::Impl::ProcessLeaf(uint32_t index, std::string_view body, bool force_text,
                               DefectSink* defects) {
  Part& p = msg->parts[index];
  p.raw_body = body;
  if (HasLongLine(body, limits.max_line_length)) defects->Add(DefectKind::kLineTooLong, "body");

  TransferEncoding encoding = internal::ClassifyTransferEncoding(p.transfer_encoding);
  std::string_view data = body;
  switch (encoding) {
    case TransferEncoding::kIdentity:
      break;
    case TransferEncoding::kUnknown:
      defects->Add(DefectKind::kUnknownTransferEncoding, p.transfer_encoding);
      break;
    case TransferEncoding::kBase64:
      decoded.clear();
      if (!DecodeBase64(body, &decoded)) defects->Add(DefectKind::kBadBase64);
      data = decoded;
      break;
    case TransferEncoding::kQuotedPrintable:
      decoded.clear();
      if (!DecodeQuotedPrintable(body, &decoded)) defects->Add(DefectKind::kBadQuotedPrintable);
      data = decoded;
      break;
    case TransferEncoding::kUuencode:
      decoded.clear();
      if (!DecodeUuencode(body, &decoded)) defects->Add(DefectKind::kBadUuencode);
      data = decoded;
      break;
  }
  p.decoded_size = data.size();

  std::string_view type = p.content_type;
  bool text_type = force_text || type.starts_with("text/");
  if (!text_type) {
    p.is_attachment = true;
    if (type.starts_with("image/")) ++msg->image_count;
    AddAttachment(index, p.filename, p.content_type, data);
    return;
  }

  const bool attachment = !force_text && p.disposition == "attachment";
  const bool html = !force_text && type == "text/html";
  const size_t begin = msg->raw_text.size();
  const std::string_view charset = p.charset;  // parts are not added below: the view holds
  if (!attachment && !html && encoding != TransferEncoding::kUuencode) {
    size_t pos = 0;
    UuBlock block;
    while (pos < data.size() && FindUuBlock(data, pos, &block) && block.end > block.begin &&
           block.begin >= pos) {
      AppendText(charset, data.substr(pos, block.begin - pos), defects);
      uu_decoded.clear();
      if (!DecodeUuencode(data.substr(block.begin, block.end - block.begin), &uu_decoded)) {
        defects->Add(DefectKind::kBadUuencode);
      }
      AddAttachment(index, block.filename, "application/octet-stream", uu_decoded);
      pos = block.end;
    }
    if (pos < data.size()) AppendText(charset, data.substr(pos), defects);
  } else {
    AppendText(charset, data, defects);
  }
  Part& q = msg->parts[index];
  q.text_begin = begin;
  q.text_end = msg->raw_text.size();
  if (attachment) {
    q.is_attachment = true;
    AddAttachment(index, q.filename, q.content_type, data);
    return;
  }
  q.is_text = true;
  q.is_html = html;
  AddVisibleText(index, html);
}

void Parser::Impl::AppendText(std::string_view charset, std::string_view bytes,
                              DefectSink* defects) {
  if (text_full || bytes.empty()) return;
  std::string& out = msg->raw_text;
  size_t room = limits.max_text_bytes - std::min(out.size(), limits.max_text_bytes);
  // Every charset yields at least one UTF-8 byte per 4 input bytes (UTF-32 is the worst),
  // so converting more input than this cannot stay within the limit.
  if (bytes.size() / 4 > room + 16) bytes = bytes.substr(0, (room + 16) * 4);
  CharsetResult result = AppendUtf8(charset, bytes, &out);
  if (result == CharsetResult::kUnknown && !charset.empty()) {
    defects->Add(DefectKind::kUnknownCharset, charset);
  } else if (result == CharsetResult::kInvalidBytes) {
    defects->Add(DefectKind::kInvalidCharsetBytes, charset);
  }
  if (out.size() > limits.max_text_bytes) {
    size_t cut = limits.max_text_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    text_full = true;
    defects->Add(DefectKind::kTruncatedText);
  }
}

void Parser::Impl::AddVisibleText(uint32_t index, bool html) {
  std::string& visible = msg->visible_text;
  if (!visible.empty() && visible.back() != '\n') visible.push_back('\n');
  const size_t begin = visible.size();
  std::string_view text = msg->TextOf(msg->parts[index]);
  text_urls.clear();
  if (html) {
    render.links.clear();
    render.images = render.colored_text = render.invisible_text = 0;
    // Render straight onto visible_text: no intermediate copy.
    render.text.swap(visible);
    RenderHtml(text, &render);
    render.text.swap(visible);
    msg->image_count += render.images;
    msg->colored_text += render.colored_text;
    msg->invisible_text += render.invisible_text;
    for (HtmlLink& link : render.links) {
      Url& url = NewUrl(link.source, index);
      UrlHostInto(link.url, &url.host);
      url.url.swap(link.url);
      url.link_text.swap(link.text);
    }
    const size_t links = render.links.size();
    FindTextUrls(std::string_view(visible).substr(begin), &text_urls);
    for (std::string_view found : text_urls) {
      // A URL written as the link's own text is already listed with the link.
      bool listed = false;
      for (size_t i = msg->urls.size() - links; i < msg->urls.size(); ++i) {
        if (msg->urls[i].url == found || msg->urls[i].link_text == found) listed = true;
      }
      if (listed) continue;
      AddTextUrl(found, index);
    }
    return;
  }
  visible.append(text);
  FindTextUrls(text, &text_urls);
  for (std::string_view found : text_urls) AddTextUrl(found, index);
}

Url& Parser::Impl::NewUrl(UrlSource source, uint32_t part) {
  if (spare_urls.empty()) {
    msg->urls.emplace_back();
  } else {
    msg->urls.push_back(std::move(spare_urls.back()));
    spare_urls.pop_back();
  }
  Url& url = msg->urls.back();
  url.url.clear();
  url.host.clear();
  url.link_text.clear();
  url.source = source;
  url.part = part;
  return url;
}

void Parser::Impl::AddTextUrl(std::string_view found, uint32_t part) {
  Url& url = NewUrl(UrlSource::kText, part);
  UrlHostInto(found, &url.host);
  url.url.assign(found);
}

void Parser::Impl::AddAttachment(uint32_t index, std::string_view filename,
                                 std::string_view declared, std::string_view data) {
  Attachment a;
  a.part = index;
  a.filename.assign(filename);
  a.declared_type.assign(declared);
  a.sniffed_type.assign(SniffType(data));
  a.size = data.size();
  msg->attachments.push_back(std::move(a));
}

void Parser::Impl::Finish() {
  bool html = false, plain = false;
  for (const Part& p : msg->parts) {
    if (!p.is_text) continue;
    if (p.is_html) {
      html = true;
    } else {
      plain = true;
    }
  }
  msg->html_only = html && !plain;
}

}  // namespace sluice::mime
