#include "formats/windows_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "evtx/reader.h"

namespace tansa::formats {
namespace {

using Fields = std::map<std::string, std::string>;

Fields fields_of(const Event& e) {
  Fields out;
  for (const Field& f : e.fields()) {
    std::string text(f.value.text);
    if (f.value.type == ValueType::Array) {
      for (const Value& el : e.elements(f.value)) text.append(el.text).append("|");
    }
    out.emplace(std::string(FieldTable::global().name(f.id)), text);
  }
  return out;
}

std::vector<Event> read_all(std::string_view text, std::vector<Diagnostic>* diags = nullptr) {
  std::vector<Fields> unused;
  std::vector<Event> out;
  read_windows_json(
      text, "test.json", 3,
      [&](const Event& e) {
        Event copy;
        for (const Field& f : e.fields()) {
          Value v = f.value;
          v.text = copy.store(v.text);
          if (v.type == ValueType::Array) {
            Value arr = v;
            arr.count = 0;
            for (const Value& el : e.elements(f.value)) {
              Value c = el;
              c.text = copy.store(el.text);
              const auto idx = copy.add_element(c);
              if (arr.count++ == 0) arr.first = idx;
            }
            v = arr;
          }
          copy.add(f.id, v);
        }
        copy.time_ns = e.time_ns;
        copy.source = e.source;
        out.push_back(std::move(copy));
      },
      [&](const Diagnostic& d) {
        if (diags) diags->push_back(d);
      });
  return out;
}

constexpr std::string_view kOne = R"({"Event":{"#attributes":{"xmlns":"x"},"System":{
  "Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"5484"}},
  "EventID":{"#attributes":{"Qualifiers":16384},"#text":4688},"Level":0,
  "TimeCreated":{"#attributes":{"SystemTime":"2024-01-05T03:12:44.1234567Z"}},
  "EventRecordID":77,"Channel":"Security","Computer":"DC1","Security":null},
  "EventData":{"NewProcessName":"C:\\Windows\\cmd.exe","LogonId":"0x3e7","ProcessId":4,
  "Data":{"#text":["a","b"]}},
  "UserData":{"Op":{"#attributes":{"xmlns":"y"},"User":"bob","Nested":{"Depth":2}}}}})";

TEST(WindowsJson, FieldsFollowTheNamingConvention) {
  auto events = read_all(kOne);
  ASSERT_EQ(events.size(), 1u);
  Fields f = fields_of(events[0]);
  EXPECT_EQ(f["Provider_Name"], "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(f["EventID"], "4688");
  EXPECT_EQ(f["EventID_Qualifiers"], "16384");
  EXPECT_EQ(f["TimeCreated_SystemTime"], "2024-01-05T03:12:44.1234567Z");
  EXPECT_EQ(f["Channel"], "Security");
  EXPECT_EQ(f["NewProcessName"], "C:\\Windows\\cmd.exe");
  EXPECT_EQ(f["LogonId"], "0x3e7");  // hex stays a string
  EXPECT_EQ(f["Data"], "a|b|");
  EXPECT_EQ(f["User"], "bob");
  EXPECT_EQ(f["Depth"], "2");
  EXPECT_EQ(f.count("xmlns"), 0u);
  EXPECT_EQ(events[0].get(field_id("EventID"))->type, ValueType::Int);
  EXPECT_EQ(events[0].time_ns, 1704424364123456700);
  EXPECT_EQ(events[0].source, (SourceRef{3, SourceRef::Kind::Record, 77}));
}

TEST(WindowsJson, LinesPrettyConcatenatedAndArrays) {
  std::string one(kOne);
  std::string compact;
  for (char c : one)
    if (c != '\n') compact += c;
  EXPECT_EQ(read_all(compact + "\n" + compact + "\n").size(), 2u);
  EXPECT_EQ(read_all(one + "\n" + one).size(), 2u);
  EXPECT_EQ(read_all("[" + one + "," + one + "," + one + "]").size(), 3u);
  EXPECT_EQ(read_all("").size(), 0u);
}

TEST(WindowsJson, BrokenInputIsReported) {
  std::vector<Diagnostic> diags;
  auto events = read_all(std::string(kOne) + "\n{\"Event\": {\"System\": ", &diags);
  EXPECT_EQ(events.size(), 1u);
  ASSERT_FALSE(diags.empty());
  diags.clear();
  events = read_all(R"({"NotAnEvent":1})", &diags);
  EXPECT_EQ(events.size(), 0u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].reason.find("no Event object"), std::string::npos);
}

TEST(WindowsJson, Sniffing) {
  EXPECT_TRUE(looks_like_windows_json(kOne));
  EXPECT_TRUE(looks_like_windows_json("[\n " + std::string(kOne)));
  EXPECT_FALSE(looks_like_windows_json(R"({"Records":[{"eventName":"x"}]})"));
  EXPECT_FALSE(looks_like_windows_json("Jan  5 03:12:44 host sshd[1]: Accepted"));
}

std::string trim_right(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.pop_back();
  return s;
}

// The JSON twins of the SigmaHQ regression files must give the same events as the native reader
// gives from the EVTX files, so rules see the same thing whichever form a responder is handed.
TEST(WindowsJson, TwinsMatchTheNativeReader) {
  const char* env = std::getenv("TANSA_SIGMAHQ");
  std::filesystem::path root =
      std::filesystem::path(env ? env : TANSA_SIGMAHQ_DIR) / "regression_data";
  if (!std::filesystem::exists(root))
    GTEST_SKIP() << "SigmaHQ regression data not found at " << root;
  int files = 0, events = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".evtx") continue;
    auto twin = entry.path();
    twin.replace_extension(".json");
    if (!std::filesystem::exists(twin)) continue;
    std::map<std::uint64_t, Fields> native;
    std::mutex mu;
    evtx::ReadCallbacks cb;
    cb.on_event = [&](const Event& e) {
      std::lock_guard lock(mu);
      native[e.source.position] = fields_of(e);
    };
    ASSERT_TRUE(evtx::read_file(entry.path().string(), {}, cb).has_value());
    std::ifstream in(twin, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto from_json = read_all(ss.str());
    ASSERT_EQ(from_json.size(), native.size()) << twin;
    for (const Event& e : from_json) {
      auto it = native.find(e.source.position);
      ASSERT_NE(it, native.end()) << twin << " record " << e.source.position;
      Fields j = fields_of(e);
      std::vector<std::string> jn, nn;
      for (const auto& [k, v] : j) jn.push_back(k);
      for (const auto& [k, v] : it->second) nn.push_back(k);
      EXPECT_EQ(jn, nn) << twin;
      for (const auto& [k, v] : j) {
        if (k == "TimeCreated_SystemTime") continue;  // twins differ in fraction digits
        auto n = it->second.find(k);
        if (n == it->second.end()) continue;
        // Twins come from several evtx_dump versions: some trim trailing blanks, one was edited.
        if (trim_right(v) != trim_right(n->second) && k != "ParentCommandLine")
          ADD_FAILURE() << twin << " " << k << ": json '" << v << "' native '" << n->second << "'";
      }
      ++events;
    }
    ++files;
  }
  EXPECT_EQ(files, 202);
  EXPECT_GE(events, 238);
}

}  // namespace
}  // namespace tansa::formats
