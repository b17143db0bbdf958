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

TEST(JudgeClaim, ASizeIsConsistentFromHalfTheClaimAndUndeterminedWithoutFlowLogs) {
  EgressFinding e;
  e.total_bytes = 50;
  e.flow_logs = true;
  auto judge = [&](std::optional<std::uint64_t> bytes) {
    Claim c;
    c.bytes = bytes;
    return judge_claim(c, true, e, DocumentCount{}, {});
  };
  EXPECT_FALSE(judge(std::nullopt));
  EXPECT_EQ(judge(100)->verdict, ClaimVerdict::Consistent);
  EXPECT_EQ(judge(101)->verdict, ClaimVerdict::Inconsistent);
  EXPECT_EQ(judge(101)->observed_bytes, 50u);
  EXPECT_FALSE(judge(101)->documents_verdict);
  e.flow_logs = false;
  EXPECT_EQ(judge(100)->verdict, ClaimVerdict::Undetermined);
  EXPECT_EQ(judge(1)->verdict, ClaimVerdict::Undetermined);
}

// Share access, object access and cloud reads of the intruder, each file once.
TEST(JudgeDocuments, CountsDistinctFilesPerSourceAndPerAsset) {
  Intrusion x = intrusion();
  auto share = [&](std::uint64_t pos, const std::string& path) {
    Fact f = fact(FactKind::FileAccess, 20 * H, pos);
    f.event_id = 5145;
    f.host = "FS1.corp.example";
    f.object = "\\\\*\\Designs";
    f.detail = path;
    x.files.push_back(f);
  };
  share(1, "plans\\orbit.pdf");
  share(2, "Plans\\Orbit.pdf");  // the same file, read again
  share(3, "plans\\engine.dwg");
  share(4, "\\");  // the share's root: no document
  Fact obj = fact(FactKind::FileAccess, 21 * H, 5);
  obj.event_id = 4663;
  obj.host = "FS1.corp.example";
  obj.detail = "D:\\Other\\budget.xlsx";
  x.files.push_back(obj);
  Fact connect = fact(FactKind::FileAccess, 21 * H, 6);  // 5140: a share, no file
  connect.event_id = 5140;
  connect.host = "FS1.corp.example";
  connect.object = "\\\\*\\Designs";
  x.files.push_back(connect);
  auto cloud = [&](std::uint64_t pos, const std::string& op, const std::string& object) {
    Fact f = fact(FactKind::Cloud, 22 * H, pos);
    f.host = "m365";
    f.outcome = op;
    f.object = object;
    x.cloud.push_back(f);
    return &x.cloud.back();
  };
  cloud(7, "FileDownloaded", "https://contoso.sharepoint.com/sites/Rocket/a.docx");
  cloud(8, "FileAccessed", "https://contoso.sharepoint.com/sites/Rocket/a.docx");
  cloud(9, "FilePreviewed", "https://contoso.sharepoint.com/sites/Other/b.docx");
  cloud(10, "UserLoggedIn", "");                     // not a read
  cloud(11, "MailItemsAccessed", "<m1@x>\n<m2@x>");  // two listed items
  cloud(12, "MailItemsAccessed", "<m2@x>");          // one of them again
  cloud(13, "MailItemsAccessed", "")->items = 3;     // three items, not listed
  std::vector<AssetFinding> findings(3);
  findings[0].name = "designs";
  findings[1].name = "firmware";
  findings[2].name = "site";
  const DocumentCount d = judge_documents(x, {}, assets(), findings);
  EXPECT_EQ(d.total, 2u + 1u + 2u + 2u + 3u);
  ASSERT_EQ(d.sources.size(), 5u);
  EXPECT_EQ(d.sources[0].source, "5145 share access on FS1.corp.example");
  EXPECT_EQ(d.sources[0].documents, 2u);
  EXPECT_EQ(d.sources[1].source, "4663 object access on FS1.corp.example");
  EXPECT_EQ(d.sources[2].source, "FileDownloaded (m365)");
  EXPECT_EQ(d.sources[2].documents, 1u);
  EXPECT_EQ(d.sources[3].source, "FilePreviewed (m365)");
  EXPECT_EQ(d.sources[4].source, "MailItemsAccessed (m365)");
  EXPECT_EQ(d.sources[4].documents, 5u);
  EXPECT_EQ(findings[0].documents, 2u);  // designs: the share's two files, not budget.xlsx
  EXPECT_EQ(findings[1].documents, 0u);
  EXPECT_EQ(findings[2].documents, 1u);  // site: a.docx, not the other site's b.docx
  EXPECT_TRUE(d.unlogged.empty());
}

// Files the intruder's processes created are copies: counted once, not again when a file of that
// name was already read, and never its own tools or archives.
TEST(JudgeDocuments, SysmonCopiesCountOnceAndNotTheIntrudersOwnFiles) {
  Intrusion x = intrusion();
  Fact read = fact(FactKind::FileAccess, 20 * H, 1);
  read.event_id = 5145;
  read.host = "FS1.corp.example";
  read.object = "\\\\*\\Designs";
  read.detail = "plans\\orbit.pdf";
  x.files.push_back(read);
  auto created = [&](std::uint64_t pos, const std::string& path) {
    Fact f = fact(FactKind::FileAccess, 21 * H, pos);
    f.event_id = 11;
    f.channel = "Microsoft-Windows-Sysmon/Operational";
    f.host = "WS7.corp.example";
    f.detail = path;
    x.files.push_back(f);
  };
  created(2, "C:\\Users\\Public\\stage\\Orbit.pdf");  // the copy of the file read
  created(3, "C:\\Users\\Public\\stage\\notes.docx");
  created(4, "C:\\Users\\Public\\stage\\notes.docx");  // written twice
  created(5, "C:\\Users\\Public\\stage\\out.7z");
  created(6, "C:\\Users\\Public\\rclone.exe");
  std::vector<AssetFinding> findings;
  const DocumentCount d = judge_documents(x, {}, assets(), findings);
  EXPECT_EQ(d.total, 2u);
  ASSERT_EQ(d.sources.size(), 2u);
  EXPECT_EQ(d.sources[1].source, "Sysmon 11 file created on WS7.corp.example");
  EXPECT_EQ(d.sources[1].documents, 1u);
}

// A command reading an asset's folder locally, where no object access is audited: the count is a
// lower bound, and says why.
TEST(JudgeDocuments, LocalReadsWithoutObjectAuditingAreNamed) {
  Intrusion x = intrusion();
  Fact sudo = fact(FactKind::Process, 30 * H, 9);
  sudo.channel = "sudo";
  sudo.host = "build01";
  sudo.detail = "tar czf /tmp/fw.tgz /srv/firmware";
  x.processes.push_back(sudo);
  std::vector<AssetFinding> findings;
  DocumentCount d = judge_documents(x, {}, assets(), findings);
  ASSERT_EQ(d.unlogged.size(), 1u);
  EXPECT_EQ(d.unlogged[0], "local reads on build01 are not audited (names /srv/firmware)");
  // With object access auditing on that host, its 4663 events would show each file.
  Stream s{"build01", "Security", 10, {{0, 100 * H}}, {}, {}};
  s.event_ids[4663] = 5;
  EXPECT_TRUE(judge_documents(x, {s}, assets(), findings).unlogged.empty());
}

TEST(JudgeClaim, DocumentsConsistentInconsistentOrUndetermined) {
  EgressFinding e;
  e.flow_logs = true;
  e.total_bytes = 100000000;  // 100 MB: 10,000 documents of 10 kB
  DocumentCount d;
  d.total = 278;
  d.sources = {{"5145 share access on FS1", 278}};
  std::vector<AssetFinding> covered(1);
  covered[0].name = "designs";
  Claim c;
  c.documents = 150000;
  // Every file-level log covers the window and egress cannot carry the claim.
  auto r = judge_claim(c, true, e, d, covered);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict, ClaimVerdict::Inconsistent);
  EXPECT_EQ(r->observed_documents, 278u);
  EXPECT_EQ(r->document_sources.size(), 1u);
  // Egress that could carry it.
  e.total_bytes = 37900000000ULL;
  r = judge_claim(c, true, e, d, covered);
  EXPECT_EQ(r->verdict, ClaimVerdict::Undetermined);
  EXPECT_EQ(r->reason,
            "at least 278 documents seen read; 37.9 GB left, enough for 3,790,000 documents of "
            "10.0 kB");
  // Unknown egress.
  e.flow_logs = false;
  EXPECT_EQ(judge_claim(c, true, e, d, covered)->verdict, ClaimVerdict::Undetermined);
  // Small egress, but an asset's file-level log misses part of the window.
  e.flow_logs = true;
  e.total_bytes = 1000;
  std::vector<AssetFinding> uncovered = covered;
  uncovered[0].unlogged = "no 5145 (share file access) events from FS1";
  r = judge_claim(c, true, e, d, uncovered);
  EXPECT_EQ(r->verdict, ClaimVerdict::Undetermined);
  EXPECT_NE(r->reason.find("designs: no 5145"), std::string::npos);
  // Local reads that no log shows.
  DocumentCount local = d;
  local.unlogged = {"local reads on FS1 are not audited (names D:\\Designs)"};
  EXPECT_EQ(judge_claim(c, true, e, local, covered)->verdict, ClaimVerdict::Undetermined);
  // No assets named: nothing is known to be covered.
  EXPECT_EQ(judge_claim(c, true, e, d, {})->verdict, ClaimVerdict::Undetermined);
  // At least half the claim seen read.
  c.documents = 556;
  EXPECT_EQ(judge_claim(c, true, e, d, uncovered)->verdict, ClaimVerdict::Consistent);
  c.documents = 557;
  EXPECT_EQ(judge_claim(c, true, e, d, covered)->verdict, ClaimVerdict::Inconsistent);
  // No intrusion, with the logs covering the input: nothing was read, whatever the egress.
  c.documents = 150000;
  e.total_bytes = 37900000000ULL;
  r = judge_claim(c, false, e, DocumentCount{}, covered);
  EXPECT_EQ(r->verdict, ClaimVerdict::Inconsistent);
  EXPECT_EQ(r->reason, "no intrusion, and the file-level logs cover the whole input");
  // A size and a count: the worse verdict, each part's own kept.
  c.bytes = 1000;  // 1 kB claimed, 37.9 GB left: consistent
  r = judge_claim(c, true, e, d, covered);
  EXPECT_EQ(r->bytes_verdict, ClaimVerdict::Consistent);
  EXPECT_EQ(r->documents_verdict, ClaimVerdict::Undetermined);
  EXPECT_EQ(r->verdict, ClaimVerdict::Undetermined);
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
