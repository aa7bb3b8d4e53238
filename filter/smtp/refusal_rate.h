// refusal_rate.h - how often recent messages ended without being relayed (internal to
// filter/smtp), to decide whether sending DATA downstream early pays.
//
// Sending DATA downstream when the client sends DATA hides one downstream round trip per
// relayed message; but a message refused after that (spam rejected, tempfailed, discarded,
// over the size limit) cannot be taken back with RSET (after 354 everything is message
// text): the downstream connection is closed, which delivers nothing, and the next message
// pays for a new one (TCP handshake, greeting, EHLO: about three round trips and the
// downstream's per-connection work). So early DATA is for when refusals are rare: below
// about one in eight recent messages (a decaying average that forgets a message's weight
// by 1/16 per later message). A burst of spam turns it off after three refusals in a row;
// a few relayed messages turn it back on. Starts with no refusals. Thread-safety: none
// (one per I/O thread).
#pragma once

#include <cstdint>

namespace sluice::smtp {

class RefusalRate {
 public:
  // One more message ended: relayed (false) or refused (true).
  void Note(bool refused) { level_ = level_ - level_ / 16 + (refused ? kStep : 0); }
  // Refusals are rare enough for early DATA.
  bool Low() const { return level_ < kLowBelow; }

 private:
  // level_ ~ 1024 x the share of refused messages (each weighs kStep = 1024/16 at first).
  static constexpr uint32_t kStep = 64;
  static constexpr uint32_t kLowBelow = 128;  // one in eight
  uint32_t level_ = 0;
};

}  // namespace sluice::smtp
