#include "tansa/event.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tansa {
namespace {

TEST(FieldTable, InternIsStableAndDense) {
  FieldTable t;
  FieldId a = t.intern("EventID");
  FieldId b = t.intern("Channel");
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(t.intern("EventID"), a);
  EXPECT_EQ(t.name(b), "Channel");
  EXPECT_EQ(t.find("Nope"), std::nullopt);
  EXPECT_EQ(t.size(), 2u);
}

TEST(FieldTable, ConcurrentInternAgrees) {
  FieldTable t;
  std::vector<std::vector<FieldId>> seen(4);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int i = 0; i < 500; ++i) seen[k].push_back(t.intern("f" + std::to_string(i)));
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(t.size(), 500u);
  for (int k = 1; k < 4; ++k) EXPECT_EQ(seen[k], seen[0]);
}

TEST(Event, AddGetAndClearKeepsMemory) {
  Event e;
  FieldId image = field_id("Image");
  FieldId pid = field_id("ProcessId");
  e.add_string(image, "C:\\Windows\\System32\\cmd.exe");
  e.add_int(pid, -42);
  ASSERT_NE(e.get(image), nullptr);
  EXPECT_EQ(e.get(image)->text, "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(e.get(pid)->type, ValueType::Int);
  EXPECT_EQ(e.get(pid)->i, -42);
  EXPECT_EQ(e.get(pid)->text, "-42");
  EXPECT_EQ(e.get(field_id("Missing")), nullptr);
  e.clear();
  EXPECT_EQ(e.get(image), nullptr);
  EXPECT_TRUE(e.fields().empty());
}

TEST(Event, ArraysHoldElements) {
  Event e;
  Value arr;
  arr.type = ValueType::Array;
  for (int i = 0; i < 3; ++i) {
    Value v;
    v.type = ValueType::String;
    v.text = e.store(std::string(1, static_cast<char>('a' + i)));
    std::uint32_t idx = e.add_element(v);
    if (i == 0) arr.first = idx;
  }
  arr.count = 3;
  e.add(field_id("Data"), arr);
  auto els = e.elements(*e.get(field_id("Data")));
  ASSERT_EQ(els.size(), 3u);
  EXPECT_EQ(els[2].text, "c");
}

TEST(Arena, LargeAllocationsAndReuse) {
  Arena a;
  std::string big(100000, 'x');
  auto v = a.copy(big);
  EXPECT_EQ(v, big);
  auto w = a.copy("small");
  EXPECT_EQ(w, "small");
  EXPECT_EQ(v, big);  // earlier views stay valid while the arena grows
  std::size_t cap = a.capacity();
  a.reset();
  a.copy("again");
  EXPECT_EQ(a.capacity(), cap);
}

TEST(Time, FiletimeAndFormat) {
  // 2024-01-05T03:12:44Z as FILETIME
  std::uint64_t ft = (1704424364ULL * 10000000ULL) + 116444736000000000ULL + 1234560ULL;
  EXPECT_EQ(format_time(filetime_to_ns(ft)), "2024-01-05T03:12:44.123456Z");
}

}  // namespace
}  // namespace tansa

TEST(ParseIsoTime, FormsLogsUse) {
  std::int64_t ns = 0;
  const std::int64_t base = tansa::days_from_civil(2024, 1, 5) * 86400LL * 1000000000LL;
  ASSERT_TRUE(tansa::parse_iso_time("2024-01-05", ns));
  EXPECT_EQ(ns, base);
  ASSERT_TRUE(tansa::parse_iso_time("2024-01-05T03:12:44Z", ns));
  EXPECT_EQ(ns, base + (3 * 3600 + 12 * 60 + 44) * 1000000000LL);
  ASSERT_TRUE(tansa::parse_iso_time("2024-01-05 03:12:44.123456789", ns));
  EXPECT_EQ(ns, base + (3 * 3600 + 12 * 60 + 44) * 1000000000LL + 123456789);
  ASSERT_TRUE(tansa::parse_iso_time("2024-01-05T12:12:44+09:00", ns));
  EXPECT_EQ(ns, base + (3 * 3600 + 12 * 60 + 44) * 1000000000LL);
  ASSERT_TRUE(tansa::parse_iso_time("2024-01-04T22:12:44.5-0500", ns));
  EXPECT_EQ(ns, base + (3 * 3600 + 12 * 60 + 44) * 1000000000LL + 500000000);
  ASSERT_TRUE(tansa::parse_iso_time("2024-01-05T12:12", ns, 9 * 60));  // zone-less: the default zone
  EXPECT_EQ(ns, base + (3 * 3600 + 12 * 60) * 1000000000LL);
  EXPECT_FALSE(tansa::parse_iso_time("2024-13-05", ns));
  EXPECT_FALSE(tansa::parse_iso_time("2024-01-05T03:12:44Zjunk", ns));
  EXPECT_FALSE(tansa::parse_iso_time("05/01/2024", ns));
  EXPECT_FALSE(tansa::parse_iso_time("", ns));
}

TEST(EventClone, OwnsItsBytes) {
  tansa::Event a;
  a.add_string(tansa::field_id("x"), "hello");
  a.logsource = {"linux", "", "sshd"};
  a.time_ns = 42;
  tansa::Event b = a.clone();
  a.clear();
  a.add_string(tansa::field_id("x"), "XXXXX");
  ASSERT_EQ(b.fields().size(), 1u);
  EXPECT_EQ(b.fields()[0].value.text, "hello");
  EXPECT_EQ(b.logsource.service, "sshd");
  EXPECT_EQ(b.time_ns, 42);
}
