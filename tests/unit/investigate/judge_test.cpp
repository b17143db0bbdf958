// Each judgment on small hand-built inputs: an Intrusion as tracing would leave it, the streams a
// coverage check reads, and a tiny case database with a few facts. The verdicts are exact, and so
// are the must-nots: no asset is not_accessed when a log that would show an access misses part of
// the window, and egress to allowed destinations or internal hosts never counts.
#include "investigate/judge.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "investigate/casedb.h"

namespace tansa::investigate {
namespace {

constexpr std::int64_t H = kHour;

Assets assets() {
  auto a = parse_assets(R"(
internal_networks: [10.0.0.0/8]
domain_controllers: [DC1]
vpn_pool: [10.8.0.0/16]
admin_hosts: [JUMP1]
allowed_destinations: [198.51.100.10]
gap_threshold: 12h
sensitive:
  - name: designs
    shares: ['\\FS1\Designs']
    hosts: [FS1]
  - name: firmware
    paths: ['/srv/firmware/**']
    hosts: [build01]
  - name: site
    urls: ['https://contoso.sharepoint.com/sites/Rocket*']
)");
  EXPECT_TRUE(a) << a.error();
  return a ? *a : Assets{};
}

Fact fact(FactKind kind, std::int64_t t, std::uint64_t position) {
  Fact f;
  f.kind = kind;
  f.time_ns = t;
  f.source = SourceRef{0, SourceRef::Kind::Record, position};
  return f;
}

// An intrusion from 10 h to 40 h.
Intrusion intrusion() {
  Intrusion x;
  x.input_first = 0;
  x.input_last = 100 * H;
  x.first = 10 * H;
  x.last = 40 * H;
  x.access = true;
  return x;
}

// FS1's Security log over `active`, with share auditing on (5145 seen) unless told otherwise.
Stream security(std::vector<Interval> active, bool auditing = true) {
  Stream s{"FS1.corp.example", "Security", 1000, std::move(active), {}, {}};
  if (auditing) s.event_ids[5145] = 10;
  s.event_ids[4624] = 990;
  return s;
}

// What judge_coverage would give, but with the effective coverage exactly the active intervals.
LogCoverage as_logged(const std::vector<Stream>& streams) {
  LogCoverage logs;
  for (const Stream& s : streams) logs.effective[{s.host, s.source}] = s.active;
  return logs;
}

const AssetFinding& finding(const std::vector<AssetFinding>& all, const std::string& name) {
  for (const AssetFinding& a : all)
    if (a.name == name) return a;
  static const AssetFinding none;
  ADD_FAILURE() << "no finding for " << name;
  return none;
}

// A case database in a temporary file with `facts` loaded.
class Db {
 public:
  explicit Db(const std::vector<Fact>& facts) {
    path_ = std::filesystem::temp_directory_path() /
            ("tansa_judge_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n_) + ".db");
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

// --- assets ----------------------------------------------------------------------------------

TEST(JudgeAssets, AnIntruderReadingTheShareIsAccessed) {
  Intrusion x = intrusion();
  Fact f = fact(FactKind::FileAccess, 20 * H, 7);
  f.event_id = 5145;
  f.object = "\\\\*\\Designs";
  f.detail = "plans\\orbit.pdf";
  f.user = "tanaka";
  f.host = "FS1";
  x.files.push_back(f);
  const std::vector<Stream> streams = {security({{0, 100 * H}})};
  const auto out = judge_assets(x, streams, as_logged(streams), {}, assets());
  const AssetFinding& a = finding(out, "designs");
  EXPECT_EQ(a.verdict, AssetVerdict::Accessed);
  ASSERT_EQ(a.evidence.size(), 1u);
  EXPECT_EQ(a.evidence[0].time_ns, 20 * H);
}

TEST(JudgeAssets, NotAccessedOnlyWhenTheSecurityLogCoversTheWholeIntrusion) {
  const std::vector<Stream> streams = {security({{0, 100 * H}})};
  const auto out = judge_assets(intrusion(), streams, as_logged(streams), {}, assets());
  const AssetFinding& a = finding(out, "designs");
  EXPECT_EQ(a.verdict, AssetVerdict::NotAccessed);
  ASSERT_EQ(a.coverage.size(), 1u);
  EXPECT_EQ(a.coverage[0].source, "Security 5145");
  EXPECT_EQ(a.coverage[0].from, 0);
  EXPECT_EQ(a.coverage[0].to, 100 * H);
}

TEST(JudgeAssets, CoverageMissingAnActiveIntervalIsUndeterminedNeverNotAccessed) {
  // The log is silent from 15 h to 35 h, inside the intrusion (10 h to 40 h).
  const std::vector<Stream> streams = {security({{0, 15 * H}, {35 * H, 100 * H}})};
  const auto out = judge_assets(intrusion(), streams, as_logged(streams), {}, assets());
  const AssetFinding& a = finding(out, "designs");
  EXPECT_EQ(a.verdict, AssetVerdict::Undetermined);
  EXPECT_NE(a.reason.find("does not cover the whole window"), std::string::npos) << a.reason;
  EXPECT_TRUE(a.coverage.empty());
}

TEST(JudgeAssets, WithoutShareAuditingItIsUndetermined) {
  const std::vector<Stream> streams = {security({{0, 100 * H}}, false)};
  const auto out = judge_assets(intrusion(), streams, as_logged(streams), {}, assets());
  EXPECT_EQ(finding(out, "designs").verdict, AssetVerdict::Undetermined);
  EXPECT_NE(finding(out, "designs").reason.find("file share auditing appears to be off"),
            std::string::npos);
}

TEST(JudgeAssets, WithoutTheHoldersLogItIsUndetermined) {
  const auto out = judge_assets(intrusion(), {}, LogCoverage{}, {}, assets());
  EXPECT_EQ(finding(out, "designs").verdict, AssetVerdict::Undetermined);
  EXPECT_EQ(finding(out, "designs").reason, "no Security log from fs1 in the input");
}

TEST(JudgeAssets, ALogClearedInTheWindowMakesItUndetermined) {
  const std::vector<Stream> streams = {security({{0, 100 * H}})};
  TamperFinding t;
  t.kind = "log_cleared";
  t.host = "FS1";
  t.start = t.end = 25 * H;
  t.attribution = Attribution::Intruder;
  const auto out = judge_assets(intrusion(), streams, as_logged(streams), {t}, assets());
  EXPECT_EQ(finding(out, "designs").verdict, AssetVerdict::Undetermined);
  EXPECT_EQ(finding(out, "designs").reason.substr(0, 18), "log_cleared on FS1");
}

TEST(JudgeAssets, RecordsMissingInTheWindowMakeItUndetermined) {
  std::vector<Stream> streams = {security({{0, 100 * H}})};
  streams[0].records = {{1, 500, 0, 20 * H}, {600, 1000, 21 * H, 100 * H}};
  const auto out = judge_assets(intrusion(), streams, as_logged(streams), {}, assets());
  EXPECT_EQ(finding(out, "designs").verdict, AssetVerdict::Undetermined);
  EXPECT_EQ(finding(out, "designs").reason,
            "records missing from the Security log of FS1.corp.example");
}

TEST(JudgeAssets, AnAssetNoLogCanShowIsUndeterminedAndACommandReadingItIsAccessed) {
  Intrusion x = intrusion();
  auto out = judge_assets(x, {}, LogCoverage{}, {}, assets());
  EXPECT_EQ(finding(out, "firmware").verdict, AssetVerdict::Undetermined);
  EXPECT_EQ(finding(out, "site").verdict, AssetVerdict::Undetermined);
  EXPECT_EQ(finding(out, "site").reason,
            "the Microsoft 365 audit log is missing or does not cover the whole window");
  Fact sudo = fact(FactKind::Process, 30 * H, 9);
  sudo.channel = "sudo";
  sudo.host = "build01";
  sudo.user = "deploy";
  sudo.detail = "tar czf /tmp/fw.tgz /srv/firmware";
  x.processes.push_back(sudo);
  out = judge_assets(x, {}, LogCoverage{}, {}, assets());
  const AssetFinding& a = finding(out, "firmware");
  EXPECT_EQ(a.verdict, AssetVerdict::Accessed);
  ASSERT_EQ(a.evidence.size(), 1u);
  EXPECT_EQ(a.evidence[0].what,
            "sudo by deploy on build01: tar czf /tmp/fw.tgz /srv/firmware (names /srv/firmware)");
  // The same command on another host names another machine's folder.
  x.processes[0].host = "web01";
  EXPECT_EQ(finding(judge_assets(x, {}, LogCoverage{}, {}, assets()), "firmware").verdict,
            AssetVerdict::Undetermined);
}

TEST(JudgeAssets, ACloudAuditLogCoveringTheWindowShowsTheSiteNotAccessed) {
  const std::vector<Stream> streams = {{"m365", "m365", 50, {{0, 100 * H}}, {}, {}}};
  const auto out = judge_assets(intrusion(), streams, as_logged(streams), {}, assets());
  EXPECT_EQ(finding(out, "site").verdict, AssetVerdict::NotAccessed);
  ASSERT_EQ(finding(out, "site").coverage.size(), 1u);
}

TEST(JudgeAssets, CommandTouchesNamesAShareOrAFolderOfTheAsset) {
  const Assets a = assets();
  Fact f = fact(FactKind::Process, 0, 1);
  f.host = "WS7";
  f.detail = "robocopy \\\\FS1\\Designs C:\\out /E";
  EXPECT_EQ(command_touches(a.sensitive[0], {"fs1"}, f), "names \\\\FS1\\Designs");
  f.detail = "dir \\\\FS1\\Designs";  // listing is not reading
  EXPECT_EQ(command_touches(a.sensitive[0], {"fs1"}, f), "");
}

// --- egress and the claim ----------------------------------------------------------------------

Fact flow(std::int64_t t, std::uint64_t pos, const std::string& from, const std::string& to,
          std::int64_t bytes) {
  Fact f = fact(FactKind::Flow, t, pos);
  f.channel = "zeek:conn";
  f.host = "zeek";
  f.src_ip = from;
  f.dst_ip = to;
  f.port = 443;
  f.bytes_out = bytes;
  return f;
}

TEST(JudgeEgress, CountsExternalDestinationsButNeverAllowedOrInternalOnes) {
  Intrusion x = intrusion();
  x.windows.push_back({"10.8.0.5", 12 * H, 14 * H});
  Db db({flow(13 * H, 1, "10.8.0.5", "203.0.113.9", 1000),
         flow(13 * H, 2, "10.8.0.5", "198.51.100.10", 5000),  // allowed
         flow(13 * H, 3, "10.8.0.5", "10.0.1.20", 7000),      // internal
         flow(20 * H, 4, "10.8.0.5", "203.0.113.9", 9000)});  // after the session
  const std::vector<Stream> streams = {{"zeek", "zeek:conn", 4, {{0, 100 * H}}, {}, {}}};
  auto e = judge_egress(x, *db, assets(), streams, as_logged(streams));
  ASSERT_TRUE(e) << e.error();
  EXPECT_TRUE(e->flow_logs);
  EXPECT_EQ(e->total_bytes, 1000u);
  ASSERT_EQ(e->destinations.size(), 1u);
  EXPECT_EQ(e->destinations[0].address, "203.0.113.9");
  EXPECT_EQ(e->note, "");
}

TEST(JudgeEgress, AHeldHostsFlowsCountWhileItHadTheAddressAndSessionBytesCount) {
  Intrusion x = intrusion();
  x.held_hosts["fs1"] = 20 * H;
  x.addresses.by_address["10.0.1.20"] = {Binding{"fs1", "FS1", 0, 0, kAlways, kNever, {}}};
  x.addresses.by_host["fs1"] = {"10.0.1.20"};
  Fact down = fact(FactKind::Vpn, 30 * H, 9);
  down.bytes_out = 300;
  x.tunnels_down.emplace_back("203.0.113.50", down);
  Db db({flow(15 * H, 1, "10.0.1.20", "203.0.113.9", 1000),    // before it was held
         flow(25 * H, 2, "10.0.1.20", "203.0.113.9", 2000)});  // while held
  auto e = judge_egress(x, *db, assets(), {}, LogCoverage{});
  ASSERT_TRUE(e) << e.error();
  EXPECT_FALSE(e->flow_logs);
  EXPECT_EQ(e->total_bytes, 2300u);
  ASSERT_EQ(e->destinations.size(), 2u);
  EXPECT_EQ(e->destinations[0].address, "203.0.113.9");  // most bytes first
  EXPECT_NE(e->note.find("no flow log"), std::string::npos);
}

TEST(JudgeEgress, WithoutAnIntrusionNothingLeft) {
  Intrusion x;
  Db db({flow(13 * H, 1, "10.8.0.5", "203.0.113.9", 1000)});
  auto e = judge_egress(x, *db, assets(), {}, LogCoverage{});
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->total_bytes, 0u);
  EXPECT_TRUE(e->destinations.empty());
}

TEST(JudgeClaim, ConsistentFromHalfTheClaimAndUndeterminedWithoutFlowLogs) {
  EgressFinding e;
  e.total_bytes = 50;
  e.flow_logs = true;
  EXPECT_FALSE(judge_claim(e, std::nullopt));
  EXPECT_EQ(judge_claim(e, 100)->verdict, ClaimVerdict::Consistent);
  EXPECT_EQ(judge_claim(e, 101)->verdict, ClaimVerdict::Inconsistent);
  EXPECT_EQ(judge_claim(e, 101)->observed_bytes, 50u);
  e.flow_logs = false;
  EXPECT_EQ(judge_claim(e, 100)->verdict, ClaimVerdict::Undetermined);
  EXPECT_EQ(judge_claim(e, 1)->verdict, ClaimVerdict::Undetermined);
}

// --- tampering and the access answer -----------------------------------------------------------

Fact cleared(std::int64_t t, std::uint64_t pos, const std::string& user, const std::string& id) {
  Fact f = fact(FactKind::Tamper, t, pos);
  f.event_id = 1102;
  f.outcome = "log_cleared";
  f.host = "DC1.corp.example";
  f.channel = "Security";
  f.user = user;
  f.workstation = id;
  return f;
}

TEST(JudgeTampering, AttributesToTheIntruderAnAdminHostOrNobody) {
  Intrusion x = intrusion();
  x.own.insert("evil");
  x.sessions.insert({"dc1", "0x99"});
  Fact admin_logon = fact(FactKind::Logon, 50 * H - H, 10);
  admin_logon.host = "DC1.corp.example";
  admin_logon.outcome = "success";
  admin_logon.user = "it_admin";
  admin_logon.detail = "0x1";  // the logon id
  admin_logon.workstation = "JUMP1";
  Db db({cleared(50 * H, 1, "it_admin", "0x1"), cleared(60 * H, 2, "bob", "0x2"),
         cleared(70 * H, 3, "evil", "0x3"), cleared(80 * H, 4, "svc", "0x99"), admin_logon});
  auto t = judge_tampering(x, *db, assets());
  ASSERT_TRUE(t) << t.error();
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0].attribution, Attribution::Admin);
  EXPECT_EQ((*t)[0].user, "it_admin from JUMP1");
  EXPECT_EQ((*t)[0].host, "DC1");
  EXPECT_EQ((*t)[0].channel, "Security");
  EXPECT_EQ((*t)[1].attribution, Attribution::Unexplained);
  EXPECT_EQ((*t)[1].user, "bob");
  EXPECT_EQ((*t)[2].attribution, Attribution::Intruder);  // its own account
  EXPECT_EQ((*t)[3].attribution, Attribution::Intruder);  // a session it held
}

TEST(AnswerAccess, YesNoOrUndetermined) {
  TamperFinding unexplained;
  unexplained.kind = "log_cleared";
  unexplained.attribution = Attribution::Unexplained;
  TamperFinding admin = unexplained;
  admin.attribution = Attribution::Admin;
  TamperFinding policy = unexplained;
  policy.kind = "audit_policy_changed";

  Intrusion x = intrusion();
  EXPECT_EQ(answer_access(x, {unexplained}).answer, Access::Yes);
  x.access = false;
  x.sources["203.0.113.9"].name = "203.0.113.9";  // attempts only
  EXPECT_EQ(answer_access(x, {unexplained}).answer, Access::No);
  Intrusion none;
  EXPECT_EQ(answer_access(none, {}).answer, Access::No);
  EXPECT_EQ(answer_access(none, {admin}).answer, Access::No);
  EXPECT_EQ(answer_access(none, {policy}).answer, Access::No);
  EXPECT_EQ(answer_access(none, {unexplained}).answer, Access::Undetermined);
  none.detections.push_back(DetectionRef{});
  EXPECT_EQ(answer_access(none, {unexplained}).answer, Access::No);
}

// --- coverage and gaps -------------------------------------------------------------------------

TEST(JudgeCoverage, MissingRecordsAreGapsAndCoverageSpansTheActivity) {
  Stream s{"DC1", "Security", 70, {{0, 10 * H}}, {{1, 50, 0, 5 * H}, {61, 70, 6 * H, 10 * H}}, {}};
  const LogCoverage logs = judge_coverage({s, Stream{"idle", "Security", 0, {}, {}, {}}});
  ASSERT_EQ(logs.coverage.size(), 1u);
  EXPECT_EQ(logs.coverage[0].first, 0);
  EXPECT_EQ(logs.coverage[0].last, 10 * H);
  ASSERT_EQ(logs.gaps.size(), 1u);
  EXPECT_EQ(logs.gaps[0].kind, GapKind::RecordsMissing);
  EXPECT_EQ(logs.gaps[0].detail, "records 51 to 60 are missing");
  EXPECT_EQ(logs.gaps[0].start, 5 * H);
  EXPECT_EQ(logs.gaps[0].end, 6 * H);
}

TEST(Verdicts, WordsRoundTrip) {
  for (auto v : {AssetVerdict::Accessed, AssetVerdict::NotAccessed, AssetVerdict::Undetermined})
    EXPECT_EQ(parse<AssetVerdict>(to_string(v)), v);
  EXPECT_EQ(to_string(Access::Undetermined), "undetermined");
  EXPECT_EQ(to_string(ClaimVerdict::Inconsistent), "inconsistent");
  EXPECT_EQ(to_string(Attribution::Unexplained), "unexplained");
  EXPECT_EQ(to_string(GapKind::RecordsMissing), "records_missing");
  EXPECT_FALSE(parse<Attribution>("Admin"));
}

}  // namespace
}  // namespace tansa::investigate
