// parser_test_util.h - helpers shared by the MIME parser tests.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "filter/mime/message.h"

namespace sluice::mime::testing {

// Messages in tests are written with "\n"; Crlf() gives the wire form.
inline std::string Crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

inline bool HasDefect(const Message& m, DefectKind kind) {
  return std::any_of(m.defects.begin(), m.defects.end(),
                     [&](const Defect& d) { return d.kind == kind; });
}

inline bool HasDefectIn(const Message& m, DefectKind kind, uint32_t part) {
  return std::any_of(m.defects.begin(), m.defects.end(),
                     [&](const Defect& d) { return d.kind == kind && d.part == part; });
}

// Index of the part with this path, or -1.
inline int PartIndex(const Message& m, std::string_view path) {
  for (size_t i = 0; i < m.parts.size(); ++i) {
    if (m.parts[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace sluice::mime::testing
