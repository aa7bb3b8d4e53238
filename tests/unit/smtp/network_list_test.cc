// network_list_test.cc - CIDR lists for allowed clients and XFORWARD hosts.
#include "filter/smtp/network_list.h"

#include <gtest/gtest.h>

namespace sluice::smtp {
namespace {

TEST(NetworkList, MatchesV4V6AndMapped) {
  auto list = NetworkList::Parse({"127.0.0.0/8", "::1/128", "192.0.2.7", "10.1.0.0/17"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->Contains("127.1.2.3"));
  EXPECT_TRUE(list->Contains("::1"));
  EXPECT_TRUE(list->Contains("::ffff:127.0.0.1"));
  EXPECT_TRUE(list->Contains("192.0.2.7"));
  EXPECT_FALSE(list->Contains("192.0.2.8"));
  EXPECT_TRUE(list->Contains("10.1.127.255"));
  EXPECT_FALSE(list->Contains("10.1.128.0"));
  EXPECT_FALSE(list->Contains("::2"));
  EXPECT_FALSE(list->Contains("not an address"));
}

TEST(NetworkList, EmptyMatchesNothingAndBadEntriesFail) {
  auto empty = NetworkList::Parse({});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->Contains("127.0.0.1"));
  EXPECT_FALSE(NetworkList::Parse({"127.0.0.0/33"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"300.0.0.1"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"10.0.0.0/"}).ok());
  auto all = NetworkList::Parse({"0.0.0.0/0"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains("203.0.113.9"));
  EXPECT_FALSE(all->Contains("2001:db8::1"));
}

}  // namespace
}  // namespace sluice::smtp
