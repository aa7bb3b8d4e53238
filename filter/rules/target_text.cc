// target_text.cc - maps a target to the parts of the decoded view it reads.
#include "filter/rules/target_text.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace sluice::rules {
namespace {

// ASCII case-insensitive equality: header names are ASCII, and <cctype>'s tolower goes
// through the locale for every byte.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Values of every top-level header named `name`, one per line, into *out.
void JoinHeaderValues(const mime::Message& message, std::string_view name, std::string* out) {
  if (message.parts.empty()) return;
  for (const auto& header : message.headers()) {
    if (!EqualsIgnoreCase(header.name, name)) continue;
    if (!out->empty()) out->push_back('\n');
    out->append(header.value);
  }
}

}  // namespace

// Visits each distinct URL once with its number of copies. Messages carry few URLs (tens),
// so a linear search per URL is cheaper than hashing; a message with more than
// kMaxDeduplicated URLs has them visited one by one, which counts the same.
void ForEachDistinctUrl(const mime::Message& message,
                        const std::function<void(std::string_view, uint32_t)>& visit) {
  constexpr size_t kMaxDeduplicated = 512;
  if (message.urls.size() > kMaxDeduplicated) {
    for (const auto& url : message.urls) visit(url.url, 1);
    return;
  }
  thread_local std::vector<std::pair<std::string_view, uint32_t>> distinct;
  distinct.clear();
  for (const auto& url : message.urls) {
    std::string_view text = url.url;
    auto same = std::find_if(distinct.begin(), distinct.end(),
                             [&](const auto& seen) { return seen.first == text; });
    if (same != distinct.end()) {
      ++same->second;
    } else {
      distinct.push_back({text, 1});
    }
  }
  for (const auto& [text, copies] : distinct) visit(text, copies);
}

void ForEachTargetText(const mime::Message& message, TargetKind kind, std::string_view header_name,
                       std::string* scratch,
                       const std::function<void(std::string_view, uint32_t)>& visit) {
  switch (kind) {
    case TargetKind::kSubject:
    case TargetKind::kFrom:
    case TargetKind::kHeader: {
      scratch->clear();
      std::string_view name = kind == TargetKind::kSubject ? "Subject"
                              : kind == TargetKind::kFrom  ? "From"
                                                           : header_name;
      JoinHeaderValues(message, name, scratch);
      visit(*scratch, 1);
      return;
    }
    case TargetKind::kTo:
      scratch->clear();
      JoinHeaderValues(message, "To", scratch);
      JoinHeaderValues(message, "Cc", scratch);
      visit(*scratch, 1);
      return;
    case TargetKind::kHeaders:
      scratch->clear();
      if (!message.parts.empty()) {
        for (const auto& header : message.headers()) {
          scratch->append(header.name);
          scratch->append(": ");
          scratch->append(header.value);
          scratch->push_back('\n');
        }
      }
      visit(*scratch, 1);
      return;
    case TargetKind::kBody:
      visit(message.visible_text, 1);
      return;
    case TargetKind::kRawBody:
      visit(message.raw_text, 1);
      return;
    case TargetKind::kFull:
      visit(message.raw, 1);
      return;
    case TargetKind::kUri:
      ForEachDistinctUrl(message, visit);
      return;
    case TargetKind::kAttachment:
      for (const auto& attachment : message.attachments) {
        if (!attachment.filename.empty()) visit(attachment.filename, 1);
        if (!attachment.declared_type.empty()) visit(attachment.declared_type, 1);
        if (!attachment.sniffed_type.empty() &&
            attachment.sniffed_type != attachment.declared_type) {
          visit(attachment.sniffed_type, 1);
        }
      }
      return;
    case TargetKind::kMeta:
      return;
  }
}

}  // namespace sluice::rules
