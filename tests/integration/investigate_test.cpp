// `tansa investigate` end to end: every scenario `tansa simulate` makes is investigated and every
// answer compared with its truth.json; a not_accessed verdict must come with coverage spanning the
// window; a report built from hostile field values is opened in headless Chromium, where nothing
// may run, and its screenshot must not be blank.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "report_test_util.h"

namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;

const std::string kBin = TANSA_BINARY;

using tansa::testing::sh;
using tansa::testing::slurp;
using tansa::testing::str;
using tansa::testing::word;

fs::path tmp(const std::string& name) {
  return tansa::testing::tmp("investigate", name);
}

std::multiset<std::string> names(element list, const char* key) {
  std::multiset<std::string> out;
  for (element e : list.get_array()) out.insert(str(e[key]));
  return out;
}

std::multiset<std::string> strings(element list) {
  std::multiset<std::string> out;
  for (element e : list.get_array()) out.insert(str(e));
  return out;
}

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, InvestigationGivesTheTruth) {
  const std::string name = GetParam();
  const fs::path dir = tmp(name);
  ASSERT_EQ(sh(kBin + " simulate --scenario " + name + " -o '" + dir.string() + "' > /dev/null"),
            0);
  simdjson::dom::parser tp, rp;
  const std::string truth_text = slurp(dir / "truth.json");
  element truth = tp.parse(truth_text);
  const std::string cmd = tansa::testing::investigate_simulated(
      kBin, dir, truth["claim"].is_null() ? "" : str(truth["claim"]));
  ASSERT_EQ(sh(cmd), 0);
  ASSERT_TRUE(fs::exists(dir / "case.db"));
  const std::string report_text = slurp(dir / "report.json");
  element r = rp.parse(report_text);

  EXPECT_EQ(word<tansa::Access>(r["unauthorized_access"]),
            word<tansa::Access>(truth["unauthorized_access"]));
  EXPECT_EQ(str(r["first_malicious"]), str(truth["first_malicious"]));
  EXPECT_EQ(str(r["last_malicious"]), str(truth["last_malicious"]));
  EXPECT_NEAR(double(r["dwell_days"]), double(truth["dwell_days"]), 0.011);
  EXPECT_EQ(names(r["sources"], "address"), strings(truth["sources"]));
  for (element src : r["sources"].get_array()) {
    element want_country;
    if (truth["source_countries"][str(src["address"])].get(want_country) == simdjson::SUCCESS) {
      EXPECT_EQ(str(src["country"]), str(want_country)) << str(src["address"]);
    }
  }
  EXPECT_EQ(names(r["accounts"], "name"), strings(truth["accounts"]));
  EXPECT_EQ(names(r["hosts"], "name"), strings(truth["hosts"]));
  auto edges = [](element list) {
    std::multiset<std::string> out;
    for (element e : list.get_array())
      out.insert(str(e["from_host"]) + " -> " + str(e["to_host"]) + " as " + str(e["account"]) +
                 " type " + str(e["logon_type"]) + " at " + str(e["first_time"]));
    return out;
  };
  EXPECT_EQ(edges(r["lateral_movement"]), edges(truth["lateral_movement"]));
  std::map<std::string, std::optional<tansa::AssetVerdict>> verdicts, want;
  for (element a : r["assets"].get_array())
    verdicts[str(a["name"])] = word<tansa::AssetVerdict>(a["verdict"]);
  for (auto [k, v] : truth["assets"].get_object())
    want[std::string(k)] = word<tansa::AssetVerdict>(v);
  EXPECT_EQ(verdicts, want);
  EXPECT_EQ(std::uint64_t(r["egress"]["total_bytes"]),
            std::uint64_t(truth["egress"]["total_bytes"]));
  std::map<std::string, std::uint64_t> dest, want_dest;
  for (element d : r["egress"]["destinations"].get_array())
    dest[str(d["address"])] = std::uint64_t(d["bytes"]);
  for (auto [k, v] : truth["egress"]["destinations"].get_object())
    want_dest[std::string(k)] = std::uint64_t(v);
  EXPECT_EQ(dest, want_dest);
  // Documents the intruder is seen reading, in all and per asset.
  EXPECT_EQ(std::uint64_t(r["documents"]["total"]), std::uint64_t(truth["documents"]["total"]));
  std::map<std::string, std::uint64_t> docs, want_docs;
  for (element a : r["assets"].get_array()) docs[str(a["name"])] = std::uint64_t(a["documents"]);
  for (auto [k, v] : truth["documents"]["assets"].get_object())
    want_docs[std::string(k)] = std::uint64_t(v);
  EXPECT_EQ(docs, want_docs);
  if (truth["claim_verdict"].is_null())
    EXPECT_TRUE(r["claim"].error() == simdjson::NO_SUCH_FIELD);
  else
    EXPECT_EQ(word<tansa::ClaimVerdict>(r["claim"]["verdict"]),
              word<tansa::ClaimVerdict>(truth["claim_verdict"]));
  auto kinds = [](element list) {
    std::multiset<std::string> out;
    for (element e : list.get_array()) out.insert(str(e["kind"]) + " on " + str(e["host"]));
    return out;
  };
  EXPECT_EQ(kinds(r["tampering"]), kinds(truth["tampering"]));
  EXPECT_EQ(kinds(r["gaps"]), kinds(truth["gaps"]));

  auto spans = [](element list) {
    std::multiset<std::string> out;
    for (element e : list.get_array())
      out.insert(str(e["host"]) + " " + str(e["source"]) + " " + str(e["first"]) + " " +
                 str(e["last"]));
    return out;
  };
  EXPECT_EQ(spans(r["coverage"]), spans(truth["coverage"]));

  // How they got in: one entry per wave, in time order, as the truth has it.
  auto entries = [](element list) {
    std::vector<std::string> out;
    for (element e : list.get_array())
      out.push_back(str(e["time"]) + " " + str(e["vector"]) + " via " + str(e["via_host"]) +
                    " as " + str(e["account"]) + " from " + str(e["source"]["address"]) + " (" +
                    str(e["source"]["country"]) + ")");
    return out;
  };
  EXPECT_EQ(entries(r["initial_access"]), entries(truth["initial_access"]));
  for (element e : r["initial_access"].get_array()) {
    EXPECT_TRUE(tansa::parse<tansa::EntryVector>(str(e["vector"]))) << str(e["vector"]);
    EXPECT_FALSE(str(e["reason"]).empty());
    EXPECT_GT(e["evidence"].get_array().size(), 0u) << str(e["vector"]);
  }
  // What let them in: each kind the truth expects, with its evidence, and no other.
  std::set<std::string> kinds_got, kinds_want;
  for (element w : r["weaknesses"].get_array()) {
    kinds_got.insert(str(w["kind"]));
    EXPECT_GT(w["evidence"].get_array().size(), 0u) << str(w["kind"]);
    EXPECT_FALSE(str(w["advice"]).empty()) << str(w["kind"]);
    // Without an intrusion, no weakness may claim one.
    const auto kind = tansa::parse<tansa::WeaknessKind>(str(w["kind"]));
    ASSERT_TRUE(kind) << str(w["kind"]);
    if (word<tansa::Access>(truth["unauthorized_access"]) == tansa::Access::No) {
      EXPECT_FALSE(tansa::claims_intrusion(*kind)) << str(w["kind"]);
    }
  }
  for (element k : truth["weaknesses"].get_array()) kinds_want.insert(str(k));
  EXPECT_EQ(kinds_got, kinds_want);

  // Every answer carries its evidence.
  for (const char* k : {"sources", "accounts", "hosts", "lateral_movement"})
    for (element e : r[k].get_array()) EXPECT_GT(e["evidence"].get_array().size(), 0u) << k;
  // not_accessed only with coverage spanning the window (the intrusion, or the input).
  const std::string from =
      truth["first_malicious"].is_null() ? str(r["input"]["first"]) : str(r["first_malicious"]);
  const std::string to =
      truth["last_malicious"].is_null() ? str(r["input"]["last"]) : str(r["last_malicious"]);
  for (element a : r["assets"].get_array()) {
    if (word<tansa::AssetVerdict>(a["verdict"]) != tansa::AssetVerdict::NotAccessed) continue;
    ASSERT_GT(a["coverage"].get_array().size(), 0u) << str(a["name"]);
    for (element c : a["coverage"].get_array()) {
      EXPECT_LE(str(c["from"]), from) << str(a["name"]);  // ISO-8601 UTC compares as text
      EXPECT_GE(str(c["to"]), to) << str(a["name"]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Simulated, Scenario,
                         ::testing::Values("vpn-intrusion", "not-accessed", "cleared-logs",
                                           "inflated-claim", "linux-pivot", "benign"),
                         [](const auto& param) {
                           std::string n = param.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A claim counted in documents, against what was read and what left (issue: claims in
// documents). Each scenario is investigated once per claim.
struct DocumentClaim {
  const char* scenario;
  const char* claim;
  tansa::ClaimVerdict verdict;
};

void PrintTo(const DocumentClaim& c, std::ostream* os) {
  *os << c.scenario << " with a claim of " << c.claim;
}

class DocumentClaims : public ::testing::TestWithParam<DocumentClaim> {};

TEST_P(DocumentClaims, VerdictWeighsWhatWasReadAndWhatLeft) {
  const DocumentClaim c = GetParam();
  const fs::path dir = tmp(std::string("claim-") + c.scenario + "-" + c.claim);
  ASSERT_EQ(
      sh(kBin + " simulate --scenario " + c.scenario + " -o '" + dir.string() + "' > /dev/null"),
      0);
  ASSERT_EQ(sh(tansa::testing::investigate_simulated(kBin, dir, c.claim)), 0);
  simdjson::dom::parser tp, rp;
  const std::string truth_text = slurp(dir / "truth.json"),
                    report_text = slurp(dir / "report.json");
  element truth = tp.parse(truth_text), r = rp.parse(report_text);
  element claim = r["claim"];
  EXPECT_EQ(word<tansa::ClaimVerdict>(claim["verdict"]), c.verdict) << str(claim["reason"]);
  EXPECT_EQ(word<tansa::ClaimVerdict>(claim["documents_verdict"]), c.verdict);
  EXPECT_TRUE(claim["claimed_bytes"].is_null());
  EXPECT_EQ(std::uint64_t(claim["observed_documents"]), std::uint64_t(truth["documents"]["total"]));
  std::uint64_t by_source = 0;
  for (element s : claim["document_sources"].get_array())
    by_source += std::uint64_t(s["documents"]);
  EXPECT_EQ(by_source, std::uint64_t(truth["documents"]["total"]));
  // One paragraph a communications team can quote, in every report.
  const std::string statement = str(claim["statement"]);
  EXPECT_TRUE(statement.starts_with("The attacker claims to have taken ")) << statement;
  std::string md = tansa::testing::investigate_simulated(kBin, dir, c.claim);
  md.replace(md.find("report.json"), 11, "report.md");
  ASSERT_EQ(sh(md), 0);
  EXPECT_NE(slurp(dir / "report.md").find("## The claim"), std::string::npos);
  // The report opens with the way in and closes with the weaknesses.
  const std::string report_md = slurp(dir / "report.md");
  EXPECT_LT(report_md.find("## How they got in"), report_md.find("## Answers"));
  EXPECT_NE(report_md.find("## What let them in and kept them unseen"), std::string::npos);
  EXPECT_GT(report_md.find("## What let them in"), report_md.find("## Detections behind"));
}

INSTANTIATE_TEST_SUITE_P(
    Simulated, DocumentClaims,
    ::testing::Values(
        // Far above what was read; share auditing and the cloud audit log cover the intrusion and
        // only VPN session bytes left: it cannot be true.
        DocumentClaim{"not-accessed", "150000 documents", tansa::ClaimVerdict::Inconsistent},
        // The same claim where gigabytes left: it could be.
        DocumentClaim{"vpn-intrusion", "150000 documents", tansa::ClaimVerdict::Undetermined},
        // Below what was read (280 designs).
        DocumentClaim{"vpn-intrusion", "400 documents", tansa::ClaimVerdict::Consistent},
        // No intrusion, and the logs cover the whole input.
        DocumentClaim{"benign", "150k documents", tansa::ClaimVerdict::Inconsistent}),
    [](const auto& param) {
      std::string n = std::string(param.param.scenario) + "_" +
                      std::to_string(static_cast<int>(param.param.verdict)) + "_" +
                      std::to_string(param.index);
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

TEST(Investigate, TheCaseDatabaseHoldsTheFacts) {
  const fs::path dir = tmp("case");
  ASSERT_EQ(sh(kBin + " simulate --scenario vpn-intrusion -o '" + dir.string() + "' > /dev/null"),
            0);
  ASSERT_EQ(sh(kBin + " investigate '" + dir.string() + "' --assets '" +
               (dir / "assets.yml").string() + "' --case '" + (dir / "my.db").string() +
               "' -q > '" + (dir / "summary.txt").string() + "'"),
            0);
  const std::string summary = slurp(dir / "summary.txt");
  EXPECT_NE(summary.find("unauthorized access: yes"), std::string::npos) << summary;
  EXPECT_NE(summary.find("entry point:         2023-06-12T17:46:00.000000Z vpn_password_guessing "
                         "via FW1 as tanaka from 203.0.113.66 (Netherlands); 1 later wave"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("asset satellite-design: accessed, 280 documents seen read"), std::string::npos) << summary;
  // The database answers an analyst's own question in SQL.
  ASSERT_EQ(sh("sqlite3 '" + (dir / "my.db").string() +
               "' \"SELECT count(*) FROM file_access WHERE user = 'backup_adm' AND share LIKE "
               "'%SatelliteDesign'\" > '" +
               (dir / "q.txt").string() + "'"),
            0);
  EXPECT_EQ(slurp(dir / "q.txt"), "280\n");
  // No SQLite indexes unless asked for: the answers come from the investigation's own index.
  const std::string indexes = "sqlite3 '" + (dir / "my.db").string() +
                              "' \"SELECT count(*) FROM sqlite_master WHERE type = 'index'\" > '" +
                              (dir / "n.txt").string() + "'";
  ASSERT_EQ(sh(indexes), 0);
  EXPECT_EQ(slurp(dir / "n.txt"), "0\n");
  ASSERT_EQ(sh(kBin + " investigate '" + dir.string() + "' --assets '" +
               (dir / "assets.yml").string() + "' --case '" + (dir / "my.db").string() +
               "' --case-indexes -o '" + (dir / "r.json").string() + "' 2> '" +
               (dir / "stderr.txt").string() + "'"),
            0);
  EXPECT_NE(slurp(dir / "stderr.txt").find("then case database indexes"), std::string::npos)
      << slurp(dir / "stderr.txt");
  ASSERT_EQ(sh(indexes), 0);
  EXPECT_EQ(slurp(dir / "n.txt"), "19\n");
}

// Logs that start after the intrusion began (retention shorter than the dwell time): the VPN log
// of the vpn-intrusion scenario cut to start two days after the first wave. The way in is then
// unknown, the reason names the log that starts late, and that is a weakness.
TEST(Investigate, ALogThatStartsAfterTheIntrusionLeavesTheWayInUnknown) {
  const fs::path dir = tmp("late");
  fs::remove_all(dir);
  ASSERT_EQ(sh(kBin + " simulate --scenario vpn-intrusion -o '" + dir.string() + "' > /dev/null"),
            0);
  {
    std::istringstream in(slurp(dir / "fortigate.log"));
    std::ofstream out(dir / "fortigate.log", std::ios::trunc);
    for (std::string line; std::getline(in, line);)
      if (line.substr(5, 10) >= "2023-06-14") out << line << '\n';  // "date=YYYY-MM-DD ..."
  }
  fs::remove(dir / "truth.json");
  ASSERT_EQ(sh(tansa::testing::investigate_simulated(kBin, dir, "")), 0);
  simdjson::dom::parser parser;
  const std::string text = slurp(dir / "report.json");
  element r = parser.parse(text);
  element first = r["initial_access"].at(0);
  EXPECT_EQ(word<tansa::EntryVector>(first["vector"]), tansa::EntryVector::Unknown);
  EXPECT_EQ(str(first["time"]), str(r["first_malicious"]));
  EXPECT_NE(str(first["reason"]).find("no fortigate:event log from FW1 before 2023-06-14"),
            std::string::npos)
      << str(first["reason"]);
  EXPECT_GT(first["evidence"].get_array().size(), 0u);
  // The later waves are still there, by the sessions the log kept.
  std::set<std::string> later;
  for (element e : r["initial_access"].get_array())
    if (word<tansa::EntryVector>(e["vector"]) == tansa::EntryVector::VpnValidAccount)
      later.insert(str(e["account"]));
  EXPECT_TRUE(later.contains("backup_adm"));
  bool late = false;
  for (element w : r["weaknesses"].get_array())
    if (word<tansa::WeaknessKind>(w["kind"]) == tansa::WeaknessKind::LogsStartLate) {
      late = true;
      EXPECT_NE(str(w["detail"]).find("FW1"), std::string::npos) << str(w["detail"]);
    }
  EXPECT_TRUE(late) << text.substr(0, 4000);
}

// An administrator created on the VPN appliance in the night before a session from a new country,
// with no guessing: the way in is the appliance itself. The same administrator created after the
// session is no sign of how that session began.
TEST(Investigate, AnAdministratorCreatedOnTheApplianceBeforeASessionIsAnApplianceExploit) {
  const std::string up_home =
      "date=2024-03-01 time=09:05:00 devname=\"FW1\" tz=\"+0000\" type=\"event\" "
      "subtype=\"vpn\" action=\"tunnel-up\" remip=192.0.2.10 srccountry=\"Japan\" "
      "tunnelip=10.8.0.10 user=\"ito\"\n";
  const std::string admin =
      "date=2024-03-02 time=02:11:00 devname=\"FW1\" tz=\"+0000\" type=\"event\" "
      "subtype=\"system\" user=\"admin\" ui=\"https(198.51.100.77)\" action=\"Add\" "
      "cfgpath=\"system.admin\" cfgobj=\"fortigate-tech\" msg=\"Add system.admin\"\n";
  const std::string up_away =
      "date=2024-03-02 time=03:00:00 devname=\"FW1\" tz=\"+0000\" type=\"event\" "
      "subtype=\"vpn\" action=\"tunnel-up\" remip=198.51.100.77 srccountry=\"Romania\" "
      "tunnelip=10.8.0.99 user=\"ito\"\n";
  const std::string admin_later = std::string(admin).replace(admin.find("02:11"), 5, "05:11");
  for (const bool before : {true, false}) {
    const fs::path dir = tmp(before ? "appliance" : "appliance-later");
    fs::create_directories(dir);
    std::ofstream(dir / "fortigate.log")
        << up_home << (before ? admin + up_away : up_away + admin_later);
    std::ofstream(dir / "assets.yml")
        << "internal_networks: [10.0.0.0/8]\nvpn_pool: [10.8.0.0/16]\n";
    ASSERT_EQ(sh(kBin + " investigate '" + (dir / "fortigate.log").string() + "' --assets '" +
                 (dir / "assets.yml").string() + "' -o '" + (dir / "report.json").string() +
                 "' -q 2>/dev/null"),
              0);
    simdjson::dom::parser parser;
    const std::string text = slurp(dir / "report.json");
    element r = parser.parse(text);
    ASSERT_EQ(r["initial_access"].get_array().size(), 1u) << text;
    element e = r["initial_access"].at(0);
    const auto want =
        before ? tansa::EntryVector::VpnApplianceExploit : tansa::EntryVector::VpnValidAccount;
    EXPECT_EQ(word<tansa::EntryVector>(e["vector"]), want) << str(e["reason"]);
    EXPECT_EQ(str(e["account"]), "ito");
    EXPECT_EQ(str(e["source"]["address"]), "198.51.100.77");
    EXPECT_EQ(str(e["source"]["country"]), "Romania");
    EXPECT_EQ(str(e["time"]), "2024-03-02T03:00:00.000000Z");
  }
}

TEST(Investigate, ZonelessSyslogIsPlacedByTzAsHuntPlacesIt) {
  // An auth.log written in Japanese time (RFC 3164 lines carry no zone).
  const fs::path dir = tmp("tz");
  fs::create_directories(dir / "logs");
  std::ofstream(dir / "logs" / "auth.log")
      << "Jan 15 09:00:00 web01 sshd[411]: Accepted password for alice from 203.0.113.5 port "
         "50122 ssh2\n"
         "Jan 15 10:30:00 web01 sshd[412]: Accepted password for alice from 203.0.113.5 port "
         "50123 ssh2\n";
  std::ofstream(dir / "rule.yml")
      << "title: SSH password logon\nid: 7a6f0000-0000-4000-8000-0000000000aa\nstatus: test\n"
         "level: low\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  keywords:\n"
         "    - 'Accepted password'\n  condition: keywords\n";
  const std::string logs = "'" + (dir / "logs").string() + "'";
  ASSERT_EQ(sh(kBin + " hunt -q --year 2024 --tz +09:00 -r '" + (dir / "rule.yml").string() + "' " +
               logs + " -o '" + (dir / "hunt.csv").string() + "'"),
            0);
  const std::string csv = slurp(dir / "hunt.csv");
  EXPECT_NE(csv.find("2024-01-15T00:00:00.000000Z"), std::string::npos) << csv;
  EXPECT_NE(csv.find("2024-01-15T01:30:00.000000Z"), std::string::npos) << csv;
  ASSERT_EQ(sh(kBin + " investigate -q --year 2024 --tz +09:00 " + logs + " -o '" +
               (dir / "report.json").string() + "'"),
            0);
  simdjson::dom::parser parser;
  const std::string json = slurp(dir / "report.json");
  element report = parser.parse(json);
  EXPECT_EQ(str(report["input"]["first"]), "2024-01-15T00:00:00.000000Z") << json;
  EXPECT_EQ(str(report["input"]["last"]), "2024-01-15T01:30:00.000000Z") << json;
  // Without --tz the same lines are read as UTC, nine hours later.
  ASSERT_EQ(sh(kBin + " investigate -q --year 2024 " + logs + " -o '" +
               (dir / "utc.json").string() + "'"),
            0);
  const std::string utc = slurp(dir / "utc.json");
  element report_utc = parser.parse(utc);
  EXPECT_EQ(str(report_utc["input"]["first"]), "2024-01-15T09:00:00.000000Z") << utc;
  EXPECT_EQ(sh(kBin + " investigate -q --tz Tokyo " + logs + " 2>/dev/null"), 2);
}

TEST(Investigate, UsageErrors) {
  EXPECT_EQ(sh(kBin + " investigate /nonexistent -q 2>/dev/null"), 1);
  EXPECT_EQ(sh(kBin + " investigate . --claim lots -q 2>/dev/null"), 2);
  EXPECT_EQ(sh(kBin + " investigate . --seed mac:00 -q 2>/dev/null"), 2);
  EXPECT_EQ(sh(kBin + " investigate . -o report.pdf -q 2>/dev/null"), 2);
}

// --- the HTML report in a real browser ----------------------------------------------------------

// Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) and returns the share of pixels that
// differ from the first one.
double non_background_share(const std::string& png) {
  if (png.size() < 33 || png.compare(1, 3, "PNG") != 0) return -1;
  auto be32 = [&](std::size_t at) {
    return (std::uint32_t(std::uint8_t(png[at])) << 24) |
           (std::uint32_t(std::uint8_t(png[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(png[at + 2])) << 8) |
           std::uint32_t(std::uint8_t(png[at + 3]));
  };
  std::uint32_t w = 0, h = 0;
  int channels = 0;
  std::string idat;
  for (std::size_t p = 8; p + 8 <= png.size();) {
    const std::uint32_t len = be32(p);
    const std::string type = png.substr(p + 4, 4);
    if (p + 12 + len > png.size()) return -1;
    if (type == "IHDR") {
      w = be32(p + 8);
      h = be32(p + 12);
      const int depth = std::uint8_t(png[p + 16]), color = std::uint8_t(png[p + 17]);
      if (depth != 8 || (color != 2 && color != 6)) return -1;
      channels = color == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += png.substr(p + 8, len);
    }
    p += 12 + len;
  }
  if (!w || !h || w > 10000 || h > 10000) return -1;
  const std::size_t stride = std::size_t(w) * channels;
  std::vector<unsigned char> raw((stride + 1) * h);
  uLongf n = raw.size();
  if (uncompress(raw.data(), &n, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK)
    return -1;
  std::vector<unsigned char> img(stride * h), prev(stride, 0);
  for (std::uint32_t y = 0; y < h; ++y) {
    const unsigned char f = raw[y * (stride + 1)];
    const unsigned char* in = &raw[y * (stride + 1) + 1];
    unsigned char* out = &img[y * stride];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= std::size_t(channels) ? out[x - channels] : 0, b = prev[x],
                c = x >= std::size_t(channels) ? prev[x - channels] : 0;
      int v = in[x];
      if (f == 1) v += a;
      if (f == 2) v += b;
      if (f == 3) v += (a + b) / 2;
      if (f == 4) {
        const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
        v += (pa <= pb && pa <= pc) ? a : pb <= pc ? b : c;
      }
      out[x] = static_cast<unsigned char>(v);
    }
    std::copy(out, out + stride, prev.begin());
  }
  std::size_t differ = 0;
  for (std::size_t i = 0; i < std::size_t(w) * h; ++i)
    if (!std::equal(img.begin() + i * channels, img.begin() + i * channels + 3, img.begin()))
      ++differ;
  return double(differ) / (double(w) * h);
}

std::string chromium() {
  for (const char* c : {"chromium", "chromium-browser", "google-chrome"})
    if (sh(std::string("command -v ") + c + " > /dev/null 2>&1") == 0) return c;
  return {};
}

TEST(InvestigateHtml, HostileValuesNeverRunInABrowser) {
  const fs::path dir = tmp("xss");
  fs::create_directories(dir);
  // Field values an attacker controls: in the VPN user and address fields, an SSH user, a cloud
  // object, a share path. Each would mark the page if it ran.
  const std::string script = "<script>document.title='PWNED'</script>";
  const std::string img = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";
  const std::string js = "javascript:document.body.setAttribute('data-pwned','2')";
  {
    std::ofstream f(dir / "fortigate.log");
    for (int i = 0; i < 4; ++i)
      f << "date=2024-03-01 time=10:0" << i << ":00 devname=\"FW1" << img
        << "\" tz=\"+0000\" type=\"event\" subtype=\"vpn\" action=\"ssl-login-fail\" "
           "remip=203.0.113.9 user=\""
        << script << "\" srccountry=\"" << img << "\"\n";
    f << "date=2024-03-01 time=10:05:00 devname=\"FW1\" tz=\"+0000\" type=\"event\" "
         "subtype=\"vpn\" action=\"tunnel-up\" remip=203.0.113.9 tunnelip=10.8.0.9 user=\""
      << script << "\" srccountry=\"" << img << "\"\n";
  }
  {
    std::ofstream f(dir / "m365.jsonl");
    f << R"({"CreationTime":"2024-03-01T10:06:00","Operation":"FileDownloaded","UserId":"x@contoso.com","Workload":"SharePoint","ClientIP":"203.0.113.9","ObjectId":")"
      << js << R"("})"
      << "\n";
  }
  {
    std::ofstream f(dir / "auth.log");
    f << "2024-03-01T10:07:00Z web1 sshd[1]: Accepted password for "
      << "<svg/onload=alert(1)>"
      << " from 203.0.113.9 port 1 ssh2\n";
  }
  {
    std::ofstream f(dir / "assets.yml");
    f << "sensitive:\n  - name: '<script>alert(1)</script>'\n    label: '\"><b>bold</b>'\n    "
         "urls: ['javascript:*']\n";
  }
  const fs::path html = dir / "report.html";
  ASSERT_EQ(sh(kBin + " investigate '" + (dir / "fortigate.log").string() + "' '" +
               (dir / "m365.jsonl").string() + "' '" + (dir / "auth.log").string() +
               "' --assets '" + (dir / "assets.yml").string() + "' -o '" + html.string() + "' -q"),
            0);
  const std::string page = slurp(html);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<svg/onload"), std::string::npos);
  EXPECT_EQ(page.find("<b>bold"), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);  // no links, so no javascript: URL can be one
  EXPECT_NE(page.find("&lt;script&gt;"), std::string::npos);  // the values are there, as text
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);

  const std::string browser = chromium();
  if (browser.empty())
    GTEST_SKIP() << "Chromium is not installed (scripts/install-deps.sh installs it)";
  const std::string flags =
      " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir='" +
      (dir / "profile").string() + "'";
  const fs::path dom = dir / "dom.html", shot = dir / "shot.png";
  ASSERT_EQ(sh("timeout 120 " + browser + flags + " --dump-dom 'file://" + html.string() + "' > '" +
               dom.string() + "' 2>/dev/null"),
            0);
  const std::string after = slurp(dom);
  EXPECT_NE(after.find("tansa investigation"), std::string::npos)
      << "Chromium did not render the report";
  EXPECT_EQ(after.find("PWNED</title>"), std::string::npos);
  EXPECT_EQ(after.find("<body data-pwned"), std::string::npos);
  EXPECT_EQ(after.find("data-pwned=\""), std::string::npos);
  ASSERT_EQ(sh("timeout 120 " + browser + flags + " --window-size=1200,900 --screenshot='" +
               shot.string() + "' 'file://" + html.string() + "' > /dev/null 2>&1"),
            0);
  const double share = non_background_share(slurp(shot));
  EXPECT_GT(share, 0.01) << "the screenshot is blank or unreadable";
}

}  // namespace
