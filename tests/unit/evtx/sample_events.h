// The events of tests/data/evtx/sample.evtx, and a generator of many varied events for large test
// and benchmark files. Shared by the sample generator and the tests that check the sample.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evtx/writer.h"

namespace tansa::evtx::testing {

inline EventSpec security(std::uint16_t id, std::uint64_t t, std::uint32_t pid = 740) {
  EventSpec e;
  e.event_id = id;
  e.time = t;
  e.task = id == 4688 ? 13312 : 12544;
  e.pid = pid;
  e.tid = 812;
  e.computer = "WKS01.corp.example";
  return e;
}

inline EventSpec sysmon(std::uint16_t id, std::uint64_t t) {
  EventSpec e;
  e.provider = "Microsoft-Windows-Sysmon";
  e.provider_guid = "5770385F-C22A-43E0-BF4C-06F5698FFBD9";
  e.event_id = id;
  e.version = 5;
  e.level = 4;
  e.task = id;
  e.keywords = 0x8000000000000000ULL;
  e.time = t;
  e.pid = 3544;
  e.tid = 4272;
  e.channel = "Microsoft-Windows-Sysmon/Operational";
  e.computer = "WKS01.corp.example";
  e.user_sid = "S-1-5-18";
  return e;
}

inline std::vector<EventSpec> sample_events() {
  std::vector<EventSpec> out;
  const std::uint64_t t0 = make_filetime(2024, 3, 14, 9, 26, 53, 589793);
  auto at = [&](int sec) { return t0 + static_cast<std::uint64_t>(sec) * 10000000ULL; };

  // Failed then successful network logon from the same source: a password spray shape.
  for (int i = 0; i < 3; ++i) {
    EventSpec e = security(4625, at(i));
    e.keywords = 0x8010000000000000ULL;
    e.data = {{"SubjectUserSid", WValue::sid("S-1-0-0")},
              {"SubjectUserName", WValue::str("-")},
              {"SubjectDomainName", WValue::str("-")},
              {"SubjectLogonId", WValue::hex64(0)},
              {"TargetUserSid", WValue::sid("S-1-0-0")},
              {"TargetUserName", WValue::str(i == 2 ? "administrator" : "alice")},
              {"TargetDomainName", WValue::str("CORP")},
              {"Status", WValue::hex32(0xc000006d)},
              {"FailureReason", WValue::str("%%2313")},
              {"SubStatus", WValue::hex32(0xc000006a)},
              {"LogonType", WValue::u32(3)},
              {"LogonProcessName", WValue::str("NtLmSsp ")},
              {"AuthenticationPackageName", WValue::str("NTLM")},
              {"WorkstationName", WValue::str("KALI")},
              {"TransmittedServices", WValue::str("-")},
              {"LmPackageName", WValue::str("-")},
              {"KeyLength", WValue::u32(0)},
              {"ProcessId", WValue::hex64(0)},
              {"ProcessName", WValue::str("-")},
              {"IpAddress", WValue::str("10.0.13.37")},
              {"IpPort", WValue::str("51234")}};
    out.push_back(std::move(e));
  }
  {
    EventSpec e = security(4624, at(5));
    e.version = 2;
    e.data = {{"SubjectUserSid", WValue::sid("S-1-5-18")},
              {"SubjectUserName", WValue::str("WKS01$")},
              {"SubjectDomainName", WValue::str("CORP")},
              {"SubjectLogonId", WValue::hex64(0x3e7)},
              {"TargetUserSid", WValue::sid("S-1-5-21-1004336348-1177238915-682003330-1001")},
              {"TargetUserName", WValue::str("alice")},
              {"TargetDomainName", WValue::str("CORP")},
              {"TargetLogonId", WValue::hex64(0x1eba8)},
              {"LogonType", WValue::u32(3)},
              {"LogonProcessName", WValue::str("NtLmSsp ")},
              {"AuthenticationPackageName", WValue::str("NTLM")},
              {"WorkstationName", WValue::str("KALI")},
              {"LogonGuid", WValue::guid("00000000-0000-0000-0000-000000000000")},
              {"TransmittedServices", WValue::str("-")},
              {"LmPackageName", WValue::str("NTLM V2")},
              {"KeyLength", WValue::u32(128)},
              {"ProcessId", WValue::hex64(0)},
              {"ProcessName", WValue::str("-")},
              {"IpAddress", WValue::str("10.0.13.37")},
              {"IpPort", WValue::str("51240")},
              {"ImpersonationLevel", WValue::str("%%1833")},
              {"ElevatedToken", WValue::str("%%1842")}};
    out.push_back(std::move(e));
  }
  {
    EventSpec e = security(4688, at(9));
    e.version = 2;
    e.data = {{"SubjectUserSid", WValue::sid("S-1-5-21-1004336348-1177238915-682003330-1001")},
              {"SubjectUserName", WValue::str("alice")},
              {"SubjectDomainName", WValue::str("CORP")},
              {"SubjectLogonId", WValue::hex64(0x1eba8)},
              {"NewProcessId", WValue::hex64(0x1a2c)},
              {"NewProcessName", WValue::str("C:\\Windows\\System32\\whoami.exe")},
              {"TokenElevationType", WValue::str("%%1936")},
              {"ProcessId", WValue::hex64(0x1f40)},
              {"CommandLine", WValue::str("whoami /all")},
              {"TargetUserSid", WValue::sid("S-1-0-0")},
              {"TargetUserName", WValue::str("-")},
              {"TargetDomainName", WValue::str("-")},
              {"TargetLogonId", WValue::hex64(0)},
              {"ParentProcessName", WValue::str("C:\\Windows\\System32\\cmd.exe")},
              {"MandatoryLabel", WValue::sid("S-1-16-12288")}};
    out.push_back(std::move(e));
  }
  {
    EventSpec e = sysmon(1, at(10));
    e.data = {
        {"RuleName", WValue::str("-")},
        {"UtcTime", WValue::str("2024-03-14 09:27:03.512")},
        {"ProcessGuid", WValue::guid("0197231E-005A-6928-A50B-000000000D00")},
        {"ProcessId", WValue::u32(6712)},
        {"Image", WValue::str("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")},
        {"FileVersion", WValue::str("10.0.19041.546 (WinBuild.160101.0800)")},
        {"Description", WValue::str("Windows PowerShell")},
        {"Product", WValue::str("Microsoft\u00ae Windows\u00ae Operating System")},
        {"Company", WValue::str("Microsoft Corporation")},
        {"OriginalFileName", WValue::str("PowerShell.EXE")},
        {"CommandLine", WValue::str("powershell.exe -nop -w hidden -enc SQBFAFgA \"quoted\"")},
        {"CurrentDirectory", WValue::str("C:\\Users\\alice\\")},
        {"User", WValue::str("CORP\\alice")},
        {"LogonGuid", WValue::guid("0197231E-B736-6923-645E-3B0000000000")},
        {"LogonId", WValue::hex64(0x1eba8)},
        {"TerminalSessionId", WValue::u32(1)},
        {"IntegrityLevel", WValue::str("High")},
        {"Hashes",
         WValue::str("SHA256=9F914D42706FE215501044ACD85A32D58AAEF1419D404FDDFA5D3B48F66CCD9F")},
        {"ParentProcessGuid", WValue::guid("0197231E-A1BD-6925-C705-000000000D00")},
        {"ParentProcessId", WValue::u32(7972)},
        {"ParentImage", WValue::str("C:\\Windows\\System32\\cmd.exe")},
        {"ParentCommandLine", WValue::str("\"C:\\Windows\\system32\\cmd.exe\" ")},
        {"ParentUser", WValue::str("CORP\\alice")}};
    out.push_back(std::move(e));
  }
  {
    EventSpec e = sysmon(3, at(12));
    e.data = {
        {"RuleName", WValue::str("-")},
        {"UtcTime", WValue::str("2024-03-14 09:27:05.100")},
        {"ProcessGuid", WValue::guid("0197231E-005A-6928-A50B-000000000D00")},
        {"ProcessId", WValue::u32(6712)},
        {"Image", WValue::str("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")},
        {"User", WValue::str("CORP\\alice")},
        {"Protocol", WValue::str("tcp")},
        {"Initiated", WValue::boolean(true)},
        {"SourceIsIpv6", WValue::boolean(false)},
        {"SourceIp", WValue::str("10.0.0.21")},
        {"SourceHostname", WValue::str("-")},
        {"SourcePort", WValue::u16(50112)},
        {"SourcePortName", WValue::str("-")},
        {"DestinationIsIpv6", WValue::boolean(false)},
        {"DestinationIp", WValue::str("203.0.113.66")},
        {"DestinationHostname", WValue::str("-")},
        {"DestinationPort", WValue::u16(443)},
        {"DestinationPortName", WValue::str("https")}};
    out.push_back(std::move(e));
  }
  {
    EventSpec e = sysmon(11, at(14));
    e.version = 2;
    e.data = {
        {"RuleName", WValue::str("-")},
        {"UtcTime", WValue::str("2024-03-14 09:27:07.250")},
        {"ProcessGuid", WValue::guid("0197231E-005A-6928-A50B-000000000D00")},
        {"ProcessId", WValue::u32(6712)},
        {"Image", WValue::str("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")},
        {"TargetFilename", WValue::str("C:\\Users\\alice\\AppData\\Local\\Temp\\payload.dll")},
        {"CreationUtcTime", WValue::str("2024-03-14 09:27:07.250")},
        {"User", WValue::str("CORP\\alice")}};
    out.push_back(std::move(e));
  }
  {
    // Log cleared: the UserData shape.
    EventSpec e;
    e.provider = "Microsoft-Windows-Eventlog";
    e.provider_guid = "FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148";
    e.event_id = 1102;
    e.version = 0;
    e.level = 4;
    e.task = 104;
    e.keywords = 0x4020000000000000ULL;
    e.time = at(20);
    e.pid = 1128;
    e.tid = 5500;
    e.user_data_element = "LogFileCleared";
    e.user_data_ns = "http://manifests.microsoft.com/win/2004/08/windows/eventlog";
    e.data = {{"SubjectUserSid", WValue::sid("S-1-5-21-1004336348-1177238915-682003330-1001")},
              {"SubjectUserName", WValue::str("alice")},
              {"SubjectDomainName", WValue::str("CORP")},
              {"SubjectLogonId", WValue::hex64(0x1eba8)}};
    out.push_back(std::move(e));
  }
  {
    // A provider with positional (unnamed) Data, as classic event sources write.
    EventSpec e;
    e.provider = "Service Control Manager";
    e.provider_guid = "555908D1-A6D7-4695-8E1E-26931D2012F4";
    e.event_id = 7045;
    e.qualifiers = 16384;
    e.level = 4;
    e.keywords = 0x8080000000000000ULL;
    e.time = at(30);
    e.channel = "System";
    e.pid = 680;
    e.tid = 7344;
    e.user_sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
    e.data = {{"", WValue::str("PSEXESVC")},
              {"", WValue::str("%SystemRoot%\\PSEXESVC.exe")},
              {"", WValue::str("user mode service")},
              {"", WValue::str("demand start")},
              {"", WValue::str("LocalSystem")}};
    out.push_back(std::move(e));
  }
  return out;
}

// `n` events cycling through the sample shapes with varying values (deterministic), for large
// files: realistic template reuse and record sizes.
inline std::vector<EventSpec> many_events(std::size_t n) {
  const std::vector<EventSpec> base = sample_events();
  std::vector<EventSpec> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    EventSpec e = base[i % base.size()];
    e.time += static_cast<std::uint64_t>(i) * 1234567ULL;
    e.pid = static_cast<std::uint32_t>(500 + i % 4000);
    for (auto& [name, v] : e.data) {
      if (name == "ProcessId" && v.type == 0x08) v = WValue::u32(static_cast<std::uint32_t>(i));
      if (name == "CommandLine")
        v = WValue::str("cmd.exe /c echo " + std::to_string(i * 2654435761u % 1000003));
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tansa::evtx::testing
