// When the literal prefilter cannot run (Vectorscan scratch not allocated, a scan error), every
// candidate rule is evaluated instead: the same detections, a count of the events matched that
// way for the caller to report, and never a quiet miss.
#include <gtest/gtest.h>

#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

const char* kRules = R"(title: mimikatz on the command line
id: 11111111-1111-1111-1111-111111111111
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains: mimikatz
  condition: selection
---
title: a keyword anywhere
id: 22222222-2222-2222-2222-222222222222
logsource: {product: windows, service: security}
detection:
  keywords:
    - sekurlsa
  condition: keywords
---
title: 4625 with a bad user name
id: 33333333-3333-3333-3333-333333333333
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4625
    TargetUserName|endswith: '$'
  condition: selection
)";

std::vector<EventBuilder> events() {
  std::vector<EventBuilder> out(5);
  out[0].s("Channel", "Microsoft-Windows-Sysmon/Operational").i("EventID", 1).s(
      "CommandLine", "C:\\t\\MIMIKATZ.exe privilege::debug");
  out[1].s("Channel", "Microsoft-Windows-Sysmon/Operational").i("EventID", 1).s(
      "CommandLine", "notepad.exe");
  out[2].s("Channel", "Security").i("EventID", 4688).s("CommandLine", "x sekurlsa::logonpasswords");
  out[3].s("Channel", "Security").i("EventID", 4625).s("TargetUserName", "WKS01$");
  out[4].s("Channel", "Security").i("EventID", 4625).s("TargetUserName", "tanaka");
  return out;
}

TEST(PrefilterFailure, EveryCandidateIsEvaluatedAndTheEventsAreCounted) {
  Compiled c(kRules);
  Matcher normal(c.set()), failing(c.set());
  failing.fail_scans_for_testing();
  std::size_t detected = 0;
  for (const auto& e : events()) {
    std::vector<std::uint32_t> a, b;
    normal.match(e.event(), a);
    failing.match(e.event(), b);
    EXPECT_EQ(a, b);
    detected += b.size();
  }
  EXPECT_EQ(detected, 3u);  // mimikatz, sekurlsa, WKS01$; not notepad, not tanaka
  EXPECT_EQ(normal.scan_failures(), 0u);
  EXPECT_GE(failing.scan_failures(), 2u);  // the events whose rules carry literals
  EXPECT_LE(failing.scan_failures(), 5u);  // once per event at most
}

}  // namespace
}  // namespace tansa::sigma::testing
