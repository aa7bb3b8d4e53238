// networks.cc - CIDR parsing and matching over the 128-bit (IPv4-mapped) form.
#include "filter/milter/networks.h"

#include <arpa/inet.h>

#include <cstring>

namespace sluice::milter {
namespace {

// Parses an IPv4 or IPv6 address into the 16-byte form; *v4 tells which it was.
bool ToBytes(std::string_view text, std::array<uint8_t, 16>* out, bool* v4) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.rfind("IPv6:", 0) == 0) text.remove_prefix(5);  // sendmail's {client_addr} form
  const std::string s(text);
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    out->fill(0);
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &a4, 4);
    *v4 = true;
    return true;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    std::memcpy(out->data(), &a6, 16);
    *v4 = false;
    return true;
  }
  return false;
}

}  // namespace

Result<NetworkList> NetworkList::Parse(const std::vector<std::string>& cidrs) {
  NetworkList list;
  for (const auto& entry : cidrs) {
    std::string_view text = entry;
    int prefix = -1;
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
      const std::string bits(text.substr(slash + 1));
      char* end = nullptr;
      const long n = std::strtol(bits.c_str(), &end, 10);
      if (bits.empty() || *end != '\0' || n < 0 || n > 128) {
        return Status::Invalid("trusted network \"" + entry + "\": bad prefix length");
      }
      prefix = static_cast<int>(n);
      text = text.substr(0, slash);
    }
    Net net{};
    bool v4 = false;
    if (!ToBytes(text, &net.addr, &v4)) {
      return Status::Invalid("trusted network \"" + entry + "\": not an IP address");
    }
    if (prefix < 0) prefix = v4 ? 32 : 128;
    if (v4 && prefix > 32)
      return Status::Invalid("trusted network \"" + entry + "\": IPv4 prefix over 32");
    net.prefix = v4 ? prefix + 96 : prefix;
    list.nets_.push_back(net);
  }
  return list;
}

bool NetworkList::Contains(std::string_view ip) const {
  std::array<uint8_t, 16> addr{};
  bool v4 = false;
  if (nets_.empty() || !ToBytes(ip, &addr, &v4)) return false;
  for (const auto& net : nets_) {
    const int full = net.prefix / 8;
    const int rest = net.prefix % 8;
    if (std::memcmp(addr.data(), net.addr.data(), full) != 0) continue;
    if (rest != 0) {
      const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((addr[full] & mask) != (net.addr[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace sluice::milter
