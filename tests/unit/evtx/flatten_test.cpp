// The Event flattener on tests/data/evtx/sample.evtx, the committed sample's reproducibility,
// thread-count invariance, and `tansa dump` end to end.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "evtx/writer.h"
#include "sample_events.h"

namespace tansa::evtx {
namespace {

const std::string kSample = std::string(TANSA_SOURCE_DIR) + "/tests/data/evtx/sample.evtx";

// A value's rendering, for compact assertions: "type:text".
std::string show(const Event& e, const Value& v) {
  static const char* kTypes[] = {"null", "str", "int",  "uint", "hex",  "bool",
                                 "dbl",  "bin", "guid", "sid",  "time", "arr"};
  std::string s = kTypes[static_cast<int>(v.type)];
  s += ':';
  if (v.type == ValueType::Array) {
    for (const Value& item : e.elements(v)) s += std::string(item.text) + "|";
  } else {
    s += v.text;
  }
  return s;
}

struct Flat {
  std::map<std::string, std::string> fields;
  std::int64_t time_ns;
  SourceRef source;
};

std::vector<Flat> events_of(const std::string& path, unsigned threads = 1) {
  std::vector<Flat> out;
  std::mutex mu;
  ReadCallbacks cb;
  cb.on_event = [&](const Event& e) {
    Flat f;
    for (const Field& fld : e.fields())
      f.fields[std::string(FieldTable::global().name(fld.id))] = show(e, fld.value);
    f.time_ns = e.time_ns;
    f.source = e.source;
    std::lock_guard lock(mu);
    out.push_back(std::move(f));
  };
  ReadOptions o;
  o.threads = threads;
  o.file_index = 7;
  auto s = read_file(path, o, cb);
  EXPECT_TRUE(s.has_value());
  std::sort(out.begin(), out.end(),
            [](const Flat& a, const Flat& b) { return a.source.position < b.source.position; });
  return out;
}

TEST(Sample, CommittedFileIsReproducible) {
  EvtxWriter w;
  for (const auto& e : testing::sample_events()) w.add(e);
  const std::vector<std::uint8_t> fresh = w.finish();
  std::ifstream in(kSample, std::ios::binary);
  const std::vector<std::uint8_t> committed((std::istreambuf_iterator<char>(in)),
                                            std::istreambuf_iterator<char>());
  EXPECT_EQ(fresh, committed) << "regenerate with evtx_make_sample tests/data/evtx/sample.evtx";
}

TEST(Flatten, SecuritySystemAndEventData) {
  const auto ev = events_of(kSample);
  ASSERT_EQ(ev.size(), 10u);
  const auto& f = ev[0].fields;
  EXPECT_EQ(f.at("EventID"), "uint:4625");
  EXPECT_EQ(f.at("Provider_Name"), "str:Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(f.at("Provider_Guid"), "guid:54849625-5478-4994-A5BA-3E3B0328C30D");
  EXPECT_EQ(f.at("Keywords"), "hex:0x8010000000000000");
  EXPECT_EQ(f.at("TimeCreated_SystemTime"), "time:2024-03-14T09:26:53.589793Z");
  EXPECT_EQ(f.at("EventRecordID"), "uint:1");
  EXPECT_EQ(f.at("Execution_ProcessID"), "uint:740");
  EXPECT_EQ(f.at("Channel"), "str:Security");
  EXPECT_EQ(f.at("Computer"), "str:WKS01.corp.example");
  EXPECT_EQ(f.at("TargetUserName"), "str:alice");
  EXPECT_EQ(f.at("LogonType"), "uint:3");
  EXPECT_EQ(f.at("Status"), "hex:0xc000006d");
  EXPECT_EQ(f.at("SubjectUserSid"), "sid:S-1-0-0");
  EXPECT_EQ(f.at("LogonProcessName"), "str:NtLmSsp");  // Windows pads it; evtx_dump trims too
  // Absent and empty things are not invented.
  EXPECT_EQ(f.count("Correlation"), 0u);
  EXPECT_EQ(f.count("Correlation_ActivityID"), 0u);
  EXPECT_EQ(f.count("Security_UserID"), 0u);
  EXPECT_EQ(f.count("EventID_Qualifiers"), 0u);
  EXPECT_EQ(f.count("Name"), 0u);
  EXPECT_EQ(f.count("Data"), 0u);
  EXPECT_EQ(ev[0].time_ns, 1710408413589793000LL);
  EXPECT_EQ(ev[0].source, (SourceRef{7, SourceRef::Kind::Record, 1}));
}

TEST(Flatten, SysmonTypes) {
  const auto ev = events_of(kSample);
  const auto& p = ev[5].fields;  // Sysmon 1
  EXPECT_EQ(p.at("EventID"), "uint:1");
  EXPECT_EQ(p.at("Security_UserID"), "sid:S-1-5-18");
  EXPECT_EQ(p.at("ProcessGuid"), "guid:0197231E-005A-6928-A50B-000000000D00");
  EXPECT_EQ(p.at("CommandLine"), "str:powershell.exe -nop -w hidden -enc SQBFAFgA \"quoted\"");
  EXPECT_EQ(p.at("Product"), "str:Microsoft\u00ae Windows\u00ae Operating System");
  EXPECT_EQ(p.at("LogonId"), "hex:0x1eba8");
  const auto& n = ev[6].fields;  // Sysmon 3
  EXPECT_EQ(n.at("Initiated"), "bool:true");
  EXPECT_EQ(n.at("SourceIsIpv6"), "bool:false");
  EXPECT_EQ(n.at("DestinationPort"), "uint:443");
}

TEST(Flatten, UserDataLeavesAndPositionalData) {
  const auto ev = events_of(kSample);
  const auto& u = ev[8].fields;  // 1102 with UserData
  EXPECT_EQ(u.at("EventID"), "uint:1102");
  EXPECT_EQ(u.at("SubjectUserName"), "str:alice");
  EXPECT_EQ(u.at("SubjectLogonId"), "hex:0x1eba8");
  EXPECT_EQ(u.count("LogFileCleared"), 0u);
  EXPECT_EQ(u.count("xmlns"), 0u);
  const auto& s = ev[9].fields;  // 7045 with unnamed Data
  EXPECT_EQ(s.at("EventID"), "uint:7045");
  EXPECT_EQ(s.at("EventID_Qualifiers"), "uint:16384");
  EXPECT_EQ(s.at("Data"),
            "arr:PSEXESVC|%SystemRoot%\\PSEXESVC.exe|user mode service|demand start|LocalSystem|");
}

TEST(Flatten, FieldIdsAreStableAcrossChunksAndThreads) {
  const std::string path = ::testing::TempDir() + "/flatten_many.evtx";
  EvtxWriter w;
  for (const auto& e : testing::many_events(3000)) w.add(e);
  ASSERT_TRUE(w.write(path));
  const auto one = events_of(path, 1);
  const auto four = events_of(path, 4);
  ASSERT_EQ(one.size(), 3000u);
  ASSERT_EQ(four.size(), 3000u);
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].fields, four[i].fields) << i;
    EXPECT_EQ(one[i].source.position, i + 1);
  }
  std::remove(path.c_str());
}

TEST(Reader, JsonOrderIsFileOrderWithThreads) {
  const std::string path = ::testing::TempDir() + "/order_many.evtx";
  EvtxWriter w;
  for (const auto& e : testing::many_events(5000)) w.add(e);
  ASSERT_TRUE(w.write(path));
  auto dump = [&](unsigned threads) {
    std::string all;
    ReadCallbacks cb;
    cb.on_json = [&](std::string_view s) { all.append(s); };
    ReadOptions o;
    o.threads = threads;
    EXPECT_TRUE(read_file(path, o, cb).has_value());
    return all;
  };
  const std::string one = dump(1);
  EXPECT_EQ(std::count(one.begin(), one.end(), '\n'), 5000);
  EXPECT_EQ(dump(3), one);
  EXPECT_EQ(dump(8), one);
  std::remove(path.c_str());
}

std::pair<int, std::string> run(const std::string& args) {
  const std::string cmd = std::string(TANSA_BINARY) + " " + args + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), &pclose);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  const int status = pclose(p.release());
  return {WEXITSTATUS(status), out};
}

TEST(DumpCommand, SampleAndExitCodes) {
  auto [code, out] = run("dump " + kSample);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 10);
  EXPECT_EQ(out.substr(0, 40), R"({"Event":{"#attributes":{"xmlns":"http:/)");
  auto [code2, out2] = run("dump --threads 2 " + std::string(TANSA_SOURCE_DIR) + "/tests/data");
  EXPECT_EQ(code2, 0);
  EXPECT_EQ(out2, out);  // folder walk finds the one .evtx
  EXPECT_EQ(run("dump /nonexistent/x.evtx").first, 1);
  EXPECT_NE(run("dump").first, 0);
  EXPECT_NE(run("dump --threads 0 " + kSample).first, 0);
  const std::string o = ::testing::TempDir() + "/dump_out.jsonl";
  EXPECT_EQ(run("dump -o " + o + " " + kSample).first, 0);
  std::ifstream in(o);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, out);
  std::remove(o.c_str());
}

}  // namespace
}  // namespace tansa::evtx
