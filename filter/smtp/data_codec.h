// data_codec.h - the bytes of SMTP DATA, both ways (RFC 5321 §4.5.2).
//
// DataDecoder reads what a client sends after 354: it removes dot-stuffing, turns bare LF
// line ends into CRLF, keeps every other byte as is (8-bit clean, NULs included) and stops
// at the "." line. Lines of any length are fine. Past `max_bytes` it keeps reading to the
// end marker but stores nothing more, so the session can answer 552 and stay in sync.
// AppendDotStuffed is the other way: canonical CRLF text -> the wire form plus ".\r\n".
// Pure, no I/O; thread-safety: none.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::smtp {

class DataDecoder {
 public:
  explicit DataDecoder(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Consumes bytes up to and including the end marker; returns how many were consumed
  // (less than input.size() only when done() became true: the rest is the next command).
  size_t Feed(std::string_view input);
  bool done() const { return done_; }
  bool overflow() const { return overflow_; }
  // The message so far, CRLF line ends, unstuffed. Complete once done().
  std::string& message() { return message_; }
  size_t bytes_seen() const { return seen_; }

 private:
  void Append(std::string_view bytes);

  size_t max_bytes_;
  std::string message_;
  size_t seen_ = 0;
  bool done_ = false;
  bool overflow_ = false;
  bool line_start_ = true;   // the next byte begins a line
  bool dot_line_ = false;    // this line began with a '.' we removed
  bool dot_only_ = false;    // ... and nothing else followed it yet
  bool pending_cr_ = false;  // a CR whose LF may follow
};

// Turns bare LF line ends in `message` into CRLF, as DataDecoder does for DATA (BDAT
// chunks arrive raw). Leaves the message untouched when it has none.
void NormalizeLineEnds(std::string* message);

// Appends `message` (CRLF line ends) dot-stuffed, with a final CRLF if missing and the
// ".\r\n" end marker.
void AppendDotStuffed(std::string_view message, std::string* out);

}  // namespace sluice::smtp
