// `tansa metrics` rows from what coverage collected: spans, silences, record holes and the most
// frequent event ids, and the writers' escaping of hostile names.
#include "survey/metrics.h"

#include <gtest/gtest.h>

#include "report/survey.h"

namespace tansa::survey {
namespace {

constexpr std::int64_t H = 3600LL * 1000000000;

investigate::Stream stream() {
  investigate::Stream s;
  s.host = "DC1.corp.example";
  s.source = "Security";
  s.events = 120;
  // Active 0-10 h and 30-40 h (a 20 h silence), records 1-50, 53-60 and 100-161: 2 + 39 missing.
  s.active = {{0, 10 * H}, {30 * H, 40 * H}};
  s.records = {{1, 50, 0, 5 * H}, {53, 60, 6 * H, 7 * H}, {100, 161, 30 * H, 40 * H}};
  for (int id = 4600; id < 4612; ++id) s.event_ids[id] = static_cast<std::uint64_t>(id - 4599);
  s.event_ids[4624] = 42;
  return s;
}

TEST(Metrics, SpanSilencesHolesAndTopIds) {
  const LogMetrics m = metrics_of(stream());
  EXPECT_EQ(m.host, "DC1.corp.example");
  EXPECT_EQ(m.events, 120u);
  EXPECT_EQ(m.first, 0);
  EXPECT_EQ(m.last, 40 * H);
  ASSERT_EQ(m.silences.size(), 1u);
  EXPECT_EQ(m.silences[0].start, 10 * H);
  EXPECT_EQ(m.silences[0].end, 30 * H);
  EXPECT_EQ(m.first_record, 1u);
  EXPECT_EQ(m.last_record, 161u);
  EXPECT_EQ(m.missing_records, 2u + 39u);
  EXPECT_EQ(m.record_holes, 2u);
  ASSERT_EQ(m.top_event_ids.size(), 10u);  // ten of thirteen
  EXPECT_EQ(m.top_event_ids[0].id, 4624);
  EXPECT_EQ(m.top_event_ids[0].events, 42u);
  EXPECT_EQ(m.top_event_ids[1].id, 4611);
  EXPECT_EQ(m.top_event_ids[9].id, 4603);  // 4600..4602, the least frequent, are left out
}

TEST(Metrics, ALogWithoutRecordIdsOrSilences) {
  investigate::Stream s;
  s.host = "fw1";
  s.source = "fortigate:event";
  s.events = 3;
  s.active = {{5 * H, 6 * H}};
  const LogMetrics m = metrics_of(s);
  EXPECT_EQ(m.first_record, 0u);
  EXPECT_EQ(m.missing_records, 0u);
  EXPECT_TRUE(m.silences.empty());
  EXPECT_TRUE(m.top_event_ids.empty());
}

TEST(MetricsText, EveryFormatEscapesLogValues) {
  Metrics all;
  all.gap_ns = 12 * H;
  LogMetrics f = metrics_of(stream());
  f.file = "=cmd|' /C calc'!A0.evtx";
  f.host.clear();
  f.source.clear();
  all.files.push_back(f);
  LogMetrics s = metrics_of(stream());
  s.host = "evil\x1b[31mhost";
  all.streams.push_back(s);
  LogMetrics empty;
  empty.file = "empty.evtx";
  all.files.push_back(empty);

  const std::string table = report::metrics_text(all, report::OutputFormat::Table);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_NE(table.find("evil\\x1b[31mhost"), std::string::npos) << table;
  EXPECT_NE(table.find("silences longer than 12.0 h:\nevil\\x1b[31mhost Security: "
                       "1970-01-01T10:00:00Z to 1970-01-02T06:00:00Z (20.0 h)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("empty.evtx"), std::string::npos);

  const std::string csv = report::metrics_text(all, report::OutputFormat::Csv);
  EXPECT_NE(csv.find("file,\"'=cmd|' /C calc'!A0.evtx\",,,120,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("file,empty.evtx,,,0,,,0,0,0,0,,\n"), std::string::npos) << csv;

  const std::string jsonl = report::metrics_text(all, report::OutputFormat::Jsonl);
  EXPECT_NE(jsonl.find("\"host\":\"evil\\u001b[31mhost\""), std::string::npos) << jsonl;
  EXPECT_NE(jsonl.find("\"missing_records\":41,\"record_holes\":2"), std::string::npos);
  EXPECT_NE(jsonl.find("{\"kind\":\"file\",\"file\":\"empty.evtx\",\"events\":0,"),
            std::string::npos)
      << jsonl;
}

}  // namespace
}  // namespace tansa::survey
