// header_values.cc - one walk over the top-level headers for every header target.
#include "filter/rules/header_values.h"

namespace sluice::rules {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// ASCII case-insensitive equality of a header name with a lower-cased name of equal length.
bool SameName(std::string_view name, const std::string& lower) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (Lower(name[i]) != lower[i]) return false;
  }
  return true;
}

}  // namespace

uint32_t HeaderValueIndex::Add(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = Lower(c);
  for (uint32_t slot = 0; slot < names_.size(); ++slot) {
    if (names_[slot] == lower) return slot;
  }
  names_.push_back(lower);
  if (by_length_.size() <= lower.size()) by_length_.resize(lower.size() + 1);
  by_length_[lower.size()].push_back(static_cast<uint32_t>(names_.size() - 1));
  return static_cast<uint32_t>(names_.size() - 1);
}

void HeaderValueIndex::Collect(const mime::Message& message,
                               std::vector<std::vector<std::string_view>>* values) const {
  values->resize(names_.size());
  for (auto& list : *values) list.clear();
  if (message.parts.empty()) return;
  for (const auto& header : message.headers()) {
    if (header.name.size() >= by_length_.size()) continue;
    for (uint32_t slot : by_length_[header.name.size()]) {
      if (SameName(header.name, names_[slot])) {
        (*values)[slot].push_back(header.value);
        break;  // names are distinct: at most one slot matches
      }
    }
  }
}

void JoinValues(const std::vector<std::string_view>& values, std::string* out) {
  for (std::string_view value : values) {
    if (!out->empty()) out->push_back('\n');
    out->append(value);
  }
}

}  // namespace sluice::rules
