// tansa's own rule pack (rules/): every rule loads, and each fires on the event it is written for
// and stays silent on its near miss.
#include <filesystem>

#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

class Pack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_rules({std::string(TANSA_SOURCE_DIR) + "/rules"}, {});
    rejected_ = loaded.rejected;
    set_ = RuleSet::compile(loaded.rules, {}, rejected_);
  }
  static std::vector<std::string> titles(const EventBuilder& e) {
    Matcher m(*set_);
    std::vector<std::uint32_t> hits;
    m.match(e.event(), hits);
    std::vector<std::string> out;
    for (auto h : hits) out.push_back(set_->rules()[h].title);
    return out;
  }
  static EventBuilder security(int eid) {
    EventBuilder e;
    e.s("Channel", "Security").i("EventID", eid).s("Computer", "DC01.corp.example.com");
    return e;
  }
  static inline std::vector<Rejection> rejected_;
  static inline std::shared_ptr<const RuleSet> set_;
};

using V = std::vector<std::string>;

TEST_F(Pack, EveryRuleLoads) {
  for (const auto& r : rejected_) ADD_FAILURE() << r.file << ": " << r.reason;
  EXPECT_GE(set_->size(), 17u);
}

TEST_F(Pack, LogClearing) {
  EXPECT_EQ(titles(security(1102)), V{"Security Event Log Cleared"});
  EventBuilder sys;
  sys.s("Channel", "System").i("EventID", 104).s("Provider_Name", "Microsoft-Windows-Eventlog");
  EXPECT_EQ(titles(sys), V{"System Event Log Cleared"});
  EventBuilder other;
  other.s("Channel", "Application").i("EventID", 1102);
  EXPECT_EQ(titles(other), V{});
}

TEST_F(Pack, PrivilegedGroups) {
  auto add = security(4728);
  add.s("TargetUserName", "Domain Admins").s("MemberName", "CN=eve");
  EXPECT_EQ(titles(add), V{"Member Added to a Privileged Group"});
  auto by_sid = security(4732);
  by_sid.s("TargetUserName", "Administratoren").s("TargetSid", "S-1-5-32-544");
  EXPECT_EQ(titles(by_sid), V{"Member Added to a Privileged Group"});
  auto plain = security(4728);
  plain.s("TargetUserName", "Printers").s("TargetSid", "S-1-5-21-1-2-3-1201");
  EXPECT_EQ(titles(plain), V{});
}

TEST_F(Pack, LogonsFromPublicAddresses) {
  auto rdp = security(4624);
  rdp.i("LogonType", 10).s("IpAddress", "203.0.113.7");
  EXPECT_EQ(titles(rdp), V{"Remote Desktop Logon From a Public Address"});
  auto rdp_lan = security(4624);
  rdp_lan.i("LogonType", 10).s("IpAddress", "10.1.2.3");
  EXPECT_EQ(titles(rdp_lan), V{});
  auto net = security(4625);
  net.i("LogonType", 3).s("IpAddress", "198.51.100.20");
  EXPECT_EQ(titles(net), V{"Network Logon From a Public Address"});
  auto local = security(4624);
  local.i("LogonType", 3).s("IpAddress", "-");
  EXPECT_EQ(titles(local), V{});
}

TEST_F(Pack, DcSync) {
  auto e = security(4662);
  e.s("SubjectUserName", "svc_backup")
      .s("Properties", "%%7688 {1131f6aa-9c07-11d1-f79f-00c04fc2dcd2}");
  EXPECT_EQ(titles(e), V{"Directory Replication Requested by a User Account (DCSync)"});
  auto dc = security(4662);
  dc.s("SubjectUserName", "DC02$").s("Properties", "%%7688 {1131f6aa-9c07-11d1-f79f-00c04fc2dcd2}");
  EXPECT_EQ(titles(dc), V{});
}

TEST_F(Pack, NtdsCopyOnSysmonAndOnSecurity4688) {
  EventBuilder s;
  s.s("Channel", "Microsoft-Windows-Sysmon/Operational")
      .i("EventID", 1)
      .s("CommandLine", "ntdsutil \"ac i ntds\" ifm \"create full c:\\temp\" q q");
  EXPECT_EQ(titles(s), V{"Active Directory Database Copied"});
  auto sec = security(4688);
  sec.s("NewProcessName", "C:\\Windows\\System32\\cmd.exe")
      .s("CommandLine",
         "cmd /c copy "
         "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\Windows\\NTDS\\ntds.dit C:\\x");
  EXPECT_EQ(titles(sec), V{"Active Directory Database Copied"});
}

TEST_F(Pack, LinuxAuth) {
  EventBuilder root;
  root.logsource("linux", "sshd")
      .s("outcome", "accepted")
      .s("user", "root")
      .s("src_ip", "203.0.113.7");
  EXPECT_EQ(titles(root), V{"SSH Login as root Accepted"});
  EventBuilder invalid;
  invalid.logsource("linux", "sshd").s("outcome", "invalid_user").s("user", "oracle");
  EXPECT_EQ(titles(invalid), V{"SSH Login Attempt for a User That Does Not Exist"});
  EventBuilder sudo;
  sudo.logsource("linux", "sudo").s("sudo_target_user", "root").s("sudo_command", "/bin/bash");
  EXPECT_EQ(titles(sudo), V{"Shell Started as root Through sudo"});
  EventBuilder sudo_ls;
  sudo_ls.logsource("linux", "sudo")
      .s("sudo_target_user", "root")
      .s("sudo_command", "/usr/bin/ls /root");
  EXPECT_EQ(titles(sudo_ls), V{});
}

TEST_F(Pack, FortiGate) {
  EventBuilder fail;
  fail.logsource("fortigate", "event")
      .s("subtype", "vpn")
      .s("action", "ssl-login-fail")
      .s("user", "tanaka");
  EXPECT_EQ(titles(fail), V{"FortiGate SSL VPN Login Failed"});
  EventBuilder up;
  up.logsource("fortigate", "event")
      .s("subtype", "vpn")
      .s("action", "tunnel-up")
      .s("remip", "203.0.113.7");
  EXPECT_EQ(titles(up), V{"FortiGate SSL VPN Tunnel Established"});
  EventBuilder admin;
  admin.logsource("fortigate", "event")
      .s("subtype", "system")
      .s("cfgpath", "system.admin")
      .s("action", "Add");
  EXPECT_EQ(titles(admin), V{"FortiGate Administrator Account Created"});
  // The same fields from a Windows event must not match FortiGate rules.
  EventBuilder win;
  win.s("Channel", "Security").s("subtype", "vpn").s("action", "tunnel-up");
  EXPECT_EQ(titles(win), V{});
}

}  // namespace
}  // namespace tansa::sigma::testing
