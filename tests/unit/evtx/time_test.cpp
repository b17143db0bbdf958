// Each EVTX event at its own time: System/TimeCreated/@SystemTime whatever value type holds it;
// the record header's write time only when that is missing, unreadable or implausible, with a
// diagnostic; a time outside 1970..2100 is never taken.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "evtx/writer.h"

namespace tansa::evtx {
namespace {

struct Read {
  std::vector<std::int64_t> times;
  std::vector<std::string> diags;
};

Read read(const std::vector<EventSpec>& events) {
  EvtxWriter w;
  for (const auto& e : events) w.add(e);
  const auto bytes = w.finish();
  Read r;
  std::mutex mu;
  ReadCallbacks cb;
  cb.on_event = [&](const Event& e) {
    std::lock_guard lock(mu);
    r.times.push_back(e.time_ns);
  };
  cb.on_diagnostic = [&](const Diagnostic& d) {
    std::lock_guard lock(mu);
    r.diags.push_back(d.reason);
  };
  auto s = read_bytes(bytes, "t.evtx", ReadOptions{}, cb);
  EXPECT_TRUE(s.has_value());
  return r;
}

constexpr std::int64_t kSec = 1'000'000'000;

std::int64_t ns_of(std::uint64_t filetime) {
  return (static_cast<std::int64_t>(filetime) - 116444736000000000LL) * 100;
}

EventSpec at(std::uint64_t created, std::uint64_t header) {
  EventSpec e;
  e.time = created;
  e.header_time = header;
  return e;
}

TEST(EventTime, TimeCreatedWinsOverTheHeadersWriteTime) {
  // A forwarded event: written at the collector an hour after it happened on its host.
  const auto happened = make_filetime(2024, 1, 5, 3, 0, 0);
  const auto collected = make_filetime(2024, 1, 5, 4, 0, 0);
  const Read r = read({at(happened, collected)});
  ASSERT_EQ(r.times.size(), 1u);
  EXPECT_EQ(r.times[0], ns_of(happened));
  EXPECT_TRUE(r.diags.empty());
}

TEST(EventTime, TimeCreatedStoredAsTextOrSystemtimeIsRead) {
  EventSpec text = at(0, make_filetime(2024, 1, 5, 4, 0, 0));
  text.time_created = WValue::str("2024-01-05T03:00:01.1234567Z");
  EventSpec systime = at(0, make_filetime(2024, 1, 5, 4, 0, 0));
  systime.time_created = WValue::systime(2024, 1, 5, 3, 0, 2, 0);
  const Read r = read({text, systime});
  ASSERT_EQ(r.times.size(), 2u);
  EXPECT_EQ(r.times[0], ns_of(make_filetime(2024, 1, 5, 3, 0, 1)) + 123456700);
  EXPECT_EQ(r.times[1], ns_of(make_filetime(2024, 1, 5, 3, 0, 2)));
  EXPECT_TRUE(r.diags.empty()) << r.diags[0];
}

TEST(EventTime, WithoutAReadableTimeCreatedTheHeaderTimeIsUsedAndSaidSo) {
  EventSpec missing = at(0, make_filetime(2024, 1, 5, 4, 0, 0));
  missing.time_created = WValue::null();
  EventSpec garbled = at(0, make_filetime(2024, 1, 5, 4, 0, 1));
  garbled.time_created = WValue::str("yesterday");
  const Read r = read({missing, garbled});
  ASSERT_EQ(r.times.size(), 2u);
  EXPECT_EQ(r.times[0], ns_of(make_filetime(2024, 1, 5, 4, 0, 0)));
  EXPECT_EQ(r.times[1], ns_of(make_filetime(2024, 1, 5, 4, 0, 1)));
  ASSERT_EQ(r.diags.size(), 2u);
  EXPECT_NE(r.diags[0].find("the time the record was written is used"), std::string::npos)
      << r.diags[0];
}

TEST(EventTime, ATimeOutside1970To2100IsNeverTaken) {
  // An implausible TimeCreated falls back to a good header time ...
  EventSpec future = at(make_filetime(2400, 1, 1, 0, 0, 0), make_filetime(2024, 1, 5, 4, 0, 0));
  // ... and with both implausible (a zero header: 1601, the lowest time there is) the event is
  // placed at the epoch and reported, never at 1677-09-21.
  EventSpec none = at(make_filetime(1650, 1, 1, 0, 0, 0), 0);
  const Read r = read({future, none});
  ASSERT_EQ(r.times.size(), 2u);
  EXPECT_EQ(r.times[0], ns_of(make_filetime(2024, 1, 5, 4, 0, 0)));
  EXPECT_EQ(r.times[1], 0);
  ASSERT_EQ(r.diags.size(), 2u);
  EXPECT_NE(r.diags[1].find("placed at 1970-01-01T00:00:00Z"), std::string::npos) << r.diags[1];
  EXPECT_GT(r.times[0], 0 * kSec);
}

}  // namespace
}  // namespace tansa::evtx
