// tansa's own rule pack (rules/): every rule loads, and each fires on the event it is written for
// and stays silent on its near miss.
#include <algorithm>
#include <deque>
#include <filesystem>

#include "correlate/correlator.h"
#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

class Pack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_rules({std::string(TANSA_SOURCE_DIR) + "/rules"}, {});
    rejected_ = loaded.rejected;
    set_ = RuleSet::compile(loaded.rules, {}, rejected_);
    correlations_ = loaded.correlation_rules;
  }
  // Titles of what `hunt` would show for these events (in time order): the rules' detections that
  // are not hidden by a correlation, and the correlations' own.
  static std::vector<std::string> timeline(const std::vector<EventBuilder*>& events) {
    std::vector<correlate::Rejection> rej;
    correlate::Correlator corr(set_->rules(), correlations_, rej);
    for (const auto& r : rej) ADD_FAILURE() << r.reason;
    Matcher m(*set_);
    std::vector<Detection> dets;
    for (auto* e : events) {
      std::vector<std::uint32_t> hits;
      m.match(e->event(), hits);
      for (auto h : hits) {
        Detection d;
        d.capture(e->event(), h);
        dets.push_back(std::move(d));
      }
    }
    std::stable_sort(dets.begin(), dets.end(), DetectionOrder{corr.rules()});
    std::vector<std::string> out;
    auto show = [&](Detection&& d) {
      if (!corr.suppressed(d.rule)) out.push_back(corr.rules()[d.rule].title);
    };
    for (const auto& d : dets) {
      if (!corr.suppressed(d.rule)) out.push_back(corr.rules()[d.rule].title);
      corr.add(d, show);
    }
    corr.finish(show);
    return out;
  }
  static std::vector<std::string> titles(const EventBuilder& e) {
    Matcher m(*set_);
    std::vector<std::uint32_t> hits;
    m.match(e.event(), hits);
    std::vector<correlate::Rejection> rej;
    const correlate::Correlator corr(set_->rules(), correlations_, rej);
    std::vector<std::string> out;
    for (auto h : hits)
      if (!corr.suppressed(h))
        out.push_back(set_->rules()[h].title);  // hidden by `generate: false`
    return out;
  }
  static EventBuilder security(int eid) {
    EventBuilder e;
    e.s("Channel", "Security").i("EventID", eid).s("Computer", "DC01.corp.example.com");
    return e;
  }
  static inline std::vector<Rejection> rejected_;
  static inline std::vector<std::shared_ptr<const CorrelationRule>> correlations_;
  static inline std::shared_ptr<const RuleSet> set_;
};

using V = std::vector<std::string>;

TEST_F(Pack, EveryRuleLoads) {
  for (const auto& r : rejected_) ADD_FAILURE() << r.file << ": " << r.reason;
  EXPECT_GE(set_->size(), 30u);
  EXPECT_GE(correlations_.size(), 18u);
}

// Owns the events of a correlation test.
struct Events {
  std::deque<EventBuilder> all;
  EventBuilder& add() { return all.emplace_back(); }
  std::vector<EventBuilder*> ptrs() {
    std::vector<EventBuilder*> out;
    for (auto& e : all) out.push_back(&e);
    return out;
  }
};

TEST_F(Pack, Kerberoasting) {
  Events ev;
  for (int i = 0; i < 12; ++i)
    ev.add()
        .s("Channel", "Security")
        .i("EventID", 4769)
        .s("TargetUserName", "svc_web@CORP")
        .s("ServiceName", "MSSQLSvc" + std::to_string(i))
        .s("TicketEncryptionType", "0x17")
        .at(i);
  auto t = timeline(ev.ptrs());
  EXPECT_EQ(std::count(t.begin(), t.end(), "Kerberoasting (RC4 Service Tickets for Many Services)"),
            1);
  Events aes;  // AES tickets, or few services: nothing
  for (int i = 0; i < 12; ++i)
    aes.add()
        .s("Channel", "Security")
        .i("EventID", 4769)
        .s("TargetUserName", "svc_web@CORP")
        .s("ServiceName", "MSSQLSvc" + std::to_string(i))
        .s("TicketEncryptionType", "0x12")
        .at(i);
  EXPECT_EQ(timeline(aes.ptrs()), V{});
}

TEST_F(Pack, PasswordSprayingAndGuessedPassword) {
  Events spray;
  for (int i = 0; i < 10; ++i)
    spray.add()
        .s("Channel", "Security")
        .i("EventID", 4625)
        .s("IpAddress", "10.9.9.9")
        .s("TargetUserName", "user" + std::to_string(i))
        .at(i * 10);
  auto t = timeline(spray.ptrs());
  EXPECT_EQ(t, V{"Password Spraying (One Address, Many Accounts)"});
  Events guess;
  for (int i = 0; i < 5; ++i)
    guess.add()
        .s("Channel", "Security")
        .i("EventID", 4625)
        .s("IpAddress", "10.9.9.9")
        .s("TargetUserName", "tanaka")
        .at(i * 10);
  guess.add()
      .s("Channel", "Security")
      .i("EventID", 4624)
      .i("LogonType", 3)
      .s("IpAddress", "10.0.0.9")
      .s("TargetUserName", "tanaka")
      .at(100);
  EXPECT_EQ(timeline(guess.ptrs()), (V{"Burst of Failed Windows Logons for One Account",
                                       "Windows Logon Succeeded After a Burst of Failures"}));
  Events one_failure;  // a single failed logon, then a success: nothing
  one_failure.add().s("Channel", "Security").i("EventID", 4625).s("TargetUserName", "tanaka").at(1);
  one_failure.add()
      .s("Channel", "Security")
      .i("EventID", 4624)
      .i("LogonType", 2)
      .s("TargetUserName", "tanaka")
      .at(2);
  EXPECT_EQ(timeline(one_failure.ptrs()), V{});
}

TEST_F(Pack, AccountCreatedThenMadePrivileged) {
  Events ev;
  ev.add()
      .s("Channel", "Security")
      .i("EventID", 4720)
      .s("TargetUserName", "support2")
      .s("TargetSid", "S-1-5-21-1-2-3-1500")
      .at(10);
  ev.add()
      .s("Channel", "Security")
      .i("EventID", 4728)
      .s("TargetUserName", "Domain Admins")
      .s("TargetSid", "S-1-5-21-1-2-3-512")
      .s("MemberSid", "S-1-5-21-1-2-3-1500")
      .at(70);
  EXPECT_EQ(timeline(ev.ptrs()), (V{"User Account Created", "Member Added to a Privileged Group",
                                    "Account Created and Made Privileged"}));
  Events other;  // a different account added: the two single rules only
  other.add()
      .s("Channel", "Security")
      .i("EventID", 4720)
      .s("TargetSid", "S-1-5-21-1-2-3-1500")
      .at(10);
  other.add()
      .s("Channel", "Security")
      .i("EventID", 4728)
      .s("TargetUserName", "Domain Admins")
      .s("MemberSid", "S-1-5-21-1-2-3-1111")
      .at(70);
  EXPECT_EQ(timeline(other.ptrs()),
            (V{"User Account Created", "Member Added to a Privileged Group"}));
}

TEST_F(Pack, SshGuessingThenSuccess) {
  Events ev;
  for (int i = 0; i < 5; ++i)
    ev.add()
        .logsource("linux", "sshd")
        .s("outcome", "failed")
        .s("src_ip", "203.0.113.7")
        .s("user", "root")
        .at(i);
  ev.add()
      .logsource("linux", "sshd")
      .s("outcome", "accepted")
      .s("src_ip", "203.0.113.7")
      .s("user", "deploy")
      .at(60);
  EXPECT_EQ(timeline(ev.ptrs()), (V{"SSH Failures From One Address",
                                    "SSH Login Accepted From an Address That Was Guessing"}));
  Events other_ip;
  for (int i = 0; i < 5; ++i)
    other_ip.add()
        .logsource("linux", "sshd")
        .s("outcome", "failed")
        .s("src_ip", "203.0.113.7")
        .at(i);
  other_ip.add()
      .logsource("linux", "sshd")
      .s("outcome", "accepted")
      .s("src_ip", "198.51.100.1")
      .s("user", "deploy")
      .at(60);
  EXPECT_EQ(timeline(other_ip.ptrs()), V{"SSH Failures From One Address"});
}

TEST_F(Pack, VpnGuessingThenTunnel) {
  auto fail = [](Events& ev, const char* ip, int t) {
    ev.add()
        .logsource("fortigate", "event")
        .s("subtype", "vpn")
        .s("action", "ssl-login-fail")
        .s("remip", ip)
        .at(t);
  };
  auto up = [](Events& ev, const char* ip, int t) {
    ev.add()
        .logsource("fortigate", "event")
        .s("subtype", "vpn")
        .s("action", "tunnel-up")
        .s("remip", ip)
        .at(t);
  };
  const std::string failed = "FortiGate SSL VPN Login Failed",
                    tunnel = "FortiGate SSL VPN Tunnel Established",
                    burst = "FortiGate VPN Login Failures From One Address",
                    guessed = "FortiGate VPN Tunnel After Failed Logins From the Same Address";
  Events typo;  // one mistyped password, then the tunnel: not guessing
  fail(typo, "192.0.2.11", 1);
  up(typo, "192.0.2.11", 30);
  EXPECT_EQ(timeline(typo.ptrs()), (V{failed, tunnel}));
  Events other;  // failures from one address, tunnel from another
  for (int i = 0; i < 3; ++i) fail(other, "203.0.113.7", i);
  up(other, "198.51.100.4", 30);
  EXPECT_EQ(timeline(other.ptrs()), (V{failed, failed, failed, burst, tunnel}));
  Events ev;
  for (int i = 0; i < 3; ++i) fail(ev, "203.0.113.7", i);
  up(ev, "203.0.113.7", 30);
  EXPECT_EQ(timeline(ev.ptrs()), (V{failed, failed, failed, burst, tunnel, guessed}));
}

TEST_F(Pack, LargeOutboundTransferAndMassReads) {
  Events ev;
  for (int i = 0; i < 3; ++i)
    ev.add()
        .logsource("zeek", "conn")
        .s("id.orig_h", "10.0.0.10")
        .s("id.resp_h", "198.51.100.99")
        .i("orig_bytes", 400000000)
        .at(i * 60);
  ev.add()
      .logsource("zeek", "conn")
      .s("id.orig_h", "10.0.0.10")
      .s("id.resp_h", "10.0.0.20")
      .i("orig_bytes", 4000000000)
      .at(5);  // internal: ignored
  EXPECT_EQ(timeline(ev.ptrs()), V{"Large Outbound Transfer to One External Address"});
  Events share;
  for (int i = 0; i < 500; ++i)
    share.add()
        .s("Channel", "Security")
        .i("EventID", 5145)
        .s("SubjectUserName", "tanaka")
        .s("ShareName", "\\\\*\\SatelliteDesign")
        .s("RelativeTargetName", "doc" + std::to_string(i) + ".pdf")
        .at(i);
  EXPECT_EQ(timeline(share.ptrs()), V{"One Account Reading Many Files on a Share"});
  Events m365;
  for (int i = 0; i < 100; ++i)
    m365.add()
        .logsource("m365", "audit")
        .s("Operation", "FileDownloaded")
        .s("UserId", "tanaka@example.com")
        .s("ObjectId", "https://contoso.sharepoint.com/sites/Rocket/f" + std::to_string(i))
        .at(i);
  EXPECT_EQ(timeline(m365.ptrs()), V{"Microsoft 365 Mass File Download by One Account"});
  Events few;  // 99 files, or the same file 100 times: nothing
  for (int i = 0; i < 100; ++i)
    few.add()
        .logsource("m365", "audit")
        .s("Operation", "FileDownloaded")
        .s("UserId", "tanaka@example.com")
        .s("ObjectId", "https://contoso.sharepoint.com/sites/Rocket/same")
        .at(i);
  EXPECT_EQ(timeline(few.ptrs()), V{});
  Events mail;
  for (int i = 0; i < 50; ++i)
    mail.add()
        .logsource("m365", "exchange")
        .s("Operation", "MailItemsAccessed")
        .s("UserId", "ceo@example.com")
        .at(i);
  EXPECT_EQ(timeline(mail.ptrs()), V{"Microsoft 365 Mail Read in Bulk by One Account"});
  Events reads;  // 499 files on the share: nothing
  for (int i = 0; i < 499; ++i)
    reads.add()
        .s("Channel", "Security")
        .i("EventID", 5145)
        .s("SubjectUserName", "tanaka")
        .s("ShareName", "x")
        .s("RelativeTargetName", "f" + std::to_string(i))
        .at(i);
  EXPECT_EQ(timeline(reads.ptrs()), V{});
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

TEST_F(Pack, AuditPolicyServicesAndLogonType9) {
  EXPECT_EQ(titles(security(4719)), V{"System Audit Policy Changed"});
  EventBuilder svc;
  svc.s("Channel", "System").i("EventID", 7045).s("Provider_Name", "Service Control Manager");
  EXPECT_EQ(titles(svc), V{"Service Installed"});
  EXPECT_EQ(titles(security(4697)), V{"Service Installed"});
  EventBuilder other_7045;  // same EventID from another provider
  other_7045.s("Channel", "System").i("EventID", 7045).s("Provider_Name", "Something Else");
  EXPECT_EQ(titles(other_7045), V{});
  auto t9 = security(4624);
  t9.i("LogonType", 9).s("LogonProcessName", "seclogo").s("IpAddress", "::1");
  EXPECT_EQ(titles(t9), V{"Logon With New Credentials (Logon Type 9)"});
  auto t2 = security(4624);
  t2.i("LogonType", 2).s("LogonProcessName", "User32").s("IpAddress", "127.0.0.1");
  EXPECT_EQ(titles(t2), V{});
}

TEST_F(Pack, NegativesForSingleRules) {
  EventBuilder sys_other;  // 104 from another provider is not a log clear
  sys_other.s("Channel", "System").i("EventID", 104).s("Provider_Name", "Other");
  EXPECT_EQ(titles(sys_other), V{});
  EventBuilder ntds_benign;
  ntds_benign.s("Channel", "Microsoft-Windows-Sysmon/Operational")
      .i("EventID", 1)
      .s("CommandLine", "ntdsutil /?");
  EXPECT_EQ(titles(ntds_benign), V{});
  EventBuilder user_ok;
  user_ok.logsource("linux", "sshd").s("outcome", "accepted").s("user", "deploy");
  EXPECT_EQ(titles(user_ok), V{});  // only root logins are flagged on their own
  EventBuilder admin;
  admin.logsource("fortigate", "event")
      .s("subtype", "system")
      .s("action", "login")
      .s("status", "success");
  EXPECT_EQ(titles(admin), V{"FortiGate Administrator Login"});
  EventBuilder admin_fail;
  admin_fail.logsource("fortigate", "event")
      .s("subtype", "system")
      .s("action", "login")
      .s("status", "failed");
  EXPECT_EQ(titles(admin_fail), V{});
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

// tansa's first_seen extension in the pack: a value new for the account once it has history.
TEST_F(Pack, VpnFromNewCountryAndAddress) {
  auto tunnel = [](Events& ev, const char* user, const char* ip, const char* country, int t) {
    ev.add()
        .logsource("fortigate", "event")
        .s("subtype", "vpn")
        .s("action", "tunnel-up")
        .s("user", user)
        .s("remip", ip)
        .s("srccountry", country)
        .at(t);
  };
  Events ev;
  for (int i = 0; i < 3; ++i) tunnel(ev, "tanaka", "198.51.100.4", "Japan", i * 86400);
  tunnel(ev, "tanaka", "203.0.113.7", "Netherlands", 4 * 86400);
  tunnel(ev, "suzuki", "203.0.113.7", "Netherlands", 4 * 86400 + 60);  // suzuki's first: no history
  const std::string up = "FortiGate SSL VPN Tunnel Established";
  EXPECT_EQ(timeline(ev.ptrs()),
            (V{up, up, up, up, "VPN Login From a Country Never Seen for the Account",
               "VPN Login From an Address Never Seen for the Account", up}));
  Events same;  // the usual country and address every time: nothing but the tunnels
  for (int i = 0; i < 5; ++i) tunnel(same, "tanaka", "198.51.100.4", "Japan", i * 86400);
  EXPECT_EQ(timeline(same.ptrs()), V(5, up));
}

TEST_F(Pack, SshNewKeyThenSudo) {
  auto login = [](Events& ev, const char* user, const char* ip, const char* key, int t) {
    ev.add()
        .logsource("linux", "sshd")
        .s("outcome", "accepted")
        .s("auth_method", "publickey")
        .s("user", user)
        .s("src_ip", ip)
        .s("key_fingerprint", key)
        .at(t);
  };
  auto sudo = [](Events& ev, const char* user, int t) {
    ev.add()
        .logsource("linux", "sudo")
        .s("outcome", "sudo")
        .s("user", user)
        .s("sudo_target_user", "root")
        .s("sudo_command", "/usr/bin/cat /etc/shadow")
        .at(t);
  };
  Events ev;
  login(ev, "deploy", "10.0.0.5", "SHA256:old", 0);
  sudo(ev, "deploy", 60);  // the usual key: no correlation
  login(ev, "deploy", "10.0.0.99", "SHA256:planted", 86400);
  sudo(ev, "deploy", 86400 + 120);
  EXPECT_EQ(timeline(ev.ptrs()),
            (V{"SSH Login With a Key or From an Address Never Seen for the Account",
               "sudo After an SSH Login With a New Key or From a New Address"}));
  Events late;  // new key, but sudo two hours later: outside the window
  login(late, "deploy", "10.0.0.5", "SHA256:old", 0);
  login(late, "deploy", "10.0.0.5", "SHA256:planted", 86400);
  sudo(late, "deploy", 86400 + 7200);
  EXPECT_EQ(timeline(late.ptrs()),
            V{"SSH Login With a Key or From an Address Never Seen for the Account"});
  Events known;  // the usual key and address, then sudo: nothing
  login(known, "deploy", "10.0.0.5", "SHA256:old", 0);
  login(known, "deploy", "10.0.0.5", "SHA256:old", 86400);
  sudo(known, "deploy", 86400 + 60);
  EXPECT_EQ(timeline(known.ptrs()), V{});
}

TEST_F(Pack, NtlmFromNewSource) {
  auto logons = [](Events& ev, const char* package) {
    auto logon = [&](const char* user, const char* ip, const char* ws, int t) {
      ev.add()
          .s("Channel", "Security")
          .i("EventID", 4624)
          .i("LogonType", 3)
          .s("AuthenticationPackageName", package)
          .s("TargetUserName", user)
          .s("IpAddress", ip)
          .s("WorkstationName", ws)
          .at(t);
    };
    for (int i = 0; i < 3; ++i) logon("tanaka", "10.1.2.3", "PC-TANAKA", i * 3600);
    logon("tanaka", "10.8.0.77", "KALI", 4 * 3600);
    logon("FS1$", "10.8.0.77", "KALI", 5 * 3600);  // machine accounts are not judged
  };
  Events ntlm;
  logons(ntlm, "NTLM");
  EXPECT_EQ(timeline(ntlm.ptrs()),
            V{"NTLM Network Logon From a Source Never Seen for the Account"});
  Events kerberos;  // the same logons by Kerberos: nothing
  logons(kerberos, "Kerberos");
  EXPECT_EQ(timeline(kerberos.ptrs()), V{});
}

TEST_F(Pack, M365FromNewAddress) {
  Events ev;
  for (int i = 0; i < 3; ++i)
    ev.add()
        .logsource("m365", "")
        .s("Operation", "UserLoggedIn")
        .s("UserId", "tanaka@contoso.com")
        .s("ClientIP", "198.51.100.4")
        .at(i * 3600);
  ev.add()
      .logsource("m365", "")
      .s("Operation", "FileDownloaded")
      .s("UserId", "tanaka@contoso.com")
      .s("ClientIP", "203.0.113.7")
      .s("ObjectId", "https://contoso.sharepoint.com/sites/Rocket/a.docx")
      .at(4 * 3600);
  EXPECT_EQ(timeline(ev.ptrs()),
            V{"Microsoft 365 Access From an Address Never Seen for the Account"});
}

}  // namespace
}  // namespace tansa::sigma::testing
