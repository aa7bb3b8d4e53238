// network_list.cc - CIDR parsing and matching over the 128-bit (IPv4-mapped) form.
#include "filter/util/network_list.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sluice {
namespace {

// Parses an IPv4 or IPv6 address into the 16-byte form; *v4 tells which it was.
bool ToBytes(std::string_view text, std::array<uint8_t, 16>* out, bool* v4) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.rfind("IPv6:", 0) == 0) text.remove_prefix(5);  // sendmail's {client_addr} form
  const std::string s(text);                               // inet_pton wants a terminated string
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

Result<NetworkList> NetworkList::Parse(const std::vector<std::string>& entries) {
  NetworkList list;
  for (const std::string& entry : entries) {
    const size_t slash = entry.find('/');
    Network net;
    bool v4 = false;
    if (!ToBytes(std::string_view(entry).substr(0, slash), &net.bytes, &v4)) {
      return Status::Invalid("\"" + entry + "\": not an IP address");
    }
    const int max = v4 ? 32 : 128;
    int prefix = max;
    if (slash != std::string::npos) {
      const char* begin = entry.data() + slash + 1;
      const char* end = entry.data() + entry.size();
      const auto [ptr, ec] = std::from_chars(begin, end, prefix);
      if (ec != std::errc() || ptr != end || begin == end || prefix < 0 || prefix > max) {
        return Status::Invalid("\"" + entry + "\": bad prefix length (0-" + std::to_string(max) +
                               ")");
      }
    }
    net.prefix = v4 ? prefix + 96 : prefix;
    list.networks_.push_back(net);
  }
  return list;
}

bool NetworkList::Contains(std::string_view address) const {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
  if (networks_.empty() || !ToBytes(address, &bytes, &v4)) return false;
  for (const Network& net : networks_) {
    const int full = net.prefix / 8;
    const int rest = net.prefix % 8;
    if (std::memcmp(bytes.data(), net.bytes.data(), full) != 0) continue;
    if (rest != 0) {
      const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((bytes[full] & mask) != (net.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

bool SplitHostPort(std::string_view text, std::string* host, std::string* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  host->assign(h);
  port->assign(text.substr(colon + 1));
  return !host->empty();
}

}  // namespace sluice
