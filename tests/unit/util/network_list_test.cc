// network_list_test.cc - CIDR lists: milter.trusted_networks, smtp.allowed_networks and
// smtp.xforward_hosts all parse and match through this one class.
#include "filter/util/network_list.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(NetworkList, MatchesIpv4AndIpv6Prefixes) {
  auto list = NetworkList::Parse(
      {"192.0.2.0/24", "10.1.2.3", "2001:db8::/32", "172.16.0.0/12", "10.9.0.0/17", "::1/128"});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->Contains("192.0.2.200"));
  EXPECT_FALSE(list->Contains("192.0.3.1"));
  EXPECT_TRUE(list->Contains("10.1.2.3"));  // a bare address is a /32
  EXPECT_FALSE(list->Contains("10.1.2.4"));
  EXPECT_TRUE(list->Contains("172.31.255.255"));
  EXPECT_FALSE(list->Contains("172.32.0.0"));
  EXPECT_TRUE(list->Contains("10.9.127.255"));  // prefix not on a byte boundary
  EXPECT_FALSE(list->Contains("10.9.128.0"));
  EXPECT_TRUE(list->Contains("2001:db8:1::5"));
  EXPECT_FALSE(list->Contains("2001:db9::1"));
  EXPECT_TRUE(list->Contains("::1"));
  EXPECT_FALSE(list->Contains("::2"));
}

TEST(NetworkList, ReadsAddressesAsMtasWriteThem) {
  auto list = NetworkList::Parse({"192.0.2.0/24", "2001:db8::/32"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->Contains("::ffff:192.0.2.9"));  // IPv4-mapped
  EXPECT_TRUE(list->Contains("[192.0.2.9]"));       // bracketed
  EXPECT_TRUE(list->Contains("IPv6:2001:db8::1"));  // sendmail's {client_addr}
  EXPECT_FALSE(list->Contains("unknown"));
  EXPECT_FALSE(list->Contains("not an address"));
  EXPECT_FALSE(list->Contains(""));
}

TEST(NetworkList, ZeroPrefixMatchesAllOfItsFamilyOnly) {
  auto list = NetworkList::Parse({"0.0.0.0/0"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->Contains("203.0.113.1"));
  EXPECT_FALSE(list->Contains("2001:db8::1"));
}

TEST(NetworkList, EmptyListMatchesNothing) {
  auto empty = NetworkList::Parse({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(empty->Contains("127.0.0.1"));
}

TEST(NetworkList, RejectsBadEntriesByName) {
  for (const char* bad : {"192.0.2.0/33", "example.org", "10.0.0.0/", "10.0.0.0/x", "::1/129",
                          "300.0.0.1", "10.0.0.0/-1", "10.0.0.0/8 "}) {
    auto list = NetworkList::Parse({"127.0.0.0/8", bad});
    ASSERT_FALSE(list.ok()) << bad;
    EXPECT_NE(list.status().message().find(bad), std::string::npos) << list.status().message();
  }
}

}  // namespace
}  // namespace sluice
