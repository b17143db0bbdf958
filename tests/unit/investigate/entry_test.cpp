// How the intruder got in (judge_entry) and what let it (judge_weaknesses), on hand-built
// intrusions and tiny case databases. Each vector is recognised from what came before the access,
// and the must-nots hold: a mistyped password is no guessing, a second session of a known account
// from a known address is no new wave, an administrator at an admin host is no weakness, and
// without an intrusion nothing claims one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "investigate/casedb.h"
#include "investigate/judge.h"

namespace tansa::investigate {
namespace {

constexpr std::int64_t H = kHour;
constexpr std::int64_t M = kHour / 60;

Assets assets(const std::string& extra = "") {
  auto a = parse_assets(R"(
internal_networks: [10.0.0.0/8]
domain_controllers: [DC1]
vpn_pool: [10.8.0.0/16]
admin_hosts: [JUMP1]
gap_threshold: 12h
sensitive:
  - name: designs
    shares: ['\\FS1\Designs']
    hosts: [FS1]
  - name: firmware
    paths: ['/srv/firmware/**']
    hosts: [build01]
)" + extra);
  EXPECT_TRUE(a) << a.error();
  return a ? *a : Assets{};
}

std::uint64_t next_position = 1;

Fact fact(FactKind kind, std::int64_t t) {
  Fact f;
  f.kind = kind;
  f.time_ns = t;
  f.source = SourceRef{0, SourceRef::Kind::Line, next_position++};
  return f;
}

Fact vpn(VpnEvent what, std::int64_t t, const std::string& user, const std::string& ip,
         const std::string& country = "Netherlands") {
  Fact f = fact(FactKind::Vpn, t);
  f.host = "FW1";
  f.channel = "fortigate:vpn";
  f.outcome = vpn_event_word(what);
  f.user = user;
  f.src_ip = ip;
  f.dst_ip = what == VpnEvent::LoginFailed ? "" : "10.8.0.200";
  f.extra = country;
  return f;
}

Fact ssh(std::int64_t t, const std::string& user, const std::string& ip, bool ok,
         const std::string& key = "") {
  Fact f = fact(FactKind::Logon, t);
  f.host = "build01";
  f.channel = "sshd";
  f.outcome = ok ? "success" : "failure";
  f.user = user;
  f.src_ip = ip;
  f.detail = key;
  return f;
}

Fact windows_logon(std::int64_t t, const std::string& host, const std::string& user, int type,
                   const std::string& ip, const std::string& ws) {
  Fact f = fact(FactKind::Logon, t);
  f.host = host;
  f.channel = "Security";
  f.event_id = 4624;
  f.outcome = "success";
  f.user = user;
  f.logon_type = type;
  f.src_ip = ip;
  f.workstation = ws;
  return f;
}

class Db {
 public:
  explicit Db(const std::vector<Fact>& facts) {
    path_ = std::filesystem::temp_directory_path() /
            ("tansa_entry_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n_) + ".db");
    auto db = CaseDb::create(path_.string());
    EXPECT_TRUE(db) << db.error();
    db_ = std::move(*db);
    db_->add_facts(facts);
    auto done = db_->finish_loading();
    EXPECT_TRUE(done) << done.error();
  }
  ~Db() {
    db_.reset();
    std::filesystem::remove(path_);
  }
  const CaseDb& operator*() const { return *db_; }

 private:
  static inline int n_ = 0;
  std::filesystem::path path_;
  std::unique_ptr<CaseDb> db_;
};

// An intrusion as tracing leaves it: the given external sources, from `first` to `last`.
Intrusion intrusion(std::int64_t first, std::int64_t last, std::vector<std::string> sources) {
  Intrusion x;
  x.input_first = 0;
  x.input_last = 200 * H;
  x.first = first;
  x.last = last;
  x.access = true;
  for (const auto& ip : sources) x.sources[ip].name = ip;
  return x;
}

std::vector<EntryPoint> entries(const Intrusion& x, const std::vector<Fact>& facts,
                                const std::vector<Stream>& streams = {},
                                const std::vector<TaggedDetection>& detections = {},
                                const Assets& a = assets()) {
  Db db(facts);
  auto out = judge_entry(x, *db, a, streams, detections);
  EXPECT_TRUE(out) << out.error();
  return out ? *out : std::vector<EntryPoint>{};
}

// --- initial access ----------------------------------------------------------------------------

TEST(JudgeEntry, FailedVpnLoginsThenASessionIsPasswordGuessing) {
  std::vector<Fact> facts;
  for (int i = 0; i < 4; ++i)
    facts.push_back(vpn(VpnEvent::LoginFailed, 10 * H + i * M, "tanaka", "203.0.113.9"));
  facts.push_back(vpn(VpnEvent::SessionStart, 10 * H + 6 * M, "tanaka", "203.0.113.9"));
  const auto out = entries(intrusion(10 * H, 20 * H, {"203.0.113.9"}), facts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::VpnPasswordGuessing);
  EXPECT_EQ(out[0].time, 10 * H + 6 * M);
  EXPECT_EQ(out[0].via_host, "FW1");
  EXPECT_EQ(out[0].account, "tanaka");
  EXPECT_EQ(out[0].source.address, "203.0.113.9");
  EXPECT_EQ(out[0].source.country, "Netherlands");
  EXPECT_EQ(out[0].source.country_from, "log");
  EXPECT_EQ(out[0].evidence.size(), 5u);
  EXPECT_NE(out[0].reason.find("4 failed VPN logins"), std::string::npos) << out[0].reason;
}

TEST(JudgeEntry, OneMistypedPasswordIsNoGuessing) {
  const std::vector<Fact> facts = {
      vpn(VpnEvent::LoginFailed, 10 * H, "tanaka", "203.0.113.9"),
      vpn(VpnEvent::SessionStart, 10 * H + M, "tanaka", "203.0.113.9")};
  const auto out = entries(intrusion(10 * H, 20 * H, {"203.0.113.9"}), facts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::VpnValidAccount);
  EXPECT_NE(out[0].reason.find("too few for guessing"), std::string::npos) << out[0].reason;
}

TEST(JudgeEntry, FailuresLongBeforeDoNotMakeGuessing) {
  std::vector<Fact> facts;
  for (int i = 0; i < 5; ++i)
    facts.push_back(vpn(VpnEvent::LoginFailed, 10 * H + i * M, "tanaka", "203.0.113.9"));
  facts.push_back(vpn(VpnEvent::SessionStart, 60 * H, "tanaka", "203.0.113.9"));
  const auto out = entries(intrusion(10 * H, 70 * H, {"203.0.113.9"}), facts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::VpnValidAccount);
}

TEST(JudgeEntry, EachWaveIsANewAddressOrANewAccountInTimeOrder) {
  std::vector<Fact> facts;
  for (int i = 0; i < 3; ++i)
    facts.push_back(vpn(VpnEvent::LoginFailed, 10 * H + i * M, "tanaka", "203.0.113.9"));
  facts.push_back(vpn(VpnEvent::SessionStart, 10 * H + 5 * M, "tanaka", "203.0.113.9"));
  // The same account from the same address: the same wave.
  facts.push_back(vpn(VpnEvent::SessionStart, 30 * H, "tanaka", "203.0.113.9"));
  // Another account from the same address, then an address of its own.
  facts.push_back(vpn(VpnEvent::SessionStart, 60 * H, "sato", "203.0.113.9"));
  facts.push_back(vpn(VpnEvent::SessionStart, 90 * H, "backup_adm", "198.51.100.7", "Romania"));
  const auto out = entries(intrusion(10 * H, 100 * H, {"203.0.113.9", "198.51.100.7"}), facts);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].vector, EntryVector::VpnPasswordGuessing);
  EXPECT_EQ(out[1].vector, EntryVector::VpnValidAccount);
  EXPECT_EQ(out[1].account, "sato");
  EXPECT_EQ(out[1].time, 60 * H);
  EXPECT_EQ(out[2].account, "backup_adm");
  EXPECT_EQ(out[2].source.country, "Romania");
}

TEST(JudgeEntry, NoAccessMeansNoEntry) {
  std::vector<Fact> facts;
  for (int i = 0; i < 6; ++i)
    facts.push_back(vpn(VpnEvent::LoginFailed, 10 * H + i * M, "tanaka", "203.0.113.9"));
  Intrusion x = intrusion(10 * H, 11 * H, {"203.0.113.9"});
  x.access = false;
  EXPECT_TRUE(entries(x, facts).empty());
  EXPECT_TRUE(entries(Intrusion{}, facts).empty());
}

TEST(JudgeEntry, AnIntrusionWithoutAVisibleStartIsUnknownAndSaysWhichLogStartsLate) {
  Intrusion x = intrusion(10 * H, 50 * H, {});
  Entity dc;
  dc.name = "DC1";
  dc.evidence.push_back(Evidence{10 * H, SourceRef{0, SourceRef::Kind::Record, 9},
                                 "4624 logon type 3 by tanaka from 10.8.0.9 on DC1"});
  x.hosts["dc1"] = dc;
  const std::vector<Stream> streams = {
      Stream{"FW1", "fortigate:event", 10, {{30 * H, 100 * H}}, {}, {}},
      Stream{"DC1.corp.example", "Security", 10, {{0, 100 * H}}, {}, {}}};
  // A later session of the intruder is an entry, but not the first one.
  const std::vector<Fact> facts = {vpn(VpnEvent::SessionStart, 40 * H, "tanaka", "203.0.113.9")};
  x.sources["203.0.113.9"].name = "203.0.113.9";
  const auto out = entries(x, facts, streams);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].vector, EntryVector::Unknown);
  EXPECT_EQ(out[0].time, 10 * H);
  EXPECT_NE(out[0].reason.find("no fortigate:event log from FW1 before"), std::string::npos)
      << out[0].reason;
  EXPECT_EQ(out[0].evidence.size(), 1u);
  EXPECT_EQ(out[1].vector, EntryVector::VpnValidAccount);
}

TEST(JudgeEntry, SshWithAKeyNeverSeenForTheAccountIsAValidAccount) {
  const std::vector<Fact> facts = {ssh(5 * H, "deploy", "10.0.3.10", true, "SHA256:ci"),
                                   ssh(20 * H, "deploy", "203.0.113.150", true, "SHA256:planted")};
  const auto out = entries(intrusion(20 * H, 30 * H, {"203.0.113.150"}), facts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::SshValidAccount);
  EXPECT_EQ(out[0].via_host, "build01");
  EXPECT_NE(out[0].reason.find("key never seen"), std::string::npos) << out[0].reason;
}

TEST(JudgeEntry, SshGuessingCountsFailuresForOtherNamesFromTheSameAddress) {
  std::vector<Fact> facts;
  for (int i = 0; i < 6; ++i)
    facts.push_back(ssh(10 * H + i * M, i % 2 ? "root" : "admin", "203.0.113.150", false));
  facts.push_back(ssh(10 * H + 10 * M, "deploy", "203.0.113.150", true));
  const auto out = entries(intrusion(10 * H, 30 * H, {"203.0.113.150"}), facts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::SshPasswordGuessing);
  EXPECT_EQ(out[0].account, "deploy");
  EXPECT_NE(out[0].reason.find("admin, root"), std::string::npos) << out[0].reason;
}

TEST(JudgeEntry, RemoteDesktopFromAPublicAddressIsRdpExposed) {
  const std::vector<Fact> facts = {
      windows_logon(10 * H, "TS1.corp.example", "sato", 10, "203.0.113.20", "KALI")};
  const auto out = entries(intrusion(10 * H, 30 * H, {"203.0.113.20"}), facts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::RdpExposed);
  EXPECT_EQ(out[0].via_host, "TS1");
}

TEST(JudgeEntry, ACloudSignInFromANewAddressLeadsButNotFromAnAddressAlreadyIn) {
  Fact cloud = fact(FactKind::Cloud, 10 * H);
  cloud.host = "m365";
  cloud.outcome = "UserLoggedIn";
  cloud.user = "ueda@contoso.com";
  cloud.src_ip = "198.51.100.44";
  Fact again = cloud;
  again.source.position = next_position++;
  again.time_ns = 12 * H + M;
  again.src_ip = "203.0.113.9";
  const std::vector<Fact> facts = {
      cloud, vpn(VpnEvent::SessionStart, 12 * H, "sato", "203.0.113.9"), again};
  const auto out = entries(intrusion(10 * H, 30 * H, {"198.51.100.44", "203.0.113.9"}), facts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].vector, EntryVector::CloudAccount);
  EXPECT_EQ(out[0].account, "ueda@contoso.com");
  EXPECT_EQ(out[1].vector, EntryVector::VpnValidAccount);
}

TEST(JudgeEntry, SignsOnTheApplianceBeforeAnUnguessedSessionAreAnExploit) {
  const std::vector<Fact> facts = {vpn(VpnEvent::SessionStart, 50 * H, "ito", "203.0.113.9")};
  TaggedDetection admin{DetectionRef{"r1", "Administrator Account Created", "high", "FW1", 40 * H,
                                     SourceRef{0, SourceRef::Kind::Line, 999}},
                        {"attack.persistence", "attack.t1136"}};
  auto out = entries(intrusion(50 * H, 60 * H, {"203.0.113.9"}), facts, {}, {admin});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::VpnApplianceExploit);
  EXPECT_EQ(out[0].evidence.size(), 2u);
  // Must not: a detection of the logins themselves, or one on another host, or long before.
  TaggedDetection brute = admin;
  brute.tags = {"attack.credential-access", "attack.t1110"};
  TaggedDetection elsewhere = admin;
  elsewhere.ref.host = "DC1";
  TaggedDetection old = admin;
  old.ref.time_ns = 50 * H - 8 * 24 * H;
  out = entries(intrusion(50 * H, 60 * H, {"203.0.113.9"}), facts, {}, {brute, elsewhere, old});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vector, EntryVector::VpnValidAccount);
}

// --- weaknesses --------------------------------------------------------------------------------

struct WeaknessCase {
  Intrusion x;
  std::vector<Fact> facts;
  std::vector<Stream> streams;
  std::vector<TaggedDetection> detections;
  std::vector<EntryPoint> entries;
  std::vector<TamperFinding> tampering;
  EgressFinding egress;
  Assets assets = tansa::investigate::assets();

  std::vector<Weakness> judge() {
    egress.flow_logs = egress.flow_logs || !x.found();
    Db db(facts);
    WeaknessInput in;
    in.intrusion = &x;
    in.db = &*db;
    in.assets = &assets;
    in.streams = &streams;
    in.detections = &detections;
    in.entries = &entries;
    in.tampering = &tampering;
    in.egress = &egress;
    in.input_last = 200 * H;
    auto out = judge_weaknesses(in);
    EXPECT_TRUE(out) << out.error();
    return out ? *out : std::vector<Weakness>{};
  }
};

// A copy: the list is often a temporary.
std::optional<Weakness> find(const std::vector<Weakness>& all, WeaknessKind k) {
  for (const Weakness& w : all)
    if (w.kind == k) return w;
  return std::nullopt;
}

WeaknessCase with_intrusion() {
  WeaknessCase c;
  c.x = intrusion(10 * H, 50 * H, {"203.0.113.9"});
  c.x.sources["203.0.113.9"].evidence.push_back(
      Evidence{10 * H, SourceRef{0, SourceRef::Kind::Line, 1}, "VPN login failed"});
  c.egress.flow_logs = true;
  return c;
}

TEST(JudgeWeaknesses, EveryKindComesWithEvidenceAndAdvice) {
  WeaknessCase c = with_intrusion();
  EntryPoint e;
  e.vector = EntryVector::VpnPasswordGuessing;
  e.account = "tanaka";
  e.via_host = "FW1";
  e.time = 10 * H + 5 * M;
  e.evidence = {Evidence{10 * H, {}, "fail"}, Evidence{10 * H + 5 * M, {}, "session"}};
  c.entries = {e};
  c.detections = {TaggedDetection{DetectionRef{"k", "Kerberoasting", "high", "DC1", 11 * H, {}},
                                  {"attack.t1558.003"}},
                  TaggedDetection{DetectionRef{"d", "DCSync", "critical", "DC1", 12 * H, {}},
                                  {"attack.t1003.006"}}};
  const auto out = c.judge();
  for (WeaknessKind k : {WeaknessKind::GuessingNotStopped, WeaknessKind::Rc4ServiceTickets,
                         WeaknessKind::ReplicationRights, WeaknessKind::UnseenDwell}) {
    const std::optional<Weakness> w = find(out, k);
    ASSERT_TRUE(w) << to_string(k);
    EXPECT_FALSE(w->evidence.empty()) << to_string(k);
    EXPECT_FALSE(w->advice.empty()) << to_string(k);
    EXPECT_FALSE(w->detail.empty()) << to_string(k);
  }
  EXPECT_FALSE(find(out, WeaknessKind::AdminOutsideAdminHosts));
  EXPECT_FALSE(find(out, WeaknessKind::TamperingUnnoticed));
  EXPECT_FALSE(find(out, WeaknessKind::FlowLogsMissing));
}

TEST(JudgeWeaknesses, WithoutAnIntrusionOnlyMissingAuditingIsReported) {
  WeaknessCase c;
  c.facts = {ssh(5 * H, "ops", "10.0.3.10", true)};
  c.streams = {Stream{"build01", "linux:syslog", 100, {{0, 100 * H}}, {}, {}}};
  c.tampering = {TamperFinding{"log_cleared",
                               "DC1",
                               "Security",
                               "it_admin from JUMP1",
                               Attribution::Admin,
                               50 * H,
                               50 * H,
                               {}}};
  const auto out = c.judge();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, WeaknessKind::FileAuditingMissing);
  EXPECT_FALSE(claims_intrusion(out[0].kind));
  EXPECT_NE(out[0].detail.find("firmware is on build01"), std::string::npos) << out[0].detail;
}

TEST(JudgeWeaknesses, AHostWithShareAuditingIsNotMissingIt) {
  WeaknessCase c;
  c.facts = {windows_logon(5 * H, "FS1.corp.example", "DC1$", 3, "10.0.1.10", "")};
  Stream fs{"FS1.corp.example", "Security", 100, {{0, 100 * H}}, {}, {}};
  fs.event_ids[5145] = 3;
  c.streams = {fs};
  EXPECT_TRUE(c.judge().empty());
  c.streams[0].event_ids.erase(5145);
  EXPECT_TRUE(find(c.judge(), WeaknessKind::FileAuditingMissing));
  // Auditing turned off in the log that is left: the detail says when.
  c.tampering = {TamperFinding{"audit_policy_changed",
                               "FS1",
                               "Security (audit policy)",
                               "x",
                               Attribution::Intruder,
                               40 * H,
                               40 * H,
                               {Evidence{40 * H, {}, "4719"}}}};
  const std::optional<Weakness> w = find(c.judge(), WeaknessKind::FileAuditingMissing);
  ASSERT_TRUE(w);
  EXPECT_NE(w->detail.find("audit policy was changed"), std::string::npos) << w->detail;
}

TEST(JudgeWeaknesses, AnAdministratorOutsideTheAdminHostsButNotAtOne) {
  WeaknessCase c = with_intrusion();
  Fact added = fact(FactKind::AccountChange, 11 * H);
  added.host = "DC1";
  added.outcome = "group_add";
  added.object = "Domain Admins";
  added.target = "backup_adm";
  c.facts = {added,
             windows_logon(12 * H, "DC1.corp.example", "backup_adm", 10, "10.8.0.9", "WIN-7Q2JD1")};
  const std::optional<Weakness> w = find(c.judge(), WeaknessKind::AdminOutsideAdminHosts);
  ASSERT_TRUE(w);
  EXPECT_NE(w->detail.find("member of Domain Admins"), std::string::npos) << w->detail;
  c.facts[1] = windows_logon(12 * H, "DC1.corp.example", "backup_adm", 10, "10.0.1.50", "JUMP1");
  EXPECT_FALSE(find(c.judge(), WeaknessKind::AdminOutsideAdminHosts));
  // Network logons (file shares) are not administration from a workstation.
  c.facts[1] = windows_logon(12 * H, "DC1.corp.example", "backup_adm", 3, "10.8.0.9", "WIN-7Q2JD1");
  EXPECT_FALSE(find(c.judge(), WeaknessKind::AdminOutsideAdminHosts));
}

TEST(JudgeWeaknesses, TamperingByTheIntruderButNotByAnAdministrator) {
  WeaknessCase c = with_intrusion();
  TamperFinding t{"log_cleared",         "FS1",  "Security", "backup_adm",
                  Attribution::Intruder, 20 * H, 20 * H,     {Evidence{20 * H, {}, "1102 on FS1"}}};
  c.tampering = {t};
  EXPECT_TRUE(find(c.judge(), WeaknessKind::TamperingUnnoticed));
  c.tampering[0].attribution = Attribution::Admin;
  EXPECT_FALSE(find(c.judge(), WeaknessKind::TamperingUnnoticed));
}

TEST(JudgeWeaknesses, ALogOfAHeldHostThatStartsLateUnlessItWasCleared) {
  WeaknessCase c = with_intrusion();
  c.x.hosts["dc1"].name = "DC1";
  c.streams = {Stream{"DC1.corp.example", "Security", 100, {{40 * H, 100 * H}}, {}, {}},
               Stream{"zeek", "zeek:conn", 100, {{45 * H, 100 * H}}, {}, {}}};
  const std::optional<Weakness> w = find(c.judge(), WeaknessKind::LogsStartLate);
  ASSERT_TRUE(w);
  EXPECT_NE(w->detail.find("DC1.corp.example"), std::string::npos) << w->detail;
  EXPECT_EQ(w->detail.find("zeek"), std::string::npos) << w->detail;
  c.tampering = {TamperFinding{"log_cleared",
                               "DC1",
                               "Security",
                               "x",
                               Attribution::Intruder,
                               40 * H,
                               40 * H,
                               {Evidence{40 * H, {}, "1102"}}}};
  EXPECT_FALSE(find(c.judge(), WeaknessKind::LogsStartLate));
}

TEST(JudgeWeaknesses, NoFlowLogsForHeldHosts) {
  WeaknessCase c = with_intrusion();
  c.x.held_hosts["dc1"] = 12 * H;
  c.x.hosts["dc1"].name = "DC1";
  c.x.hosts["dc1"].evidence.push_back(Evidence{12 * H, {}, "4624 on DC1"});
  c.egress.flow_logs = false;
  EXPECT_TRUE(find(c.judge(), WeaknessKind::FlowLogsMissing));
  c.egress.flow_logs = true;
  EXPECT_FALSE(find(c.judge(), WeaknessKind::FlowLogsMissing));
}

TEST(JudgeWeaknesses, ServiceAccountsByTheirInteractiveLogons) {
  WeaknessCase c = with_intrusion();
  Edge ssh_edge{"DC1", "build01", "svc-build", "ssh", 20 * H, {Evidence{20 * H, {}, "SSH login"}}};
  Edge share{"DC1", "FS1", "svc-sql", "3", 21 * H, {Evidence{21 * H, {}, "4624 type 3"}}};
  c.x.edges[{"dc1", "fs1", "svc-sql", "3"}] = share;
  EXPECT_FALSE(find(c.judge(), WeaknessKind::ServiceAccountAccess));
  c.x.edges[{"dc1", "build01", "svc-build", "ssh"}] = ssh_edge;
  const std::optional<Weakness> w = find(c.judge(), WeaknessKind::ServiceAccountAccess);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->detail.find("svc-sql"), std::string::npos) << w->detail;
}

TEST(JudgeWeaknesses, ServiceAccountNames) {
  for (const char* yes : {"svc-sql", "SVC_backup", "deploy", "CORP\\Administrator", "root",
                          "backup", "report_svc", "service.scan"})
    EXPECT_TRUE(service_account(yes)) << yes;
  for (const char* no : {"tanaka", "backup_adm", "it_admin", "aoki@contoso.com", "ops"})
    EXPECT_FALSE(service_account(no)) << no;
}

}  // namespace
}  // namespace tansa::investigate
