// Readers of syslog/auth.log, key=value, generic JSON and Zeek, and the byte sources under them:
// exact field values for every line shape, malformed input reported with its line, compression.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "formats/json_logs.h"
#include "formats/keyvalue.h"
#include "formats/m365_csv.h"
#include "formats/syslog.h"
#include "formats/zeek.h"
#include "io/byte_source.h"

namespace tansa::formats {
namespace {

namespace fs = std::filesystem;
using Fields = std::map<std::string, std::string>;

Fields fields(const Event& e) {
  Fields out;
  for (const Field& f : e.fields()) {
    std::string text(f.value.text);
    if (f.value.type == ValueType::Array) {
      for (const Value& el : e.elements(f.value))
        text += (text.empty() ? "" : ",") + std::string(el.text);
      text = "[" + text + "]";
    }
    out.emplace(std::string(FieldTable::global().name(f.id)), text);
  }
  return out;
}

std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000000LL;
}

fs::path write(const std::string& name, const std::string& bytes) {
  const fs::path p =
      fs::temp_directory_path() / ("tansa_formats_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

struct Collected {
  std::vector<Fields> events;
  std::vector<std::int64_t> times;
  std::vector<SourceRef> refs;
  std::vector<LogSource> sources;
  std::vector<std::string> problems;
  std::function<void(const Event&)> emit() {
    return [this](const Event& e) {
      events.push_back(fields(e));
      times.push_back(e.time_ns);
      refs.push_back(e.source);
      sources.push_back(LogSource{std::string_view(strings.emplace_back(e.logsource.product)),
                                  std::string_view(strings.emplace_back(e.logsource.category)),
                                  std::string_view(strings.emplace_back(e.logsource.service))});
    };
  }
  DiagnosticSink diag() {
    return [this](const Diagnostic& d) { problems.push_back(to_string(d)); };
  }
  std::deque<std::string> strings;
};

// --- the Microsoft 365 audit export (CSV) ---------------------------------------------------

TEST(M365Csv, SplitsQuotedFieldsAndDoubledQuotes) {
  std::vector<std::string> f;
  ASSERT_TRUE(split_csv_record("a,\"b,c\",\"say \"\"hi\"\"\",,\"x\ny\"\r", f));
  EXPECT_EQ(f, (std::vector<std::string>{"a", "b,c", "say \"hi\"", "", "x\ny"}));
  EXPECT_FALSE(split_csv_record("a,\"open", f));
}

TEST(M365Csv, EachRowIsTheRecordItsAuditDataHolds) {
  const std::string csv =
      "\xef\xbb\xbfRecordId,CreationDate,Operation,AuditData,Names\r\n"
      "r1,2024-02-01T09:00:00Z,UserLoggedIn,\"{\"\"CreationTime\"\":\"\"2024-02-01T09:00:00\"\","
      "\"\"Operation\"\":\"\"UserLoggedIn\"\",\"\"Workload\"\":\"\"AzureActiveDirectory\"\","
      "\"\"UserId\"\":\"\"a@contoso.com\"\",\"\"ClientIP\"\":\"\"203.0.113.7\"\"}\","
      "\"two\nlines\"\r\n"
      "r2,2024,UserLoggedIn,\"not json\",x\r\n"
      "r3,2024,x\r\n"
      "r4,2024,UserLoggedIn,\"{\"\"CreationTime\"\":\"\"2024-02-01T09:05:00\"\",\"\"Operation\"\":"
      "\"\"FileDownloaded\"\",\"\"Workload\"\":\"\"SharePoint\"\",\"\"ObjectId\"\":\"\"https://x/"
      "a, b.pdf"
      "\"\"}\",\r\n";
  ASSERT_TRUE(looks_like_m365_csv(csv));
  auto src = io::ByteSource::open(write("audit.csv", csv).string());
  ASSERT_TRUE(src);
  io::LineReader lines(**src);
  Collected c;
  const TextReadStats stats = read_m365_csv(lines, "audit.csv", 3, c.emit(), c.diag());
  EXPECT_EQ(stats.events, 2u);
  EXPECT_EQ(stats.skipped, 2u);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0]["Operation"], "UserLoggedIn");
  EXPECT_EQ(c.events[0]["ClientIP"], "203.0.113.7");
  EXPECT_EQ(std::string(c.sources[0].product), "m365");
  EXPECT_EQ(c.times[0], utc(2024, 2, 1, 9, 0, 0));
  EXPECT_EQ(c.refs[0], (SourceRef{3, SourceRef::Kind::Line, 2}));
  EXPECT_EQ(c.events[1]["ObjectId"], "https://x/a, b.pdf");
  EXPECT_EQ(c.refs[1], (SourceRef{3, SourceRef::Kind::Line, 6}));  // the row after a two-line one
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_NE(c.problems[0].find("audit.csv:4"), std::string::npos) << c.problems[0];
  EXPECT_NE(c.problems[0].find("AuditData"), std::string::npos) << c.problems[0];
  EXPECT_NE(c.problems[1].find("row has 3 columns, the header 5"), std::string::npos)
      << c.problems[1];
}

TEST(M365Csv, ACsvWithoutAuditDataIsNotRead) {
  EXPECT_FALSE(looks_like_m365_csv("a,b,c\n1,2,3\n"));
  EXPECT_FALSE(looks_like_m365_csv("{\"AuditData\":1}\n"));
  auto src = io::ByteSource::open(write("other.csv", "a,b\n1,2\n").string());
  ASSERT_TRUE(src);
  io::LineReader lines(**src);
  Collected c;
  EXPECT_EQ(read_m365_csv(lines, "other.csv", 0, c.emit(), c.diag()).events, 0u);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("no AuditData column"), std::string::npos);
}

// --- syslog and auth.log --------------------------------------------------------------------

TEST(Syslog, Rfc3164AuthLines) {
  SyslogOptions o;
  o.year = 2024;
  Event e;
  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:10:09 web1 sshd[1203]: Accepted publickey for deploy from "
                        "198.51.100.20 port 40222 ssh2: "
                        "ED25519 SHA256:Zm9v",
                        o, e));
  EXPECT_EQ(e.time_ns, utc(2024, 1, 5, 3, 10, 9));
  EXPECT_EQ(
      fields(e),
      (Fields{
          {"host", "web1"},
          {"program", "sshd"},
          {"pid", "1203"},
          {"message",
           "Accepted publickey for deploy from 198.51.100.20 port 40222 ssh2: ED25519 SHA256:Zm9v"},
          {"outcome", "accepted"},
          {"auth_method", "publickey"},
          {"user", "deploy"},
          {"src_ip", "198.51.100.20"},
          {"src_port", "40222"},
          {"key_type", "ED25519"},
          {"key_fingerprint", "SHA256:Zm9v"}}));
  EXPECT_EQ(e.logsource.product, "linux");
  EXPECT_EQ(e.logsource.service, "sshd");

  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:10:02 web1 sshd[1]: Failed password for invalid user oracle "
                        "from 203.0.113.7 port 50122 ssh2",
                        o, e));
  auto f = fields(e);
  EXPECT_EQ(f["outcome"], "failed");
  EXPECT_EQ(f["invalid_user"], "true");
  EXPECT_EQ(f["user"], "oracle");
  EXPECT_EQ(f["src_ip"], "203.0.113.7");

  ASSERT_TRUE(parse_syslog_line(
      "Jan  5 03:10:01 web1 sshd[1]: Invalid user admin from 203.0.113.7 port 50122", o, e));
  f = fields(e);
  EXPECT_EQ(f["outcome"], "invalid_user");
  EXPECT_EQ(f["user"], "admin");
  EXPECT_EQ(f["src_port"], "50122");

  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:10:03 web1 sshd[1]: Connection closed by authenticating user "
                        "root 203.0.113.7 port 4 [preauth]",
                        o, e));
  f = fields(e);
  EXPECT_EQ(f["outcome"], "closed");
  EXPECT_EQ(f["user"], "root");
  EXPECT_EQ(f["src_ip"], "203.0.113.7");

  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:10:09 web1 sshd[1]: pam_unix(sshd:session): session opened for "
                        "user root(uid=0) by (uid=0)",
                        o, e));
  EXPECT_EQ(fields(e)["outcome"], "session_opened");
  EXPECT_EQ(fields(e)["user"], "root");

  ASSERT_TRUE(parse_syslog_line(
      "Jan  5 03:10:09 web1 sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
      "euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
      o, e));
  EXPECT_EQ(fields(e)["outcome"], "auth_failure");
  EXPECT_EQ(fields(e)["src_ip"], "203.0.113.7");
  EXPECT_EQ(fields(e)["user"], "root");
}

TEST(Syslog, SudoAndSu) {
  SyslogOptions o;
  o.year = 2024;
  Event e;
  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:12:30 web1 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; "
                        "USER=root ; COMMAND=/bin/sh -c 'a ; b'",
                        o, e));
  auto f = fields(e);
  EXPECT_EQ(e.logsource.service, "sudo");
  EXPECT_EQ(f["user"], "deploy");
  EXPECT_EQ(f["outcome"], "sudo");
  EXPECT_EQ(f["sudo_tty"], "pts/0");
  EXPECT_EQ(f["sudo_pwd"], "/home/deploy");
  EXPECT_EQ(f["sudo_target_user"], "root");
  EXPECT_EQ(f["sudo_command"], "/bin/sh -c 'a ; b'");
  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:12:31 web1 sudo:   eve : 3 incorrect password attempts ; "
                        "TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash",
                        o, e));
  EXPECT_EQ(fields(e)["outcome"], "sudo_failed");
  ASSERT_TRUE(parse_syslog_line("Jan  5 03:13:00 web1 su[1400]: (to root) deploy on pts/0", o, e));
  f = fields(e);
  EXPECT_EQ(e.logsource.service, "su");
  EXPECT_EQ(f["outcome"], "su");
  EXPECT_EQ(f["su_target_user"], "root");
  EXPECT_EQ(f["user"], "deploy");
  ASSERT_TRUE(
      parse_syslog_line("Jan  5 03:13:01 web1 su[1400]: FAILED SU (to root) eve on pts/1", o, e));
  EXPECT_EQ(fields(e)["outcome"], "su_failed");
}

TEST(Syslog, YearComesFromTheFileDateAndRollsBackOverNewYear) {
  SyslogOptions o;
  o.reference_ns = utc(2024, 1, 2, 0, 0, 0);  // file written on 2 January 2024
  Event e;
  ASSERT_TRUE(parse_syslog_line("Dec 31 23:59:59 h p: x", o, e));
  EXPECT_EQ(e.time_ns, utc(2023, 12, 31, 23, 59, 59));
  ASSERT_TRUE(parse_syslog_line("Jan  1 00:00:01 h p: x", o, e));
  EXPECT_EQ(e.time_ns, utc(2024, 1, 1, 0, 0, 1));
  o.tz_offset_minutes = 9 * 60;  // --tz +09:00
  ASSERT_TRUE(parse_syslog_line("Jan  1 09:00:00 h p: x", o, e));
  EXPECT_EQ(e.time_ns, utc(2024, 1, 1, 0, 0, 0));
}

TEST(Syslog, Rfc5424AndIsoForms) {
  SyslogOptions o;
  Event e;
  ASSERT_TRUE(
      parse_syslog_line("<34>1 2024-01-05T03:12:44.123+09:00 vpn1 ikev2 4711 AUTH [origin "
                        "ip=\"203.0.113.7\" note=\"a \\\"q\\\"\"] login ok",
                        o, e));
  EXPECT_EQ(e.time_ns, utc(2024, 1, 4, 18, 12, 44) + 123000000);
  EXPECT_EQ(fields(e), (Fields{{"facility", "4"},
                               {"severity", "2"},
                               {"host", "vpn1"},
                               {"program", "ikev2"},
                               {"pid", "4711"},
                               {"msgid", "AUTH"},
                               {"sd.origin.ip", "203.0.113.7"},
                               {"sd.origin.note", "a \"q\""},
                               {"message", "login ok"}}));
  ASSERT_TRUE(parse_syslog_line(
      "2024-01-05T03:12:44.123456+00:00 web1 sshd[9]: Invalid user x from 192.0.2.1 port 1", o, e));
  EXPECT_EQ(e.time_ns, utc(2024, 1, 5, 3, 12, 44) + 123456000);
  EXPECT_EQ(fields(e)["outcome"], "invalid_user");
  EXPECT_FALSE(parse_syslog_line("not a syslog line", o, e));
  EXPECT_FALSE(parse_syslog_line("<999>Jan  5 03:12:44 h p: x", o, e));
  EXPECT_FALSE(parse_syslog_line("Jan 55 03:12:44 h p: x", o, e));
}

TEST(Syslog, ReaderNumbersLinesAndReportsBadOnes) {
  const fs::path p = write("auth.log",
                           "Jan  5 03:10:01 h sshd[1]: Invalid user a from 192.0.2.1 port 1\r\nbad "
                           "line\n\nJan  5 03:10:02 h cron[2]: x");
  auto src = io::ByteSource::open(p.string());
  ASSERT_TRUE(src.has_value());
  io::LineReader lines(**src);
  Collected c;
  SyslogOptions o;
  o.year = 2024;
  auto st = read_syslog(lines, "auth.log", 3, o, c.emit(), c.diag());
  EXPECT_EQ(st.events, 2u);
  EXPECT_EQ(st.skipped, 1u);
  ASSERT_EQ(c.refs.size(), 2u);
  EXPECT_EQ(c.refs[0], (SourceRef{3, SourceRef::Kind::Line, 1}));
  EXPECT_EQ(c.refs[1], (SourceRef{3, SourceRef::Kind::Line, 4}));
  EXPECT_EQ(c.sources[1].service, "cron");
  EXPECT_EQ(c.problems, std::vector<std::string>{"auth.log:2: not a syslog line; skipped"});
  EXPECT_TRUE(looks_like_syslog("Jan  5 03:10:01 h sshd[1]: x\nJan  5 03:10:02 h sshd[1]: y\n"));
  EXPECT_FALSE(looks_like_syslog("{\"a\":1}\n"));
  fs::remove(p);
}

// --- key=value ---------------------------------------------------------------------------------

TEST(KeyValue, FortiGateLine) {
  SyslogOptions o;
  Event e;
  ASSERT_TRUE(
      parse_keyvalue_line("<189>date=2024-01-05 time=12:01:02 devname=\"FGT EDGE\" devid=\"FG1\" "
                          "tz=\"+0900\" type=\"event\" "
                          "subtype=\"vpn\" action=\"tunnel-up\" remip=203.0.113.7 user=\"tanaka\" "
                          "msg=\"said \\\"hi\\\"\" sentbyte=1024 empty= q=\"\"",
                          o, e));
  EXPECT_EQ(e.time_ns, utc(2024, 1, 5, 3, 1, 2));
  EXPECT_EQ(e.logsource.product, "fortigate");
  EXPECT_EQ(e.logsource.service, "event");
  auto f = fields(e);
  EXPECT_EQ(f["devname"], "FGT EDGE");
  EXPECT_EQ(f["host"], "FGT EDGE");
  EXPECT_EQ(f["remip"], "203.0.113.7");
  EXPECT_EQ(f["msg"], "said \"hi\"");
  EXPECT_EQ(f["sentbyte"], "1024");
  EXPECT_EQ(f["empty"], "");
  EXPECT_EQ(f["q"], "");
  EXPECT_EQ(f["facility"], "23");
  const Value* sent = e.get(field_id("sentbyte"));
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->type, ValueType::Int);
  EXPECT_EQ(sent->i, 1024);
}

TEST(KeyValue, EventTimeWinsAndSyslogHeaderGivesTheHost) {
  SyslogOptions o;
  o.year = 2024;
  Event e;
  ASSERT_TRUE(parse_keyvalue_line(
      "Jan  5 03:05:00 fw-a eventtime=1704423612123456789 type=traffic devid=FG1 srcip=10.0.0.1", o,
      e));
  EXPECT_EQ(e.time_ns, 1704423612123456789LL);
  EXPECT_EQ(fields(e)["host"], "fw-a");
  EXPECT_EQ(e.logsource.service, "traffic");
  EXPECT_EQ(e.logsource.category, "firewall");
  ASSERT_TRUE(parse_keyvalue_line("date=2024-01-05 time=03:00:00 user=x action=y", o, e));
  EXPECT_EQ(e.logsource.product, "");  // not an appliance we know
  EXPECT_FALSE(parse_keyvalue_line("no pairs here", o, e));
  EXPECT_TRUE(looks_like_keyvalue("a=1 b=2 c=3 d=4\na=1 b=2 c=\"x y\" d=4\n"));
  EXPECT_FALSE(looks_like_keyvalue("Jan  5 03:10:01 h sshd[1]: x=1\n"));
}

// --- JSON ---------------------------------------------------------------------------------------

std::vector<Fields> read_json(const std::string& text, const std::string& name, Collected& c,
                              JsonLogsOptions o = {}) {
  const fs::path p = write(name, text);
  auto src = io::ByteSource::open(p.string());
  EXPECT_TRUE(src.has_value());
  (void)read_json_logs(**src, name, 0, o, c.emit(), c.diag());
  fs::remove(p);
  return c.events;
}

TEST(JsonLogs, CloudTrailRecords) {
  Collected c;
  read_json(
      R"({"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"eventTime":"2024-01-05T03:20:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","resources":[{"ARN":"x"},{"ARN":"y"}],"tags":["a","b"],"n":1.5,"ok":true,"none":null}]})",
      "ct.json", c);
  ASSERT_EQ(c.events.size(), 1u);
  auto& f = c.events[0];
  EXPECT_EQ(f["userIdentity.arn"], "arn:aws:iam::1:user/a");
  EXPECT_EQ(f["userIdentity.sessionContext.attributes.mfaAuthenticated"], "false");
  EXPECT_EQ(f["resources.ARN"], "[x,y]");
  EXPECT_EQ(f["tags"], "[a,b]");
  EXPECT_EQ(f["n"], "1.5");
  EXPECT_EQ(f["ok"], "true");
  EXPECT_EQ(f["none"], "");
  EXPECT_EQ(f["host"], "iam.amazonaws.com");
  EXPECT_EQ(c.times[0], utc(2024, 1, 5, 3, 20, 0));
  EXPECT_EQ(c.sources[0].product, "aws");
  EXPECT_EQ(c.sources[0].service, "cloudtrail");
  EXPECT_EQ(c.refs[0], (SourceRef{0, SourceRef::Kind::Record, 1}));
}

TEST(JsonLogs, M365LinesWithNameValueParametersAndABadLine) {
  Collected c;
  read_json(
      "{\"CreationTime\":\"2024-01-05T04:01:00\",\"Operation\":\"New-InboxRule\",\"Workload\":"
      "\"Exchange\",\"UserId\":\"t@x\","
      "\"Parameters\":[{\"Name\":\"ForwardTo\",\"Value\":\"drop@evil.example\"}]}\n"
      "{broken\n"
      "{\"CreationTime\":\"2024-01-05T04:02:00\",\"Operation\":\"FileDownloaded\",\"Workload\":"
      "\"SharePoint\",\"RecordType\":6}\n",
      "m365.jsonl", c);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0]["Parameters.ForwardTo"], "drop@evil.example");
  EXPECT_EQ(c.sources[0].product, "m365");
  EXPECT_EQ(c.sources[0].service, "exchange");
  EXPECT_EQ(c.sources[1].service, "audit");
  EXPECT_EQ(c.times[0], utc(2024, 1, 5, 4, 1, 0));
  EXPECT_EQ(c.refs[1], (SourceRef{0, SourceRef::Kind::Line, 3}));
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_TRUE(c.problems[0].starts_with("m365.jsonl:2: ")) << c.problems[0];
}

TEST(JsonLogs, ArraysPrettyObjectsAndDepth) {
  Collected a;
  read_json("[{\"time\": 1704424364, \"hostname\": \"h1\"}, {\"time\": 1704424364123}]", "arr.json",
            a);
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.times[0], 1704424364LL * 1000000000LL);
  EXPECT_EQ(a.times[1], 1704424364123LL * 1000000LL);
  EXPECT_EQ(a.events[0]["host"], "h1");
  Collected b;
  read_json("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n", "pretty.json", b);
  EXPECT_EQ(b.events.size(), 2u);
  Collected d;
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{\"x\":";
  deep += "1";
  for (int i = 0; i < 100; ++i) deep += "}";
  read_json(deep + "\n{\"ok\":1}\n", "deep.jsonl", d);
  EXPECT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.problems.size(), 1u);
}

// A large export as one document is streamed record by record: the Records of a CloudTrail file
// with members before and after them, brackets and escaped quotes inside strings, pretty-printed
// whitespace; several megabytes, so the buffer is compacted while reading.
TEST(JsonLogs, LargeDocumentsAreStreamedRecordByRecord) {
  std::string doc =
      "{\n  \"meta\": {\"skip\": [1, {\"Records\": [\"not these\"]}]},\n  \"Records\": [\n";
  const int n = 30000;
  for (int i = 0; i < n; ++i) {
    if (i) doc += ",\n";
    doc +=
        "    {\"eventTime\": \"2024-01-05T03:20:00Z\", \"eventSource\": \"s3.amazonaws.com\", "
        "\"eventName\": \"GetObject\", \"requestParameters\": {\"key\": \"a]}\\\"[{" +
        std::to_string(i) + "\"}, \"pad\": \"" + std::string(150, 'x') + "\"}";
  }
  doc += "\n  ],\n  \"after\": {\"Records\": [{\"eventName\": \"not this\"}]}\n}\n";
  ASSERT_GT(doc.size(), std::size_t{5} << 20);
  Collected c;
  read_json(doc, "big.json", c);
  ASSERT_EQ(c.events.size(), static_cast<std::size_t>(n))
      << (c.problems.empty() ? "" : c.problems[0]);
  EXPECT_TRUE(c.problems.empty()) << c.problems[0];
  EXPECT_EQ(c.events[0]["requestParameters.key"], "a]}\"[{0");  // the escaped quote, unescaped
  EXPECT_EQ(c.events[n - 1]["requestParameters.key"], "a]}\"[{" + std::to_string(n - 1));
  EXPECT_EQ(c.events[n - 1]["eventName"], "GetObject");
  EXPECT_EQ(c.refs[n - 1], (SourceRef{0, SourceRef::Kind::Record, static_cast<std::uint64_t>(n)}));
}

// A truncated document gives the records before the cut, then says where it stopped; a bad
// record is skipped and the rest are read.
TEST(JsonLogs, TruncatedAndBadRecordsInADocument) {
  Collected c;
  read_json("[{\"a\": 1}, {\"a\": tru}, {\"a\": 3}, {\"a\": \"cut her", "cut.json", c);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1]["a"], "3");
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_NE(c.problems[0].find("record 2: "), std::string::npos) << c.problems[0];
  EXPECT_NE(c.problems[1].find("truncated JSON document"), std::string::npos) << c.problems[1];
}

TEST(JsonLogs, ZeekJsonTakesItsPathFromTheFileName) {
  Collected c;
  JsonLogsOptions o;
  o.zeek_path_hint = zeek_path_from_filename("/x/conn.09:00:00-10:00:00.log.gz");
  EXPECT_EQ(o.zeek_path_hint, "conn");
  read_json(
      "{\"ts\":1704423700.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.10\",\"id.resp_h\":\"198.51.100."
      "99\",\"orig_bytes\":5}\n",
      "conn.log", c, o);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.sources[0].product, "zeek");
  EXPECT_EQ(c.sources[0].service, "conn");
  EXPECT_EQ(c.events[0]["host"], "10.0.0.10");
  EXPECT_EQ(c.times[0], 1704423700500000000LL);
  EXPECT_TRUE(looks_like_json_logs("  [{\"a\":1}]"));
  EXPECT_FALSE(looks_like_json_logs("a=1 b=2"));
}

// --- Zeek TSV -----------------------------------------------------------------------------------

TEST(Zeek, TsvWithUnsetEmptySetsAndTwoHeaders) {
  const std::string hdr =
      "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tduration\torig_bytes\tlocal_orig\ttunnel_parents\n"
      "#types\ttime\tstring\taddr\tport\tinterval\tcount\tbool\tset[string]\n";
  const std::string text =
      hdr + "1704423700.123456\tC1\t10.0.0.10\t50000\t3600.5\t2147483648\tT\t(empty)\n" +
      "1704423800.0\tC2\t10.0.0.11\t-\t-\t7\tF\tCa,Cb\n" + "1704423900.0\tC3\n" +
      "#close\tx\n#separator \\x09\n#path\tdns\n#fields\tts\tquery\n#types\ttime\tstring\n" +
      "1704424000.0\texample.com\n";
  const fs::path p = write("conn.log", text);
  auto src = io::ByteSource::open(p.string());
  io::LineReader lines(**src);
  Collected c;
  auto st = read_zeek_tsv(lines, "conn.log", 1, c.emit(), c.diag());
  fs::remove(p);
  EXPECT_EQ(st.events, 3u);
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0], (Fields{{"ts", "1704423700.123456"},
                                 {"uid", "C1"},
                                 {"id.orig_h", "10.0.0.10"},
                                 {"id.orig_p", "50000"},
                                 {"duration", "3600.5"},
                                 {"orig_bytes", "2147483648"},
                                 {"local_orig", "true"},
                                 {"tunnel_parents", "[]"},
                                 {"host", "10.0.0.10"}}));
  EXPECT_EQ(c.times[0], 1704423700123456000LL);
  EXPECT_EQ(c.events[1]["tunnel_parents"], "[Ca,Cb]");
  EXPECT_EQ(c.events[1].count("id.orig_p"), 0u);  // unset
  EXPECT_EQ(c.sources[0].service, "conn");
  EXPECT_EQ(c.sources[2].service, "dns");
  EXPECT_EQ(c.events[2]["query"], "example.com");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0], "conn.log:10: row has 2 columns, the header 8; skipped");
  EXPECT_TRUE(looks_like_zeek_tsv(text));
}

// --- byte sources
// ---------------------------------------------------------------------------------

std::string gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string read_everything(const fs::path& p, std::string* error = nullptr) {
  auto src = io::ByteSource::open(p.string());
  EXPECT_TRUE(src.has_value());
  auto all = io::read_all(**src, 1 << 30);
  if (!all) {
    if (error) *error = all.error();
    return {};
  }
  return *all;
}

TEST(ByteSource, GzipMultiMemberAndZstdRoundTrip) {
  std::string big;
  for (int i = 0; i < 100000; ++i) big += "line " + std::to_string(i) + "\n";
  const fs::path gz = write("a.gz", gzip(big.substr(0, 1000)) + gzip(big.substr(1000)));
  EXPECT_EQ(read_everything(gz), big);
  std::string z(ZSTD_compressBound(big.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), big.data(), big.size(), 3));
  const fs::path zs = write("a.zst", z);
  EXPECT_EQ(read_everything(zs), big);
  EXPECT_EQ(io::read_head(zs.string(), 10), "line 0\nlin");
  fs::remove(gz);
  fs::remove(zs);
}

TEST(ByteSource, CorruptAndTruncatedCompressedInputIsAnErrorNotACrash) {
  std::string big(200000, 'x');
  std::string g = gzip(big);
  const fs::path cut = write("cut.gz", g.substr(0, g.size() / 2));
  std::string err;
  (void)read_everything(cut, &err);
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  g[20] ^= 0x55;
  g[21] ^= 0x55;
  const fs::path bad = write("bad.gz", g);
  err.clear();
  (void)read_everything(bad, &err);
  EXPECT_FALSE(err.empty());
  fs::remove(cut);
  fs::remove(bad);
}

TEST(LineReader, LongLinesCrlfAndNoFinalNewline) {
  std::string text = "a\r\n" + std::string(3000, 'x') + "\nb\nc";
  const fs::path p = write("lines.txt", text);
  auto src = io::ByteSource::open(p.string());
  io::LineReader lines(**src, 1000);
  std::vector<std::uint64_t> long_lines;
  lines.on_long = [&](std::uint64_t n) { long_lines.push_back(n); };
  std::vector<std::string> got;
  std::string_view l;
  while (lines.next(l)) got.emplace_back(l);
  EXPECT_EQ(got, (std::vector<std::string>{"a", std::string(1000, 'x'), "b", "c"}));
  EXPECT_EQ(long_lines, std::vector<std::uint64_t>{2});
  fs::remove(p);
}

}  // namespace
}  // namespace tansa::formats
