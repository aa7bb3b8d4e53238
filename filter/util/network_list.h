// network_list.h - "is this client address in one of these networks?" (CIDR lists).
//
// Used by both daemons: milter.trusted_networks (mail from inside counts as outbound) and
// smtp.allowed_networks / smtp.xforward_hosts (who may connect, whose XFORWARD is believed).
//
// Entries: "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Addresses are
// compared in the 128-bit form with IPv4 stored IPv4-mapped, so a client written
// ::ffff:192.0.2.1 matches the IPv4 networks. Addresses may be written as MTAs report them:
// "[192.0.2.1]" (brackets stripped) and sendmail's "IPv6:2001:db8::1".
// An empty list matches nothing: no open relay and no trusted network by accident.
//
// Failure: Parse fails on the first bad entry, naming it (the caller adds the config key).
// Thread-safety: immutable after Parse; Contains() may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/util/status.h"

namespace sluice {

class NetworkList {
 public:
  static Result<NetworkList> Parse(const std::vector<std::string>& entries);
  // `address` is a textual address as the MTA or the socket reports it; a text that is not
  // an address (e.g. "unknown") never matches.
  bool Contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
    int prefix = 128;                 // in bits of the 128-bit form
  };
  std::vector<Network> networks_;
};

// "127.0.0.1:10025", "[::1]:10025" -> host (brackets stripped) and port, split at the last
// ':'. False when there is no ':', nothing after it, or no host before it; the parts are
// not checked further (the config wants numeric addresses, see config.cc).
bool SplitHostPort(std::string_view text, std::string* host, std::string* port);

}  // namespace sluice
