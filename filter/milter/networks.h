// networks.h - a list of IPv4/IPv6 networks (CIDR) and membership tests.
//
// Used for milter.trusted_networks: mail from a client inside counts as outbound.
// "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). IPv4-mapped IPv6
// client addresses (::ffff:192.0.2.1) match IPv4 networks.
//
// Failure: Parse returns Invalid naming the bad entry.
// Thread-safety: immutable after Parse; Contains() may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/util/status.h"

namespace sluice::milter {

class NetworkList {
 public:
  static Result<NetworkList> Parse(const std::vector<std::string>& cidrs);
  // `ip` is a textual address as the MTA reports it (e.g. {client_addr}); a text that is
  // not an address (e.g. "unknown", "[127.0.0.1]" brackets are stripped) never matches.
  bool Contains(std::string_view ip) const;
  bool empty() const { return nets_.empty(); }

 private:
  struct Net {
    std::array<uint8_t, 16> addr;  // IPv4 stored as IPv4-mapped IPv6
    int prefix;                    // in bits of the 128-bit form
  };
  std::vector<Net> nets_;
};

}  // namespace sluice::milter
