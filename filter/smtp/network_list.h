// network_list.h - "is this client address in one of these networks?" (CIDR lists).
//
// Parse() takes entries like "127.0.0.0/8", "::1/128", "192.0.2.7" (a host) and fails on
// the first bad one, naming it. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches the
// IPv4 networks. An empty list matches nothing: no open relay by accident.
// Thread-safety: const methods may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/util/status.h"

namespace sluice::smtp {

class NetworkList {
 public:
  static Result<NetworkList> Parse(const std::vector<std::string>& entries);
  bool Contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
    int prefix = 128;
  };
  std::vector<Network> networks_;
};

}  // namespace sluice::smtp
