#include "report/detections.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace tansa::report {
namespace {

std::string render(OutputFormat fmt, const std::vector<Detection>& ds, bool color = false) {
  static const std::vector<RuleInfo> rules = {
      {"r-1", "Suspicious <b>", Level::High, "test", {"attack.t1059"}, ""}};
  static const std::vector<std::string> sources = {"logs/a.evtx", "vss1/a.evtx",
                                                   "kape.zip!C/Windows/a.evtx"};
  DetectionContext ctx{rules, sources};
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  auto w = make_writer(fmt, f, ctx, color);
  for (const auto& d : ds) w->write(d);
  w->finish();
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

Detection sample() {
  Detection d;
  d.time_ns = 1704424364123456000;
  d.source = {0, SourceRef::Kind::Record, 42};
  d.rule = 0;
  d.host = "DC1";
  d.fields = {{"CommandLine", "=cmd|' /C calc'!A0\x1b[31m"}, {"Computer", "DC1"}};
  return d;
}

TEST(Writers, JsonlHasEveryPart) {
  EXPECT_EQ(render(OutputFormat::Jsonl, {sample()}),
            "{\"time\":\"2024-01-05T03:12:44.123456Z\",\"rule_id\":\"r-1\",\"rule_title\":"
            "\"Suspicious <b>\",\"level\":\"high\",\"tags\":[\"attack.t1059\"],\"host\":\"DC1\","
            "\"source\":{\"file\":\"logs/a.evtx\",\"record\":42},\"fields\":{\"CommandLine\":"
            "\"=cmd|' /C calc'!A0\\u001b[31m\",\"Computer\":\"DC1\"}}\n");
}

TEST(Writers, TimesketchHasRequiredKeys) {
  std::string s = render(OutputFormat::Timesketch, {sample()});
  EXPECT_NE(s.find("\"datetime\":\"2024-01-05T03:12:44.123456Z\""), std::string::npos);
  EXPECT_NE(s.find("\"timestamp\":1704424364123456,"), std::string::npos);
  EXPECT_NE(s.find("\"timestamp_desc\":\"Event Recorded\""), std::string::npos);
  EXPECT_NE(s.find("\"message\":\"[high] Suspicious <b>: CommandLine"), std::string::npos);
  EXPECT_NE(s.find("\"event_Computer\":\"DC1\""), std::string::npos);
}

TEST(Writers, CsvNeutralisesFormulas) {
  std::string s = render(OutputFormat::Csv, {sample()});
  EXPECT_EQ(s.substr(0, s.find('\n')),
            "time,level,rule_id,rule_title,tags,host,source_file,source_ref,details,copies");
  EXPECT_NE(s.find(",record 42,CommandLine: =cmd|' /C calc'!A0\\x1b[31m,\n"), std::string::npos) << s;
  Detection d = sample();
  d.host = "=1+1";
  s = render(OutputFormat::Csv, {d});
  EXPECT_NE(s.find(",\"'=1+1\","), std::string::npos) << s;
}

TEST(Writers, TableStripsControlCharacters) {
  std::string s = render(OutputFormat::Table, {sample()});
  EXPECT_EQ(s.find('\x1b'), std::string::npos) << s;
  EXPECT_NE(s.find("\\x1b[31m"), std::string::npos);
  std::string colored = render(OutputFormat::Table, {sample()}, true);
  EXPECT_NE(colored.find("\x1b[1;31mhigh"), std::string::npos);  // our colour, not theirs
}

// A record seen in three inputs: one detection, the other places listed in every format.
Detection duplicated() {
  Detection d = sample();
  d.copies = {{1, SourceRef::Kind::Record, 42}, {2, SourceRef::Kind::Recovered, 0x11a00}};
  return d;
}

TEST(Writers, CopiesOfADuplicatedRecordAreListedInEveryFormat) {
  std::string s = render(OutputFormat::Table, {duplicated()});
  EXPECT_NE(s.find("] logs/a.evtx:record 42 (also vss1/a.evtx:record 42; "
                   "kape.zip!C/Windows/a.evtx:recovered at offset 0x11a00)\n"),
            std::string::npos)
      << s;
  s = render(OutputFormat::Csv, {duplicated()});
  EXPECT_NE(s.find(",record 42,CommandLine: =cmd|' /C calc'!A0\\x1b[31m,vss1/a.evtx:record 42; "
                   "kape.zip!C/Windows/a.evtx:recovered at offset 0x11a00\n"),
            std::string::npos)
      << s;
  const std::string copies =
      "\"copies\":[{\"file\":\"vss1/a.evtx\",\"record\":42},"
      "{\"file\":\"kape.zip!C/Windows/a.evtx\",\"recovered\":72192}]";
  s = render(OutputFormat::Jsonl, {duplicated()});
  EXPECT_NE(s.find("\"source\":{\"file\":\"logs/a.evtx\",\"record\":42}," + copies + ",\"fields\""),
            std::string::npos)
      << s;
  s = render(OutputFormat::Timesketch, {duplicated()});
  EXPECT_NE(s.find(copies), std::string::npos) << s;
}

TEST(Writers, ARecoveredRecordIsMarkedInEveryFormat) {
  Detection d = sample();
  d.source = {0, SourceRef::Kind::Recovered, 0x11a00};
  EXPECT_NE(render(OutputFormat::Table, {d}).find("] logs/a.evtx:recovered at offset 0x11a00\n"),
            std::string::npos);
  EXPECT_NE(render(OutputFormat::Csv, {d}).find(",logs/a.evtx,recovered 72192,"),
            std::string::npos);
  EXPECT_NE(render(OutputFormat::Jsonl, {d}).find(
                "\"source\":{\"file\":\"logs/a.evtx\",\"recovered\":72192}"),
            std::string::npos);
  EXPECT_NE(render(OutputFormat::Timesketch, {d}).find(
                "\"source\":{\"file\":\"logs/a.evtx\",\"recovered\":72192}"),
            std::string::npos);
}

}  // namespace
}  // namespace tansa::report
