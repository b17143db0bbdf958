// DuplicateFilter on its own: which copy of a record is evaluated, what every source list says,
// and the sources too large for a packed slot.
#include "engine/duplicates.h"

#include <gtest/gtest.h>

#include <string>

namespace tansa::engine {
namespace {

void record(Event& e, std::uint64_t record_id, const std::string& user, const SourceRef& at) {
  e.clear();
  e.add_string(field_id("Channel"), "Security");
  e.add_string(field_id("Computer"), "DC01");
  e.add_uint(field_id("EventRecordID"), record_id);
  e.add_string(field_id("TargetUserName"), user);
  e.time_ns = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(record_id);
  e.source = at;
}

TEST(DuplicateFilter, EachRecordIsEvaluatedOnceAndItsCopiesAreListed) {
  DuplicateFilter f;
  Event e;
  const SourceRef a{0, SourceRef::Kind::Record, 7}, b{3, SourceRef::Kind::Record, 7};
  record(e, 7, "alice", a);
  EXPECT_TRUE(f.first(e));
  record(e, 7, "alice", b);
  EXPECT_FALSE(f.first(e));  // the same record in another file
  record(e, 7, "bob", b);
  EXPECT_TRUE(f.first(e));  // the same EventRecordID with other content is another event
  record(e, 8, "alice", b);
  EXPECT_TRUE(f.first(e));
  EXPECT_EQ(f.dropped(), 1u);
  EXPECT_EQ(f.sources(a), (std::vector<SourceRef>{a, b}));
  // Asked from the copy, the same: a detection that cites any copy (a correlation's, whose last
  // event was resolved to the smallest source) is resolved alike.
  EXPECT_EQ(f.sources(b), (std::vector<SourceRef>{a, b}));
  EXPECT_TRUE(f.sources(SourceRef{3, SourceRef::Kind::Record, 8}).empty());  // seen once
}

TEST(DuplicateFilter, ForgettingTheRecordsKeepsWhichSourcesWereCopies) {
  DuplicateFilter f;
  Event e;
  const SourceRef a{0, SourceRef::Kind::Record, 7}, b{1, SourceRef::Kind::Record, 7};
  record(e, 7, "alice", a);
  EXPECT_TRUE(f.first(e));
  record(e, 7, "alice", b);
  EXPECT_FALSE(f.first(e));
  f.forget_records();
  EXPECT_EQ(f.sources(a), (std::vector<SourceRef>{a, b}));
  EXPECT_EQ(f.dropped(), 1u);
  Detection d;
  d.source = a;
  f.resolve(d);
  EXPECT_EQ(d.copies, (std::vector<SourceRef>{b}));
}

TEST(DuplicateFilter, ManyRecordsGrowTheTableAndStayDistinct) {
  DuplicateFilter f;
  Event e;
  for (std::uint64_t id = 1; id <= 200'000; ++id) {
    record(e, id, "u", {1, SourceRef::Kind::Record, id});
    ASSERT_TRUE(f.first(e)) << id;
  }
  for (std::uint64_t id = 1; id <= 200'000; id += 997) {
    record(e, id, "u", {2, SourceRef::Kind::Record, id});
    ASSERT_FALSE(f.first(e)) << id;
    EXPECT_EQ(f.sources({1, SourceRef::Kind::Record, id}).size(), 2u) << id;
  }
}

TEST(DuplicateFilter, SourcesTooLargeToPackAreKeptWhole) {
  // A file index past 2^20 and an offset past 2^34 (16 GiB) do not fit a packed slot; the largest
  // that do fit, and the one place that packs to all ones (the overflow's mark), are kept too.
  DuplicateFilter f;
  Event e;
  const SourceRef far_file{(1u << 20) + 5, SourceRef::Kind::Recovered, 12},
      far_offset{2, SourceRef::Kind::Offset, (std::uint64_t{1} << 34) + 9},
      last_packed{(1u << 20) - 1, SourceRef::Kind::Offset, (std::uint64_t{1} << 34) - 2},
      all_ones{(1u << 20) - 1, SourceRef::Kind::Recovered, (std::uint64_t{1} << 34) - 1},
      copy{1, SourceRef::Kind::Record, 1};
  const std::vector<std::pair<std::string, SourceRef>> firsts = {
      {"alice", far_file}, {"bob", far_offset}, {"carol", last_packed}, {"dave", all_ones}};
  std::uint64_t id = 1;
  for (const auto& [user, at] : firsts) {
    record(e, id++, user, at);
    EXPECT_TRUE(f.first(e)) << user;
  }
  id = 1;
  for (const auto& [user, at] : firsts) {
    const SourceRef later{copy.file, copy.kind, id};
    record(e, id++, user, later);
    EXPECT_FALSE(f.first(e)) << user;
    EXPECT_EQ(f.sources(at), (std::vector<SourceRef>{later, at})) << user;
  }
  EXPECT_EQ(f.dropped(), 4u);
}

}  // namespace
}  // namespace tansa::engine
