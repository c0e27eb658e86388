#include "sim/kernel/random_streams.hpp"
#include "sim/kernel/world.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace trunklab::sim {
namespace {

std::vector<std::uint64_t> draw(rt::Random& r, int n) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(r.next_u64());
  return out;
}

TEST(RandomStreams, SameSeedAndNameGiveTheSameSequence) {
  RandomStreams a(42);
  RandomStreams b(42);
  EXPECT_EQ(draw(a.stream("alice"), 8), draw(b.stream("alice"), 8));
}

TEST(RandomStreams, StreamsDifferByNameAndBySeed) {
  RandomStreams a(42);
  RandomStreams b(43);
  const auto alice = draw(a.stream("alice"), 4);
  EXPECT_NE(alice, draw(a.stream("bob"), 4));
  EXPECT_NE(alice, draw(b.stream("alice"), 4));
}

TEST(RandomStreams, AddingAComponentDoesNotShiftAnother) {
  RandomStreams lone(9);
  const auto expected = draw(lone.stream("trunk"), 16);

  RandomStreams crowded(9);
  draw(crowded.stream("alice"), 100);  // a new actor created and used first
  auto& trunk = crowded.stream("trunk");
  draw(crowded.stream("bob"), 100);
  EXPECT_EQ(draw(trunk, 16), expected);
}

TEST(RandomStreams, AStreamIsOneObjectThatContinues) {
  RandomStreams s(1);
  rt::Random& first = s.stream("x");
  const auto head = draw(first, 2);
  rt::Random& again = s.stream("x");
  EXPECT_EQ(&first, &again);
  RandomStreams fresh(1);
  const auto four = draw(fresh.stream("x"), 4);
  EXPECT_EQ(draw(again, 2), (std::vector<std::uint64_t>{four[2], four[3]}));
  EXPECT_EQ(head, (std::vector<std::uint64_t>{four[0], four[1]}));
}

TEST(RandomStreams, DerivedSeedIsFnvOfTheNameMixedWithTheSeed) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
  rt::SplitMix64 expected(5 + fnv1a64("alice"));
  EXPECT_EQ(derive_seed(5, "alice"), expected.next_u64());
}

TEST(RandomHelpers, UniformBelowStaysInRangeAndCoversIt) {
  rt::SplitMix64 r(3);
  std::array<int, 6> counts{};
  for (int i = 0; i < 6000; ++i) ++counts.at(uniform_below(r, 6));
  for (int c : counts) EXPECT_GT(c, 800);
}

TEST(RandomHelpers, ChanceExtremesDrawNothing) {
  rt::SplitMix64 r(3);
  rt::SplitMix64 untouched(3);
  EXPECT_FALSE(chance(r, 0.0));
  EXPECT_TRUE(chance(r, 1.0));
  EXPECT_EQ(r.next_u64(), untouched.next_u64());
}

TEST(World, RandomStreamComesFromTheWorldSeed) {
  World w1(11);
  World w2(11);
  World w3(12);
  const auto a = draw(w1.random_stream("alice"), 4);
  EXPECT_EQ(a, draw(w2.random_stream("alice"), 4));
  EXPECT_NE(a, draw(w3.random_stream("alice"), 4));
}

}  // namespace
}  // namespace trunklab::sim
