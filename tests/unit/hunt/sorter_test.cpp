#include "hunt/sorter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <expected>
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

// A run file that reads back wrong is an error naming the offset, never a shorter run.
std::expected<int, std::string> read_back(const std::string& bytes, std::size_t max_record,
                                          std::size_t rules) {
  std::FILE* f = ::fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (!f) return std::unexpected("fmemopen");
  RunReader r(f, "run", max_record, rules);
  int n = 0;
  std::expected<int, std::string> out = 0;
  while (true) {
    auto more = r.next();
    if (!more) {
      out = std::unexpected(more.error());
      break;
    }
    if (!*more) {
      out = n;
      break;
    }
    ++n;
  }
  std::fclose(f);
  return out;
}

std::string record(const Detection& d) {
  std::string body;
  d.serialize(body);
  std::string out(8, '\0');
  const std::uint64_t n = body.size();
  std::memcpy(out.data(), &n, 8);
  return out + body;
}

TEST(RunReader, ReadsWholeRunsAndRefusesCorruptOnes) {
  const auto ds = make(3);
  const std::string good = record(ds[0]) + record(ds[1]) + record(ds[2]);
  ASSERT_EQ(read_back(good, 1 << 16, 2).value_or(-1), 3);
  // Truncated in the middle of a record, and of a length.
  auto cut = read_back(good.substr(0, good.size() - 5), 1 << 16, 2);
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().find("truncated record"), std::string::npos) << cut.error();
  EXPECT_NE(cut.error().find("offset"), std::string::npos) << cut.error();
  EXPECT_FALSE(read_back(good + "\x01\x02", 1 << 16, 2));
  // A claimed length beyond the longest record written is refused before it sizes anything.
  std::string huge(8, '\0');
  const std::uint64_t big = 1ULL << 40;
  std::memcpy(huge.data(), &big, 8);
  auto refused = read_back(huge + good, 1 << 16, 2);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("longer than any written"), std::string::npos);
  // A rule index outside the run's table.
  Detection bad = ds[0];
  bad.rule = 5;
  EXPECT_FALSE(read_back(record(bad), 1 << 16, 2));
  // A field count the record cannot hold.
  std::string body;
  ds[0].serialize(body);
  Detection back;
  std::size_t pos = 0;
  std::string lying = body;
  const std::size_t count_at = 8 + 16 + 8 + 8 + ds[0].host.size();
  const std::uint64_t many = 1u << 19;
  std::memcpy(lying.data() + count_at, &many, 8);
  EXPECT_FALSE(back.deserialize(lying, pos));
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
