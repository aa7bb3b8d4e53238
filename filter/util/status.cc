#include "filter/util/status.h"

namespace sluice {
namespace {

// The words ToString puts before the message.
const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "ok";
    case Status::Code::kNotFound:
      return "not found";
    case Status::Code::kInvalid:
      return "invalid";
    case Status::Code::kIo:
      return "I/O error";
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kUnavailable:
      return "unavailable";
    case Status::Code::kTimeout:
      return "timeout";
    case Status::Code::kInternal:
      return "internal error";
  }
  return "unknown";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace sluice
