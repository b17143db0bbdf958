#include "hunt/sorter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tansa::hunt {
namespace {

std::vector<Detection> make(int n) {
  std::vector<Detection> v;
  for (int i = 0; i < n; ++i) {
    Detection d;
    d.time_ns = (i % 97) * 1000;  // many ties on time
    d.source = {static_cast<std::uint32_t>(i % 3), SourceRef::Kind::Record,
                static_cast<std::uint64_t>(i)};
    d.rule = static_cast<std::uint32_t>(i % 2);
    d.host = "host" + std::to_string(i % 5);
    d.fields = {{"n", std::to_string(i)}, {"pad", std::string(100, 'x')}};
    if (i % 10 == 0) d.related = {d.source, {1, SourceRef::Kind::Line, 7}};
    v.push_back(std::move(d));
  }
  return v;
}

std::vector<std::string> run(std::size_t budget, unsigned seed, std::size_t* runs = nullptr) {
  static const std::vector<RuleInfo> rules = {{"b-rule", "B", Level::Low, "", {}, ""},
                                              {"a-rule", "A", Level::High, "", {}, ""}};
  auto input = make(2000);
  std::mt19937 rng(seed);
  std::shuffle(input.begin(), input.end(), rng);
  DetectionSorter s(rules, budget, ::testing::TempDir());
  for (auto& d : input) EXPECT_TRUE(s.add(std::move(d)).has_value());
  std::vector<std::string> out;
  EXPECT_TRUE(s.drain([&](const Detection& d) {
                 out.push_back(std::to_string(d.time_ns) + "/" + std::to_string(d.source.file) +
                               "/" + std::to_string(d.source.position) + "/" + d.fields[0].second +
                               "/" + std::to_string(d.related.size()));
               }).has_value());
  if (runs) *runs = s.runs_spilled();
  return out;
}

TEST(DetectionSorter, SameOrderWhateverBudgetOrArrival) {
  std::size_t runs_small = 0, runs_big = 0;
  auto in_memory = run(1 << 30, 1, &runs_big);
  auto spilled = run(8 * 1024, 2, &runs_small);
  EXPECT_EQ(runs_big, 0u);
  EXPECT_GT(runs_small, 10u);
  ASSERT_EQ(in_memory.size(), 2000u);
  EXPECT_EQ(in_memory, spilled);
  EXPECT_EQ(in_memory.front(), "0/0/0/0/2");
}

TEST(Detection, SerializeRoundTripAndRejectTruncation) {
  auto d = make(11).back();
  std::string buf;
  d.serialize(buf);
  Detection back;
  std::size_t pos = 0;
  ASSERT_TRUE(back.deserialize(buf, pos));
  EXPECT_EQ(pos, buf.size());
  EXPECT_EQ(back.fields, d.fields);
  EXPECT_EQ(back.related, d.related);
  for (std::size_t cut = 0; cut < buf.size(); cut += 7) {
    pos = 0;
    EXPECT_FALSE(back.deserialize(std::string_view(buf).substr(0, cut), pos));
  }
}

}  // namespace
}  // namespace tansa::hunt
