#include "server/address_set.h"

#include <gtest/gtest.h>

namespace cartable::server {
namespace {

AddressSet Must(std::string_view text) {
  AddressSet set;
  EXPECT_EQ(AddressSet::Parse(text, &set), "") << text;
  return set;
}

TEST(AddressSetTest, MatchesAddressesAndNetworks) {
  AddressSet set = Must("127.0.0.1, 10.1.0.0/16 fd00::/8\t2001:db8::7");
  EXPECT_TRUE(set.Contains("127.0.0.1"));
  EXPECT_FALSE(set.Contains("127.0.0.2"));
  EXPECT_TRUE(set.Contains("10.1.255.3"));
  EXPECT_FALSE(set.Contains("10.2.0.1"));
  EXPECT_TRUE(set.Contains("fd12:3456::1"));
  EXPECT_FALSE(set.Contains("fe80::1"));
  EXPECT_TRUE(set.Contains("2001:db8::7"));
  EXPECT_TRUE(set.Contains("[2001:db8::7]"));
  EXPECT_FALSE(set.Contains("2001:db8::8"));
  EXPECT_EQ(set.ToString(), "127.0.0.1/32 10.1.0.0/16 fd00::/8 2001:db8::7/128");
}

TEST(AddressSetTest, MappedIpv6MatchesItsIpv4Network) {
  AddressSet set = Must("10.0.0.0/8");
  EXPECT_TRUE(set.Contains("::ffff:10.9.8.7"));
  EXPECT_FALSE(set.Contains("::ffff:11.0.0.1"));
  EXPECT_TRUE(Must("::ffff:192.0.2.0/120").Contains("192.0.2.200"));
}

TEST(AddressSetTest, OddPrefixLengthsCompareBits) {
  AddressSet set = Must("192.0.2.128/25 0.0.0.0/0");
  EXPECT_TRUE(set.Contains("192.0.2.200"));
  EXPECT_TRUE(Must("192.0.2.128/25").Contains("192.0.2.255"));
  EXPECT_FALSE(Must("192.0.2.128/25").Contains("192.0.2.127"));
  EXPECT_TRUE(set.Contains("8.8.8.8"));  // /0: every IPv4 address, no IPv6 one
  EXPECT_FALSE(set.Contains("::1"));
}

TEST(AddressSetTest, NothingButIpAddressesMatches) {
  AddressSet set = Must("0.0.0.0/0 ::/0");
  EXPECT_FALSE(set.Contains(""));
  EXPECT_FALSE(set.Contains("localhost"));
  EXPECT_FALSE(set.Contains("/run/cartable.sock"));
  EXPECT_FALSE(set.Contains("127.0.0.1:8008"));
  EXPECT_FALSE(AddressSet().Contains("127.0.0.1"));
}

TEST(AddressSetTest, RefusesInvalidEntriesAndKeepsTheOldSet) {
  AddressSet set = Must("127.0.0.1");
  for (std::string_view bad : {"10.0.0.0/33", "::/129", "10.1.2.3/8", "10.0.0.0/", "10.0.0/8",
                               "example.org", "10.0.0.0/8a", "::ffff:10.0.0.0/90"}) {
    std::string err = AddressSet::Parse(bad, &set);
    EXPECT_NE(err, "") << bad;
    EXPECT_NE(err.find(std::string(bad.substr(0, bad.find('/')))), std::string::npos) << err;
  }
  EXPECT_TRUE(set.Contains("127.0.0.1"));
  EXPECT_EQ(AddressSet::Parse("", &set), "");
  EXPECT_TRUE(set.empty());
}

TEST(AddressSetTest, LoopbackIsBothFamilies) {
  EXPECT_TRUE(AddressSet::Loopback().Contains("127.0.0.1"));
  EXPECT_TRUE(AddressSet::Loopback().Contains("::1"));
  EXPECT_FALSE(AddressSet::Loopback().Contains("127.0.0.2"));
}

}  // namespace
}  // namespace cartable::server
