// A few events for the fuzz targets that match rules (fuzz_sigma, fuzz_compiled_cache): a Sysmon
// process start, a Security 4688 and an sshd line, so Windows channel buckets, other log
// sources and keyword scans are all walked.
#pragma once

#include <vector>

#include "tansa/event.h"

namespace tansa::fuzzing {

inline const std::vector<tansa::Event>& sample_events() {
  static const std::vector<tansa::Event> all = [] {
    std::vector<tansa::Event> out;
    tansa::Event win;
    win.add_string(tansa::field_id("Channel"), "Microsoft-Windows-Sysmon/Operational");
    win.add_int(tansa::field_id("EventID"), 1);
    win.add_string(tansa::field_id("Image"), "C:\\Windows\\System32\\cmd.exe");
    win.add_string(tansa::field_id("CommandLine"), "cmd.exe /c whoami -all");
    win.add_string(tansa::field_id("UtcTime"), "2024-01-05 03:12:44.123");
    win.add_string(tansa::field_id("DestinationIp"), "10.1.2.3");
    out.push_back(std::move(win));
    tansa::Event ssh;
    ssh.logsource = {"linux", "", "sshd"};
    ssh.add_string(tansa::field_id("message"),
                   "Failed password for root from 203.0.113.7 port 22 ssh2");
    ssh.add_int(tansa::field_id("src_port"), 22);
    out.push_back(std::move(ssh));
    tansa::Event sec;
    sec.add_string(tansa::field_id("Channel"), "Security");
    sec.add_int(tansa::field_id("EventID"), 4688);
    sec.add_string(tansa::field_id("NewProcessName"), "C:\\Windows\\System32\\cmd.exe");
    out.push_back(std::move(sec));
    return out;
  }();
  return all;
}

}  // namespace tansa::fuzzing
