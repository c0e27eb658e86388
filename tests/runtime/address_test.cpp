#include "reference/rt/address.hpp"

#include <gtest/gtest.h>

using trunklab::rt::Address;

TEST(Address, ParsesIpv4WithAndWithoutPort) {
  auto a = Address::parse("10.0.0.1:5080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "10.0.0.1:5080");
  EXPECT_EQ(a->ipv4_host_order(), 0x0a000001u);
  auto b = Address::parse("192.0.2.7");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port(), 5060);
}

TEST(Address, ParsesIpv6Bracketed) {
  auto a = Address::parse("[::1]:5062");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v6());
  EXPECT_EQ(a->to_string(), "[::1]:5062");
}

TEST(Address, RefusesGarbage) {
  EXPECT_FALSE(Address::parse("sip.example.com:5060"));
  EXPECT_FALSE(Address::parse("10.0.0.1:0"));
  EXPECT_FALSE(Address::parse("10.0.0.1:70000"));
  EXPECT_FALSE(Address::parse("[::1"));
}

TEST(Address, OrdersByBytesThenPort) {
  EXPECT_LT(*Address::parse("10.0.0.1:5060"), *Address::parse("10.0.0.1:5061"));
  EXPECT_LT(*Address::parse("10.0.0.1:6000"), *Address::parse("10.0.0.2:5060"));
}
