// decoded_view.h - a hand-built decoded view (no parser involved) for the tokenizer tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filter/mime/message.h"

namespace sluice::bayes {

// One text/plain UTF-8 part with these headers (name, decoded value) and visible text.
inline mime::Message MakeMessage(std::vector<std::pair<std::string_view, std::string>> headers,
                                 std::string text) {
  mime::Message m;
  mime::Part root;
  root.path = "1";
  root.content_type = "text/plain";
  root.charset = "utf-8";
  root.is_text = true;
  for (auto& [name, value] : headers) {
    mime::Header h;
    h.name = name;
    h.value = value;
    root.headers.push_back(std::move(h));
  }
  m.parts.push_back(std::move(root));
  m.visible_text = std::move(text);
  m.raw_text = m.visible_text;
  return m;
}

}  // namespace sluice::bayes
