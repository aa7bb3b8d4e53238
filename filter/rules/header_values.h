// header_values.h - the values of the header names rule targets read, collected in one walk
// over a message's top-level headers (internal to rules/).
//
// subject, from, to (To and Cc) and header:<Name> each read the values of one or two header
// names. Walking every header once per target cost more than the small scans themselves,
// so the names are registered at load and one walk per message files each header's value
// under its name; a target's text is then joined from those values.
// Thread-safety: immutable after the names are added; Collect writes only to its output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mime/message.h"

namespace sluice::rules {

class HeaderValueIndex {
 public:
  // The slot of `name` (ASCII case-insensitive), added if new.
  uint32_t Add(std::string_view name);
  size_t size() const { return names_.size(); }

  // Resizes *values to size() and fills (*values)[slot] with the values of every top-level
  // header of that name, in message order (views into `message`).
  void Collect(const mime::Message& message,
               std::vector<std::vector<std::string_view>>* values) const;

 private:
  std::vector<std::string> names_;                // lower-cased
  std::vector<std::vector<uint32_t>> by_length_;  // slots by name length: one compare a header
};

// Appends each value to *out, one per line: a '\n' before a value whenever *out is not empty
// (so an empty first value adds nothing, as one text per target was always joined).
void JoinValues(const std::vector<std::string_view>& values, std::string* out);

}  // namespace sluice::rules
