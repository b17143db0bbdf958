// `tansa pivots`: the values detections name, by kind, each once per detection, with the rules and
// times; placeholders and loopback addresses are not pivots.
#include "survey/pivots.h"

#include <gtest/gtest.h>

namespace tansa::survey {
namespace {

Detection detection(std::int64_t t, std::vector<std::pair<std::string, std::string>> fields) {
  Detection d;
  d.time_ns = t;
  d.host = "WS7.corp.example";
  d.fields = std::move(fields);
  return d;
}

TEST(Pivots, ValuesByKindWithRulesAndTimes) {
  Pivots p;
  p.add(detection(10, {{"SubjectUserName", "alice"},
                       {"TargetUserName", "alice"},  // the same account twice: one detection
                       {"IpAddress", "::ffff:203.0.113.7"},
                       {"WorkstationName", "KALI"},
                       {"Image", "C:\\\\Temp\\\\rc.exe"},
                       {"Hashes", "SHA256=AB12,MD5=CD34,IMPHASH=EF56"},
                       {"CommandLine", "rc.exe copy"}}),
        "Rclone Execution");
  p.add(
      detection(30, {{"SubjectUserName", "alice"}, {"IpAddress", "-"}, {"SourceIp", "127.0.0.1"}}),
      "Log Cleared");
  const std::vector<Pivot> rows = p.rows();
  std::vector<std::string> got;
  for (const Pivot& r : rows)
    got.push_back(r.kind + " " + r.value + " " + std::to_string(r.detections));
  EXPECT_EQ(got, (std::vector<std::string>{"account alice 2", "host WS7.corp.example 2",
                                           "address 203.0.113.7 1",
                                           "process C:\\\\Temp\\\\rc.exe 1", "hash AB12 1",
                                           "hash CD34 1", "hash EF56 1", "workstation KALI 1"}));
  EXPECT_EQ(rows[0].first, 10);
  EXPECT_EQ(rows[0].last, 30);
  EXPECT_EQ(rows[0].rules, (std::vector<std::string>{"Log Cleared", "Rclone Execution"}));
}

// A group-management event names the group in TargetUserName: a group, not an account.
TEST(Pivots, GroupsAreNotAccounts) {
  Pivots p;
  p.add(detection(5, {{"EventID", "4728"},
                      {"MemberName", "CN=evil,CN=Users"},
                      {"TargetUserName", "Domain Admins"},
                      {"SubjectUserName", "tanaka"}}),
        "Member Added to a Privileged Group");
  std::vector<std::string> got;
  for (const Pivot& r : p.rows()) got.push_back(r.kind + " " + r.value);
  EXPECT_EQ(got, (std::vector<std::string>{"account tanaka", "group Domain Admins",
                                           "host WS7.corp.example"}));
}

TEST(Pivots, FieldKinds) {
  EXPECT_EQ(pivot_kind("TargetUserName"), "account");
  EXPECT_EQ(pivot_kind("clientip"), "address");  // any case
  EXPECT_EQ(pivot_kind("ParentImage"), "process");
  EXPECT_EQ(pivot_kind("CommandLine"), "");
}

}  // namespace
}  // namespace tansa::survey
