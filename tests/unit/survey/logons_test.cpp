// `tansa logons` rows from real-shaped events of each source, and the events that are not logons.
#include "survey/logons.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

namespace tansa::survey {
namespace {

using Fields = std::initializer_list<std::pair<const char*, const char*>>;

Event windows(const char* channel, int id, Fields fields) {
  Event e;
  e.time_ns = 1700000000LL * 1000000000;
  e.add_string(field_id("Channel"), channel);
  e.add_int(field_id("EventID"), id);
  e.add_string(field_id("Computer"), "DC1.corp.example");
  for (const auto& [k, v] : fields) e.add_string(field_id(k), v);
  return e;
}

Event product(const char* name, const char* service, Fields fields) {
  Event e;
  e.time_ns = 1700000000LL * 1000000000;
  e.logsource.product = name;
  e.logsource.service = service;
  for (const auto& [k, v] : fields) e.add_string(field_id(k), v);
  return e;
}

LogonRow row(const Event& e) {
  int id = 0;
  auto r = logon_of(e, id);
  EXPECT_TRUE(r) << "no logon";
  return r ? *r : LogonRow{};
}

bool none(const Event& e) {
  int id = 0;
  return !logon_of(e, id);
}

TEST(Logons, WindowsSecurityEvents) {
  Event ok = windows("Security", 4624,
                     {{"TargetUserName", "tanaka"},
                      {"TargetDomainName", "CORP"},
                      {"LogonType", "10"},
                      {"IpAddress", "::ffff:203.0.113.7"},
                      {"WorkstationName", "KALI"},
                      {"AuthenticationPackageName", "NTLM"}});
  LogonRow r = row(ok);
  EXPECT_EQ(r.kind, "windows");
  EXPECT_EQ(r.account, "CORP\\tanaka");
  EXPECT_EQ(r.source, "203.0.113.7");
  EXPECT_EQ(r.workstation, "KALI");
  EXPECT_EQ(r.target, "DC1.corp.example");
  EXPECT_EQ(r.outcome, "success");
  EXPECT_EQ(r.count, 1u);

  r = row(windows("Security", 4625,
                  {{"TargetUserName", "admin"},
                   {"TargetDomainName", "CORP"},
                   {"LogonType", "3"},
                   {"IpAddress", "10.0.13.37"}}));
  EXPECT_EQ(r.outcome, "failure");
  EXPECT_EQ(r.type, "logon type 3");

  r = row(windows("Security", 4648,
                  {{"SubjectUserName", "svc"},
                   {"TargetUserName", "da_admin"},
                   {"TargetServerName", "FS1.corp.example"},
                   {"IpAddress", "-"}}));
  EXPECT_EQ(r.outcome, "explicit");
  EXPECT_EQ(r.account, "da_admin");
  EXPECT_EQ(r.target, "FS1.corp.example");

  r = row(
      windows("Security", 4776,
              {{"TargetUserName", "sato"}, {"Workstation", "PC-SATO"}, {"Status", "0xc000006a"}}));
  EXPECT_EQ(r.type, "NTLM validation");
  EXPECT_EQ(r.outcome, "failure");
  EXPECT_EQ(r.workstation, "PC-SATO");

  r = row(windows("Security", 4768,
                  {{"TargetUserName", "sato"},
                   {"TargetDomainName", "CORP.EXAMPLE"},
                   {"IpAddress", "::ffff:10.8.0.12"},
                   {"Status", "0x0"}}));
  EXPECT_EQ(r.type, "kerberos");
  EXPECT_EQ(r.outcome, "success");
  EXPECT_EQ(r.account, "CORP.EXAMPLE\\sato");
  EXPECT_EQ(r.source, "10.8.0.12");

  r = row(windows("Security", 4771,
                  {{"TargetUserName", "sato"}, {"IpAddress", "10.8.0.12"}, {"Status", "0x18"}}));
  EXPECT_EQ(r.outcome, "failure");

  // Logoffs and other Security events are not logons.
  EXPECT_TRUE(none(windows("Security", 4634, {{"TargetUserName", "tanaka"}})));
  EXPECT_TRUE(none(windows("Security", 4688, {{"NewProcessName", "C:\\x.exe"}})));
}

TEST(Logons, RemoteDesktop) {
  LogonRow r =
      row(windows("Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", 1149,
                  {{"Param1", "tanaka"}, {"Param2", "CORP"}, {"Param3", "203.0.113.7"}}));
  EXPECT_EQ(r.kind, "rdp");
  EXPECT_EQ(r.account, "CORP\\tanaka");
  EXPECT_EQ(r.source, "203.0.113.7");
  EXPECT_EQ(r.outcome, "success");
  r = row(windows("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 25,
                  {{"User", "CORP\\tanaka"}, {"SessionID", "3"}, {"Address", "10.8.0.10"}}));
  EXPECT_EQ(r.type, "RDP reconnect");
  EXPECT_EQ(r.source, "10.8.0.10");
  r = row(windows("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 21,
                  {{"User", "CORP\\tanaka"}, {"Address", "LOCAL"}}));
  EXPECT_EQ(r.source, "");
  // 23 is a logoff; the same id in another channel is not RDP.
  EXPECT_TRUE(none(windows("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 23,
                           {{"User", "CORP\\tanaka"}})));
  EXPECT_TRUE(none(windows("System", 1149, {{"Param1", "x"}})));
}

TEST(Logons, SshVpnAndCloud) {
  Event ssh = product("linux", "sshd",
                      {{"host", "web1"},
                       {"outcome", "failed"},
                       {"user", "root"},
                       {"src_ip", "203.0.113.7"},
                       {"auth_method", "password"}});
  LogonRow r = row(ssh);
  EXPECT_EQ(r.kind, "ssh");
  EXPECT_EQ(r.type, "ssh password");
  EXPECT_EQ(r.outcome, "failure");
  EXPECT_EQ(r.target, "web1");

  Event fail = product("fortigate", "",
                       {{"devname", "FW1"},
                        {"type", "event"},
                        {"subtype", "vpn"},
                        {"action", "ssl-login-fail"},
                        {"user", "tanaka"},
                        {"remip", "203.0.113.7"}});
  r = row(fail);
  EXPECT_EQ(r.kind, "vpn");
  EXPECT_EQ(r.outcome, "failure");
  EXPECT_EQ(r.target, "FW1");
  Event up = product("fortigate", "",
                     {{"devname", "FW1"},
                      {"type", "event"},
                      {"subtype", "vpn"},
                      {"action", "tunnel-up"},
                      {"user", "tanaka"},
                      {"remip", "203.0.113.7"},
                      {"tunnelip", "10.8.0.200"}});
  EXPECT_EQ(row(up).outcome, "success");
  Event down = product("fortigate", "",
                       {{"devname", "FW1"},
                        {"type", "event"},
                        {"subtype", "vpn"},
                        {"action", "tunnel-down"},
                        {"user", "tanaka"}});
  EXPECT_TRUE(none(down));

  Event signin = product(
      "m365", "",
      {{"Operation", "UserLoggedIn"}, {"UserId", "a@contoso.com"}, {"ClientIP", "198.51.100.4"}});
  r = row(signin);
  EXPECT_EQ(r.kind, "cloud");
  EXPECT_EQ(r.outcome, "success");
  EXPECT_EQ(r.source, "198.51.100.4");
  EXPECT_EQ(
      row(product("m365", "", {{"Operation", "UserLoginFailed"}, {"UserId", "a@contoso.com"}}))
          .outcome,
      "failure");
  EXPECT_TRUE(none(product("m365", "", {{"Operation", "FileDownloaded"}, {"UserId", "a"}})));
}

TEST(Logons, FilterByFailureAccountAndNetwork) {
  LogonRow r;
  r.account = "CORP\\Tanaka";
  r.source = "203.0.113.7";
  r.outcome = "success";
  LogonFilter f;
  EXPECT_TRUE(f.keeps(r));
  f.failed_only = true;
  EXPECT_FALSE(f.keeps(r));
  f.failed_only = false;
  f.account = "tanaka";
  EXPECT_TRUE(f.keeps(r));
  f.account = "sato";
  EXPECT_FALSE(f.keeps(r));
  f.account.clear();
  f.source = Network::parse("203.0.113.0/24");
  EXPECT_TRUE(f.keeps(r));
  f.source = Network::parse("10.0.0.0/8");
  EXPECT_FALSE(f.keeps(r));
  r.source.clear();  // no address: never in a network
  EXPECT_FALSE(f.keeps(r));
}

}  // namespace
}  // namespace tansa::survey
