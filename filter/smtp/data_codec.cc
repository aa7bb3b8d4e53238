// data_codec.cc - dot-stuffing and line-end normalisation for DATA; see data_codec.h.
#include "filter/smtp/data_codec.h"

namespace sluice::smtp {

void DataDecoder::Append(std::string_view bytes) {
  seen_ += bytes.size();
  if (overflow_) return;
  if (message_.size() + bytes.size() > max_bytes_) {
    overflow_ = true;
    message_.clear();
    message_.shrink_to_fit();
    return;
  }
  message_.append(bytes);
}

size_t DataDecoder::Feed(std::string_view input) {
  size_t i = 0;
  while (i < input.size() && !done_) {
    char c = input[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c != '\n') {
        // A bare CR inside a line is data (8-bit clean); keep it.
        Append("\r");
        dot_only_ = false;
      }
    }
    if (line_start_) {
      line_start_ = false;
      dot_line_ = false;
      dot_only_ = false;
      if (c == '.') {
        dot_line_ = true;
        dot_only_ = true;
        ++i;
        continue;
      }
    }
    if (c == '\n') {
      // Line end (CRLF or bare LF): a line that was only "." ends the data.
      if (dot_line_ && dot_only_) {
        done_ = true;
        ++i;
        break;
      }
      Append("\r\n");
      line_start_ = true;
      ++i;
      continue;
    }
    if (c == '\r') {
      pending_cr_ = true;
      ++i;
      continue;
    }
    // Copy a run of ordinary bytes at once.
    size_t end = i;
    while (end < input.size() && input[end] != '\r' && input[end] != '\n') ++end;
    Append(input.substr(i, end - i));
    dot_only_ = false;
    i = end;
  }
  return i;
}

void AppendDotStuffed(std::string_view message, std::string* out) {
  out->reserve(out->size() + message.size() + message.size() / 64 + 8);
  bool line_start = true;
  size_t i = 0;
  while (i < message.size()) {
    if (line_start && message[i] == '.') out->push_back('.');
    size_t nl = message.find('\n', i);
    if (nl == std::string_view::npos) {
      out->append(message.substr(i));
      line_start = false;
      break;
    }
    out->append(message.substr(i, nl + 1 - i));
    i = nl + 1;
    line_start = true;
  }
  if (!message.empty() && !line_start) out->append("\r\n");
  out->append(".\r\n");
}

void NormalizeLineEnds(std::string* message) {
  const std::string& in = *message;
  size_t bare = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) ++bare;
  }
  if (bare == 0) return;
  std::string out;
  out.reserve(in.size() + bare);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
    out += in[i];
  }
  message->swap(out);
}

}  // namespace sluice::smtp
