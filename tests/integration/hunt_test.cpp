// `tansa hunt` end to end: the binary on fixture files and on SigmaHQ's regression data, checking
// the exact detections, output safety (CSV formulas, terminal control characters) and that the
// thread count does not change the output.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "archive_writer.h"
#include "cli_test_util.h"
#include "mmdb_writer.h"

namespace {

namespace fs = std::filesystem;

const std::string kSrc = TANSA_SOURCE_DIR;
const std::string kBin = TANSA_BINARY;

std::string sigmahq_dir() {
  if (const char* env = std::getenv("TANSA_SIGMAHQ")) return env;
  return TANSA_SIGMAHQ_DIR;
}

// Runs a shell command from the source folder; returns its exit status.
int sh(const std::string& cmd) {
  return tansa::testing::sh("cd '" + kSrc + "' && " + cmd);
}

using tansa::testing::slurp;

fs::path tmp(const std::string& name) {
  return tansa::testing::tmp("hunt", name);
}

struct Hit {
  std::string rule_id;
  std::string file;
  std::uint64_t position = 0;
  std::vector<std::string> copies;  // the files of the same record's other copies (duplicates)
  bool operator==(const Hit&) const = default;
};

std::vector<Hit> read_jsonl(const fs::path& p) {
  std::vector<Hit> out;
  simdjson::dom::parser parser;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e = parser.parse(line);
    Hit h;
    h.rule_id = std::string(std::string_view(e["rule_id"]));
    h.file = std::string(std::string_view(e["source"]["file"]));
    auto rec = e["source"]["record"];
    auto ln = e["source"]["line"];
    if (!rec.error())
      h.position = std::uint64_t(rec);
    else if (!ln.error())
      h.position = std::uint64_t(ln);
    simdjson::dom::array copies;
    if (!e["copies"].get(copies))
      for (simdjson::dom::element c : copies)
        h.copies.emplace_back(std::string_view(c["file"]));
    out.push_back(std::move(h));
  }
  return out;
}

const std::string kRules = "tests/data/hunt/rules";
const std::string kLogs = "tests/data/hunt/logs";
const std::string kWhoami = "7a6f0000-0000-4000-8000-000000000001";
const std::string kCmd = "7a6f0000-0000-4000-8000-000000000002";
const std::string kRdp = "7a6f0000-0000-4000-8000-000000000003";

TEST(Hunt, WindowsJsonFixtureGivesExactlyTheExpectedDetectionsInTimeOrder) {
  const fs::path out = tmp("fixture.jsonl");
  ASSERT_EQ(sh(kBin + " hunt -q -r " + kRules + " " + kLogs + "/windows.jsonl -o " + out.string()),
            0);
  const std::string f = kLogs + "/windows.jsonl";
  // Record 4 (notepad with "whoami" only in its arguments) must not match.
  const std::vector<Hit> want = {{kRdp, f, 5}, {kRdp, f, 6}, {kWhoami, f, 1},
                                 {kCmd, f, 2}, {kCmd, f, 3}, {kCmd, f, 7}};
  EXPECT_EQ(read_jsonl(out), want);
}

// Each format through the binary, with the rules of tests/data/hunt/rules/format_rules.yml.
std::vector<Hit> hunt_one(const std::string& file, const std::string& extra = "") {
  const fs::path out = tmp("one.jsonl");
  EXPECT_EQ(sh(kBin + " hunt -q -r " + kRules + "/format_rules.yml " + kLogs + "/" + file + " " +
               extra + " -o " + out.string() + " 2>/dev/null"),
            0);
  return read_jsonl(out);
}

TEST(Hunt, EveryFormatGivesExactlyTheExpectedDetections) {
  const std::string ssh = "7a6f0000-0000-4000-8000-000000000011",
                    sudo = "7a6f0000-0000-4000-8000-000000000012",
                    vpn = "7a6f0000-0000-4000-8000-000000000013",
                    upload = "7a6f0000-0000-4000-8000-000000000014",
                    key = "7a6f0000-0000-4000-8000-000000000015",
                    inbox = "7a6f0000-0000-4000-8000-000000000016";
  const std::string auth = kLogs + "/auth.log";
  // Failed logins, the session line, sudo systemctl and su must not match.
  EXPECT_EQ(hunt_one("auth.log", "--year 2024"),
            (std::vector<Hit>{{ssh, auth, 4}, {ssh, auth, 6}, {sudo, auth, 7}}));
  const std::string gz = kLogs + "/auth_rotated.log.1.gz";
  EXPECT_EQ(hunt_one("auth_rotated.log.1.gz", "--year 2024"),
            (std::vector<Hit>{{ssh, gz, 4}, {ssh, gz, 6}, {sudo, gz, 7}}));
  EXPECT_EQ(hunt_one("fortigate.log"), (std::vector<Hit>{{vpn, kLogs + "/fortigate.log", 2}}));
  EXPECT_EQ(hunt_one("fortigate_old.log.zst"),
            (std::vector<Hit>{{vpn, kLogs + "/fortigate_old.log.zst", 2}}));
  // The 2 GiB transfer to an external address matches; the SMB copy inside 10/8 does not.
  EXPECT_EQ(hunt_one("conn.log"), (std::vector<Hit>{{upload, kLogs + "/conn.log", 9}}));
  EXPECT_EQ(hunt_one("cloudtrail.json"), (std::vector<Hit>{{key, kLogs + "/cloudtrail.json", 2}}));
  EXPECT_EQ(hunt_one("m365.jsonl"), (std::vector<Hit>{{inbox, kLogs + "/m365.jsonl", 2}}));
  // Windows rules never fire on these formats, nor these rules on Windows events.
  EXPECT_TRUE(hunt_one("windows.jsonl").empty());
}

// The Microsoft 365 audit export (CSV, each record's JSON in AuditData) gives the same detections
// as the same records in their JSON form: same rules, times, hosts and fields; only the place in
// the file differs (tests/data/m365).
TEST(Hunt, M365CsvExportGivesTheDetectionsOfItsJsonForm) {
  const fs::path dir = tmp("m365csv");
  fs::create_directories(dir);
  std::ofstream(dir / "rules.yml")
      << "title: Inbox rule forwarding out\nid: 6f0e2a8c-4b1d-4c1a-9f3e-7d2b1c0a9e11\nstatus: "
         "test\n"
         "level: high\nlogsource: {product: m365}\ndetection:\n  sel:\n    Operation: "
         "New-InboxRule\n    Parameters.ForwardTo|contains: '@'\n  condition: sel\n---\n"
         "title: Downloads and mail reads\nid: 6f0e2a8c-4b1d-4c1a-9f3e-7d2b1c0a9e12\nstatus: test\n"
         "level: low\nlogsource: {product: m365}\ndetection:\n  sel:\n    Operation:\n      - "
         "FileDownloaded\n      - MailItemsAccessed\n  condition: sel\n";
  auto hunt = [&](const std::string& input, const std::string& out) {
    EXPECT_EQ(sh("'" + kBin + "' hunt tests/data/m365/" + input + " -r '" +
                 (dir / "rules.yml").string() + "' -q -o '" + (dir / out).string() + "'"),
              0);
    // Each detection without its place in the file.
    std::vector<std::string> lines;
    std::ifstream in(dir / out);
    std::string line;
    while (std::getline(in, line)) {
      const auto a = line.find("\"source\":{");
      const auto b = line.find("},", a);
      if (a != std::string::npos && b != std::string::npos) line.erase(a, b + 2 - a);
      lines.push_back(line);
    }
    return lines;
  };
  const auto json = hunt("audit.jsonl", "json.jsonl");
  const auto csv = hunt("audit_export.csv", "csv.jsonl");
  ASSERT_EQ(json.size(), 3u);  // the forwarding rule, the download, the mail read
  EXPECT_EQ(csv, json);
  EXPECT_NE(json[1].find("\"Parameters.ForwardTo\":\"drop@evil.example\""), std::string::npos)
      << json[1];
}

// Noise control: the collection's tansa.yml disables a rule, lowers another's level and leaves out
// one address's detections of a third; --no-config ignores it; --summary suggests the line that
// quiets the noisiest rule.
TEST(Hunt, TheCollectionsTansaYmlControlsTheNoise) {
  const fs::path dir = tmp("tuning");
  fs::create_directories(dir / "case");
  for (const char* f : {"windows.jsonl", "fortigate.log"})
    fs::copy_file(fs::path(kSrc) / kLogs / f, dir / "case" / f);
  {
    std::ofstream auth(dir / "case" / "auth.log");
    for (int i = 0; i < 12; ++i)
      auth << "Jan  5 03:" << 10 + i << ":00 web1 sshd[4" << i
           << "]: Accepted password for root from 198.51.100.20 port 5013" << i << " ssh2\n";
    auth << "Jan  5 04:00:00 web1 sshd[499]: Accepted password for root from 203.0.113.7 port "
            "50199 ssh2\n";
  }
  std::ofstream(dir / "case" / "tansa.yml")
      << "disable: [\"FortiGate Administrator Login\"]\n"
         "levels: {\"Remote Desktop Logon From a Public Address\": low}\n"
         "exclude:\n  \"SSH Login as root Accepted\":\n    - {src_ip: 198.51.100.20}\n";
  const std::string logs = "'" + (dir / "case").string() + "'";
  ASSERT_EQ(sh("'" + kBin + "' hunt " + logs + " --year 2024 -q -o '" +
               (dir / "tuned.jsonl").string() + "'"),
            0);
  const std::string tuned = slurp(dir / "tuned.jsonl");
  EXPECT_EQ(tuned.find("FortiGate Administrator Login"), std::string::npos) << tuned;
  EXPECT_NE(tuned.find("\"rule_title\":\"Remote Desktop Logon From a Public Address\",\"level\":"
                       "\"low\""),
            std::string::npos)
      << tuned;
  // The root logins from the excluded address are gone; the one from elsewhere stays.
  EXPECT_EQ(tuned.find("198.51.100.20"), std::string::npos) << tuned;
  EXPECT_NE(tuned.find("\"rule_title\":\"SSH Login as root Accepted\""), std::string::npos);

  ASSERT_EQ(sh("'" + kBin + "' hunt " + logs + " --year 2024 --no-config -q -o '" +
               (dir / "all.jsonl").string() + "'"),
            0);
  const std::string all = slurp(dir / "all.jsonl");
  EXPECT_NE(all.find("FortiGate Administrator Login"), std::string::npos);
  EXPECT_NE(all.find("198.51.100.20"), std::string::npos);
  EXPECT_NE(all.find("\"rule_title\":\"Remote Desktop Logon From a Public Address\",\"level\":"
                     "\"high\""),
            std::string::npos);

  ASSERT_EQ(sh("'" + kBin + "' hunt " + logs + " --year 2024 --no-config --summary -q > '" +
               (dir / "summary.txt").string() + "'"),
            0);
  const std::string summary = slurp(dir / "summary.txt");
  EXPECT_NE(summary.find("Noisiest rules, and the tansa.yml line that lowers each one level"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("13  SSH Login as root Accepted (medium)\n            levels: "
                         "{\"96e13343-7add-596e-9143-845ceae779c6\": low}"),
            std::string::npos)
      << summary;
  // A config that cannot be read is an error, never silently no tuning.
  std::ofstream(dir / "bad.yml") << "levels: {x: loud}\n";
  EXPECT_EQ(sh("'" + kBin + "' hunt " + logs + " --config '" + (dir / "bad.yml").string() +
               "' -q > /dev/null 2>&1"),
            2);
}

TEST(Hunt, TimesFromEveryFormatAreUtc) {
  const fs::path out = tmp("times.csv");
  ASSERT_EQ(sh(kBin + " hunt -q --year 2024 -r " + kRules + "/format_rules.yml " + kLogs + " -o " +
               out.string() + " 2>/dev/null"),
            0);
  const std::string csv = slurp(out);
  EXPECT_NE(csv.find("2024-01-05T03:10:09.000000Z,medium,7a6f0000-0000-4000-8000-000000000011"),
            std::string::npos);
  EXPECT_NE(
      csv.find("2024-01-05T03:01:02.000000Z,informational,7a6f0000-0000-4000-8000-000000000013"),
      std::string::npos);  // 12:01:02 at +0900
  EXPECT_NE(csv.find("2024-01-05T03:01:40.123456Z,high,7a6f0000-0000-4000-8000-000000000014"),
            std::string::npos);
  EXPECT_NE(csv.find("2024-01-05T03:21:00.000000Z,medium,7a6f0000-0000-4000-8000-000000000015"),
            std::string::npos);
  EXPECT_NE(csv.find("2024-01-05T04:01:00.000000Z,high,7a6f0000-0000-4000-8000-000000000016"),
            std::string::npos);
}

TEST(Hunt, CorrelationsJoinTheTimelineWithTheirEvents) {
  const fs::path out = tmp("corr.jsonl");
  ASSERT_EQ(sh(kBin + " hunt -q --year 2024 -r tests/data/hunt/correlation " + kLogs +
               "/auth.log --threads 2 -o " + out.string() + " 2>/dev/null"),
            0);
  const std::string f = kLogs + "/auth.log";
  const std::string failed = "7a6f0000-0000-4000-8000-000000000021",
                    then_ok = "7a6f0000-0000-4000-8000-000000000023",
                    several = "7a6f0000-0000-4000-8000-000000000024";
  // The accepted-login rule feeds a correlation without `generate`, so it is not shown itself.
  EXPECT_EQ(read_jsonl(out),
            (std::vector<Hit>{{failed, f, 2}, {failed, f, 3}, {several, f, 3}, {then_ok, f, 4}}));
  const std::string jsonl = slurp(out);
  EXPECT_NE(jsonl.find("\"related\":[{\"file\":\"" + f + "\",\"line\":2},{\"file\":\"" + f +
                       "\",\"line\":3},{\"file\":\"" + f + "\",\"line\":4}]"),
            std::string::npos)
      << jsonl;
}

TEST(Hunt, RuleSelectionOptions) {
  const fs::path out = tmp("select.jsonl");
  const std::string base =
      kBin + " hunt -q -r " + kRules + " " + kLogs + "/windows.jsonl -o " + out.string();
  ASSERT_EQ(sh(base + " --min-level medium"), 0);
  for (const Hit& h : read_jsonl(out)) EXPECT_NE(h.rule_id, kRdp);
  ASSERT_EQ(sh(base + " --tag attack.t1059"), 0);  // parent technique selects the sub-technique
  for (const Hit& h : read_jsonl(out)) EXPECT_EQ(h.rule_id, kCmd);
  EXPECT_EQ(read_jsonl(out).size(), 3u);
  ASSERT_EQ(sh(base + " --exclude-rule " + kCmd + " --status stable"), 0);
  for (const Hit& h : read_jsonl(out)) EXPECT_EQ(h.rule_id, kRdp);
  ASSERT_EQ(sh(base + " --from 2024-01-05T03:12:45Z --to 2024-01-05T03:12:46Z"), 0);
  EXPECT_EQ(read_jsonl(out).size(), 2u);
  EXPECT_EQ(sh(base + " --min-level severe 2>/dev/null"), 2);
  EXPECT_EQ(sh(base + " --format nosuch 2>/dev/null"), 2);
}

TEST(Hunt, CsvCellsCannotRunAsFormulas) {
  const fs::path out = tmp("fixture.csv");
  ASSERT_EQ(
      sh(kBin + " hunt -q -r " + kRules + " " + kLogs + " -o " + out.string() + " 2>/dev/null"), 0);
  const std::string csv = slurp(out);
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\","),
            std::string::npos)
      << csv;
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) {
    // No cell may start with a formula character once quoting is undone.
    for (const char* bad : {",=", ",+", ",@", ",\"=", ",\"+", ",\"@", ",\"-"})
      EXPECT_EQ(line.find(bad), std::string::npos) << line;
  }
}

TEST(Hunt, ControlCharactersNeverReachTheTerminalRaw) {
  const fs::path out = tmp("table.txt");
  ASSERT_EQ(
      sh(kBin + " hunt -q --no-color --summary -r " + kRules + " " + kLogs + " > " + out.string()),
      0);
  const std::string table = slurp(out);
  EXPECT_NE(table.find("WS\\x1b[31mRED"), std::string::npos) << table;
  for (char c : table) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u == '\n' || u >= 0x20) << "raw control byte " << int(u);
  }
  EXPECT_EQ(table.find("\xe2\x80\xae"), std::string::npos);  // no raw right-to-left override
}

TEST(Hunt, ThreadCountDoesNotChangeTheOutput) {
  std::string inputs = kLogs + " tests/data/evtx";
  const std::string root = sigmahq_dir();
  if (fs::exists(root + "/regression_data")) inputs += " '" + root + "/regression_data'";
  std::string rules = "-r " + kRules + " -r tests/data/hunt/correlation";
  if (fs::exists(root + "/rules")) rules += " -r '" + root + "/rules'";
  const fs::path one = tmp("t1.csv"), many = tmp("t4.csv");
  ASSERT_EQ(sh(kBin + " hunt -q " + rules + " " + inputs + " --threads 1 -o " + one.string() +
               " 2>/dev/null"),
            0);
  ASSERT_EQ(sh(kBin + " hunt -q " + rules + " " + inputs + " --threads 4 -o " + many.string() +
               " 2>/dev/null"),
            0);
  const std::string a = slurp(one), b = slurp(many);
  EXPECT_GT(a.size(), 500u);
  EXPECT_EQ(a, b);
}

TEST(Hunt, SigmaHqRegressionSuiteEndToEnd) {
  const std::string root = sigmahq_dir();
  if (!fs::exists(root + "/regression_data")) GTEST_SKIP() << "SigmaHQ data not found at " << root;
  const fs::path out = tmp("regression.jsonl");
  ASSERT_EQ(sh(kBin + " hunt -q -r '" + root + "/rules' -r '" + root +
               "/rules-emerging-threats' -r '" + root + "/rules-threat-hunting' '" + root +
               "/regression_data' --threads 2 -o " + out.string() + " 2>/dev/null"),
            0);
  // (rule id, file name) -> hits. Some regression files hold the same records as others: each
  // such record is detected once, citing one file and listing the rest as copies, and counts for
  // every file it is in.
  std::map<std::pair<std::string, std::string>, int> count;
  std::size_t duplicated = 0;
  for (const Hit& h : read_jsonl(out)) {
    ++count[{h.rule_id, fs::path(h.file).filename().string()}];
    for (const std::string& c : h.copies) ++count[{h.rule_id, fs::path(c).filename().string()}];
    duplicated += !h.copies.empty();
  }
  EXPECT_GT(duplicated, 0u);
  int cases = 0;
  for (auto& e : fs::recursive_directory_iterator(root + "/regression_data")) {
    if (e.path().filename() != "info.yml") continue;
    const YAML::Node info = YAML::LoadFile(e.path().string());
    if (!info["regression_tests_info"] || !info["regression_tests_info"].IsSequence()) continue;
    const std::string id = info["rule_metadata"][0]["id"].as<std::string>();
    for (const auto& t : info["regression_tests_info"]) {
      if (t["type"].as<std::string>("") != "evtx") continue;
      const int want = t["match_count"] ? t["match_count"].as<int>() : 1;
      const std::string file = fs::path(t["path"].as<std::string>()).filename().string();
      EXPECT_GE((count[{id, file}]), want) << id << " on " << file;
      ++cases;
    }
  }
  EXPECT_EQ(cases, 202);
}

}  // namespace

// GeoIP: every external address in a detection carries its country and AS from the databases
// given (here written by the test), the log's own country field winning over them; internal and
// documentation addresses no database knows carry nothing; --no-geoip turns it off.
class HuntGeoIp : public ::testing::Test {
 protected:
  void SetUp() override {
    using tansa::geo::testing::MmdbWriter;
    MmdbWriter country("GeoLite2-Country", 6, 1714694400);  // 2024-05-03
    country.insert("203.0.113.0/24", MmdbWriter::country("JP", "Japan"));
    country.insert("198.51.100.0/24", MmdbWriter::country("NL", "Netherlands"));
    country.write(tmp("country.mmdb").string());
    MmdbWriter asn("GeoLite2-ASN", 4, 1714694400);
    asn.insert("203.0.113.0/24", MmdbWriter::asn(64500, "Example Transit"));
    asn.write(tmp("asn.mmdb").string());
    geoip_ = " --geoip " + tmp("country.mmdb").string() + " --geoip " + tmp("asn.mmdb").string();
    std::ofstream(tmp("fgt_country.log"))
        << "date=2024-01-05 time=12:01:02 devname=\"FGT-EDGE\" tz=\"+0900\" logid=\"0101039947\" "
           "type=\"event\" subtype=\"vpn\" action=\"tunnel-up\" remip=203.0.113.7 "
           "srccountry=\"Netherlands\" tunnelip=10.212.134.200 user=\"tanaka\" "
           "logdesc=\"SSL VPN tunnel up\" msg=\"SSL tunnel established\"\n";
  }
  // "rule_id line-or-record geo-array" per detection, the geo array minified ("-" when absent).
  static std::vector<std::string> places(const fs::path& jsonl) {
    std::vector<std::string> out;
    simdjson::dom::parser parser;
    std::ifstream in(jsonl);
    std::string line;
    while (std::getline(in, line)) {
      simdjson::dom::element e = parser.parse(line);
      auto pos = e["source"]["record"].error() ? e["source"]["line"] : e["source"]["record"];
      auto geo = e["geo"];
      out.push_back(std::string(std::string_view(e["rule_title"])) + " " +
                    std::to_string(std::uint64_t(pos)) + " " +
                    (geo.error() ? std::string("-") : simdjson::minify(geo.value())));
    }
    return out;
  }
  std::string geoip_;
};

TEST_F(HuntGeoIp, ExternalAddressesCarryCountryAndAs) {
  const fs::path out = tmp("geo.jsonl");
  ASSERT_EQ(
      sh(kBin + " hunt -q -r " + kRules + " " + kLogs + "/windows.jsonl " + kLogs + "/conn.log " +
         tmp("fgt_country.log").string() + geoip_ + " -o " + out.string() + " 2>/dev/null"),
      0);
  const std::string jp =
      R"("country":"JP","country_source":"GeoLite2-Country 2024-05-03","asn":64500,)"
      R"("as_org":"Example Transit","as_source":"GeoLite2-ASN 2024-05-03")";
  const std::vector<std::string> got = places(out);
  const std::vector<std::string> want = {
      R"(RDP From Anywhere 5 [{"field":"IpAddress","address":"203.0.113.7",)" + jp + "}]",
      "RDP From Anywhere 6 -",  // 10.0.0.5: internal
      // The log's srccountry wins over the database's JP; the AS still comes from the database.
      R"(VPN Tunnel Up 1 [{"field":"remip","address":"203.0.113.7","country":"NL",)"
      R"("country_source":"log srccountry","asn":64500,"as_org":"Example Transit",)"
      R"("as_source":"GeoLite2-ASN 2024-05-03"}])",
      // 10.0.0.10 is internal; 198.51.100.99 has a country and no AS.
      R"(Large Upload 9 [{"field":"id.resp_h","address":"198.51.100.99","country":"NL",)"
      R"("country_source":"GeoLite2-Country 2024-05-03"}])",
      "Whoami Run 1 -", "Cmd Run 2 -", "Cmd Run 3 -", "Cmd Run 7 -"};
  EXPECT_EQ(got, want);
}

TEST_F(HuntGeoIp, TheTableShowsThePlaceBesideTheAddress) {
  const fs::path out = tmp("geo.txt"), err = tmp("geo.err");
  ASSERT_EQ(sh(kBin + " hunt --no-color -r " + kRules + " " + kLogs + "/windows.jsonl" + geoip_ +
               " > " + out.string() + " 2> " + err.string()),
            0);
  const std::string table = slurp(out);
  EXPECT_NE(table.find("IpAddress: 203.0.113.7 (JP, AS64500 Example Transit)"), std::string::npos)
      << table;
  EXPECT_NE(table.find("IpAddress: 10.0.0.5\n"), std::string::npos) << table;
  // What answered is said once, on standard error.
  EXPECT_NE(slurp(err).find("GeoIP from GeoLite2-Country 2024-05-03 (" +
                            tmp("country.mmdb").string() + ")"),
            std::string::npos)
      << slurp(err);
}

// --no-geoip: no database answers; what the log itself says of a country still does.
TEST_F(HuntGeoIp, NoGeoIpLeavesOnlyTheLogsOwnCountry) {
  const fs::path out = tmp("nogeo.jsonl");
  ASSERT_EQ(sh(kBin + " hunt -q --no-geoip -r " + kRules + " " + kLogs + "/windows.jsonl " +
               tmp("fgt_country.log").string() + " -o " + out.string() + " 2>/dev/null"),
            0);
  const std::vector<std::string> got = places(out);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "RDP From Anywhere 5 -", "RDP From Anywhere 6 -",
                     R"(VPN Tunnel Up 1 [{"field":"remip","address":"203.0.113.7","country":"NL",)"
                     R"("country_source":"log srccountry"}])",
                     "Whoami Run 1 -", "Cmd Run 2 -", "Cmd Run 3 -", "Cmd Run 7 -"}));
}

TEST_F(HuntGeoIp, AnUnreadableDatabaseIsAnErrorNamingIt) {
  const fs::path bad = tmp("bad.mmdb"), err = tmp("bad.err");
  std::ofstream(bad) << "nothing here";
  EXPECT_EQ(sh(kBin + " hunt -r " + kRules + " " + kLogs + "/windows.jsonl --geoip " +
               bad.string() + " > /dev/null 2> " + err.string()),
            2);
  EXPECT_NE(slurp(err).find(bad.string() + ": not a readable MaxMind database"), std::string::npos)
      << slurp(err);
}

// Archives read in place: a zip, a 7z and a tar.gz of the fixtures give the same detections as
// the fixtures themselves, each cited as "archive!member"; an encrypted zip opens with
// "infected" unasked and with --archive-password; a zip bomb is reported and not followed.
class HuntArchives : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"windows.jsonl", "fortigate.log", "auth_rotated.log.1.gz", "conn.log"})
      members_.emplace_back(std::string("logs/") + f, slurp(kSrc + "/" + kLogs + "/" + f));
    members_.emplace_back("evtx/sample.evtx", slurp(kSrc + "/tests/data/evtx/sample.evtx"));
    // An Office document is a zip too, but a document: not an archive inside the archive.
    members_.emplace_back(
        "docs/handover.docx",
        std::string("PK\x03\x04", 4) + std::string(26, '\0') + "[Content_Types].xml<Types/>");
    members_.emplace_back("tools/notes.txt", "nothing to see");
  }
  // "rule_id member-name position", sorted, from a JSON lines output; members named by what
  // follows the archive's "!", plain files by their name under the fixture folders.
  static std::vector<std::string> hits(const fs::path& jsonl) {
    std::vector<std::string> out;
    for (const Hit& h : read_jsonl(jsonl)) {
      const std::size_t bang = h.file.find('!');
      std::string name = bang == std::string::npos ? h.file : h.file.substr(bang + 1);
      name = fs::path(name).filename().string();
      out.push_back(h.rule_id + " " + name + " " + std::to_string(h.position));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> plain() {
    const fs::path out = tmp("plain.jsonl");
    EXPECT_EQ(
        sh(kBin + " hunt -q --no-geoip -r " + kRules + " " + kLogs + "/windows.jsonl " + kLogs +
           "/fortigate.log " + kLogs + "/auth_rotated.log.1.gz " + kLogs +
           "/conn.log tests/data/evtx/sample.evtx --year 2024 -o " + out.string() + " 2>/dev/null"),
        0);
    return hits(out);
  }
  std::vector<std::pair<std::string, std::string>> members_;
};

TEST_F(HuntArchives, ZipSevenZipAndTarGzGiveTheDetectionsOfTheirFiles) {
  using tansa::io::testing::ArchiveKind;
  const std::vector<std::string> want = plain();
  ASSERT_GE(want.size(), 5u);
  for (auto [kind, name] :
       {std::pair{ArchiveKind::Zip, "bundle.zip"}, std::pair{ArchiveKind::SevenZip, "bundle.7z"},
        std::pair{ArchiveKind::TarGz, "bundle.tar.gz"}}) {
    const fs::path archive = tmp(name), out = tmp(std::string(name) + ".jsonl"),
                   err = tmp(std::string(name) + ".err");
    tansa::io::testing::write_archive(archive.string(), kind, members_);
    EXPECT_EQ(sh(kBin + " hunt --no-geoip -r " + kRules + " " + archive.string() +
                 " --year 2024 -o " + out.string() + " 2> " + err.string()),
              0)
        << name << slurp(err);
    EXPECT_EQ(hits(out), want) << name;
    // Sources cite the member inside its archive.
    EXPECT_NE(slurp(out).find(archive.string() + "!logs/windows.jsonl"), std::string::npos);
    // What is not a log is counted once, not reported member by member.
    EXPECT_NE(slurp(err).find(archive.string() + ": 2 members are in no format tansa reads"),
              std::string::npos)
        << slurp(err);
  }
}

TEST_F(HuntArchives, EncryptedZipsOpenWithInfectedOrTheGivenPassword) {
  using tansa::io::testing::ArchiveKind;
  const std::vector<std::string> want = plain();
  const fs::path infected = tmp("infected.zip"), secret = tmp("secret.zip"), out = tmp("enc.jsonl"),
                 err = tmp("enc.err");
  tansa::io::testing::write_archive(infected.string(), ArchiveKind::Zip, members_, "infected");
  tansa::io::testing::write_archive(secret.string(), ArchiveKind::Zip, members_, "s3cret");
  ASSERT_EQ(sh(kBin + " hunt -q --no-geoip -r " + kRules + " " + infected.string() +
               " --year 2024 -o " + out.string() + " 2>/dev/null"),
            0);
  EXPECT_EQ(hits(out), want);
  ASSERT_EQ(sh(kBin + " hunt -q --no-geoip -r " + kRules + " " + secret.string() +
               " --archive-password s3cret --year 2024 -o " + out.string() + " 2>/dev/null"),
            0);
  EXPECT_EQ(hits(out), want);
  // Without its password nothing can be read: each member says why, and the exit status is 1.
  EXPECT_EQ(sh(kBin + " hunt --no-geoip -r " + kRules + " " + secret.string() + " -o " +
               out.string() + " 2> " + err.string()),
            1);
  EXPECT_NE(slurp(err).find(secret.string() + "!logs/windows.jsonl: encrypted, and no "
                                              "--archive-password given opens it"),
            std::string::npos)
      << slurp(err);
}

TEST_F(HuntArchives, ArchivesInsideArchivesAreReadInPlaceAndCitedThroughEachLevel) {
  using tansa::io::testing::ArchiveKind;
  const std::vector<std::string> want = plain();
  // A KAPE zip inside a 7z inside an encrypted zip, as collections get passed along.
  const fs::path kape = tmp("kape.zip"), mid = tmp("mid.7z"), outer = tmp("outer.zip"),
                 out = tmp("nested.jsonl"), err = tmp("nested.err");
  tansa::io::testing::write_archive(kape.string(), ArchiveKind::Zip, members_);
  tansa::io::testing::write_archive(mid.string(), ArchiveKind::SevenZip,
                                    {{"host1/kape.zip", slurp(kape)}});
  tansa::io::testing::write_archive(outer.string(), ArchiveKind::Zip,
                                    {{"case-42/mid.7z", slurp(mid)}}, "infected");
  ASSERT_EQ(sh(kBin + " hunt --no-geoip -r " + kRules + " " + outer.string() +
               " --year 2024 -o " + out.string() + " 2> " + err.string()),
            0)
      << slurp(err);
  EXPECT_EQ(hits(out), want);
  EXPECT_NE(slurp(out).find(outer.string() + "!case-42/mid.7z!host1/kape.zip!logs/windows.jsonl"),
            std::string::npos)
      << slurp(out);
  // One level more than tansa opens: the innermost archive is reported, not read.
  const fs::path deeper = tmp("deeper.zip");
  tansa::io::testing::write_archive(deeper.string(), ArchiveKind::Zip,
                                    {{"wrapped/outer.zip", slurp(outer)}});
  EXPECT_EQ(sh(kBin + " hunt --no-geoip -r " + kRules + " " + deeper.string() + " -o " +
               out.string() + " 2> " + err.string()),
            1);
  EXPECT_NE(slurp(err).find(deeper.string() +
                            "!wrapped/outer.zip!case-42/mid.7z!host1/kape.zip: an archive inside "
                            "an archive is opened only when its name says it is one (.zip, .7z, "
                            ".tar.gz...) and it lies at most 3 levels deep; extract it"),
            std::string::npos)
      << slurp(err);
}

TEST_F(HuntArchives, AZipBombIsReportedAndTheRestIsRead) {
  using tansa::io::testing::ArchiveKind;
  const fs::path bomb = tmp("bomb.zip"), out = tmp("bomb.jsonl"), err = tmp("bomb.err");
  tansa::io::testing::write_archive(
      bomb.string(), ArchiveKind::Zip,
      {{"a.log", std::string(std::size_t{80} << 20, 'A')}, {"b.log", "never read"}});
  ASSERT_EQ(sh(kBin + " hunt --no-geoip -r " + kRules + " " + bomb.string() + " " + kLogs +
               "/windows.jsonl -o " + out.string() + " 2> " + err.string()),
            0);
  EXPECT_FALSE(read_jsonl(out).empty());  // the plain file's detections
  const std::string e = slurp(err);
  EXPECT_NE(e.find(bomb.string() + "!a.log: the archive expands beyond 250 times its size (a zip "
                                   "bomb?); not followed further"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(bomb.string() + "!b.log: the archive expands beyond"), std::string::npos) << e;
}
