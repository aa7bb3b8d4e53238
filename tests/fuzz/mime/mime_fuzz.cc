// mime_fuzz.cc - libFuzzer target for the MIME parser.
//
// Parses the input twice with one Parser (default limits, then again to exercise buffer reuse)
// and once with tiny limits, and checks the Message's structural invariants: parent/child
// indices consistent, paths non-empty, text ranges inside raw_text, views inside the input or
// an owned nested buffer, URL/attachment/defect part indices valid. A violated invariant
// aborts, so the fuzzer reports it like a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "filter/mime/message.h"

namespace {

using sluice::mime::Message;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view view, const Message& m) {
  if (view.empty()) return true;
  auto within = [&](std::string_view outer) {
    return view.data() >= outer.data() && view.data() + view.size() <= outer.data() + outer.size();
  };
  if (within(m.raw)) return true;
  for (const auto& buffer : m.nested_buffers) {
    if (within(*buffer)) return true;
  }
  return false;
}

void CheckInvariants(const Message& m) {
  Check(!m.parts.empty());
  Check(m.parts[0].parent == UINT32_MAX && m.parts[0].path == "1");
  for (size_t i = 0; i < m.parts.size(); ++i) {
    const auto& p = m.parts[i];
    Check(!p.path.empty());
    Check(p.text_begin <= p.text_end && p.text_end <= m.raw_text.size());
    Check(Inside(p.raw_body, m));
    for (const auto& h : p.headers) Check(Inside(h.name, m) && Inside(h.raw_value, m));
    if (i > 0) {
      Check(p.parent < i);
      Check(p.depth == m.parts[p.parent].depth + 1);
    }
    for (uint32_t child : p.children) Check(child > i && child < m.parts.size());
  }
  for (const auto& u : m.urls) Check(u.part < m.parts.size());
  for (const auto& a : m.attachments) Check(a.part < m.parts.size());
  for (const auto& d : m.defects) Check(d.part < m.parts.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  static sluice::mime::Parser parser;
  CheckInvariants(parser.Parse(raw));
  CheckInvariants(parser.Parse(raw));
  sluice::mime::Limits tiny;
  tiny.max_depth = 3;
  tiny.max_parts = 5;
  tiny.max_header_bytes = 256;
  tiny.max_line_length = 64;
  tiny.max_headers = 8;
  tiny.max_text_bytes = 100;
  Message small = sluice::mime::Parse(raw, tiny);
  CheckInvariants(small);
  Check(small.parts.size() <= tiny.max_parts);
  Check(small.raw_text.size() <= tiny.max_text_bytes);
  return 0;
}
