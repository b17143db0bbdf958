// `tansa metrics` and `tansa logons` end to end on the mixed-format fixtures (EVTX, Windows JSON,
// auth.log, FortiGate, Microsoft 365): exact rows, rows that must not appear, and an empty log
// that must.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "cli_test_util.h"
#include "mmdb_writer.h"

namespace {

namespace fs = std::filesystem;
using tansa::testing::sh;
using tansa::testing::slurp;

const std::string kBin = TANSA_BINARY;
const std::string kData = std::string(TANSA_SOURCE_DIR) + "/tests/data";

std::string run(const std::string& args, const fs::path& out) {
  EXPECT_EQ(sh(kBin + " " + args + " -q -o '" + out.string() + "'"), 0) << args;
  return slurp(out);
}

TEST(Metrics, EveryFileAndStreamWithItsSpanRecordsAndSilences) {
  const fs::path dir = tansa::testing::tmp("survey", "metrics");
  fs::create_directories(dir);
  std::ofstream(dir / "empty.evtx.jsonl").flush();  // an empty log has its row too
  const std::string out = run("metrics '" + kData + "/hunt/logs/windows.jsonl' '" + kData +
                                  "/hunt/logs/fortigate.log' '" + kData + "/evtx/sample.evtx' '" +
                                  (dir / "empty.evtx.jsonl").string() + "' --gap 2m",
                              dir / "m.jsonl");
  // Files, in input order: events, span, record ids and holes, top ids, silences over 2 minutes.
  EXPECT_NE(out.find("{\"kind\":\"file\",\"file\":\"" + kData +
                     "/evtx/sample.evtx\",\"events\":10,\"first\":\"2024-03-14T09:26:53.589793Z\","
                     "\"last\":\"2024-03-14T09:27:23.589793Z\",\"first_record\":1,\"last_record\":"
                     "10,\"missing_records\":0,\"record_holes\":0,\"top_event_ids\":[{\"id\":4625,"
                     "\"events\":3},"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"file\":\"" + kData +
                     "/hunt/logs/fortigate.log\",\"events\":5,\"first\":\"2024-01-05T03:00:12."
                     "000000Z\",\"last\":\"2024-01-05T03:07:00.000000Z\",\"first_record\":0,"
                     "\"last_record\":0,\"missing_records\":0,\"record_holes\":0,\"top_event_ids\":"
                     "[],\"silences\":[{\"start\":\"2024-01-05T03:01:02.000000Z\",\"end\":\"2024-"
                     "01-05T03:05:00.000000Z\",\"hours\":0.07}]}"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("{\"kind\":\"file\",\"file\":\"" + (dir / "empty.evtx.jsonl").string() +
                     "\",\"events\":0,\"first_record\":0"),
            std::string::npos)
      << out;
  // Hosts and sources: the Security channel of the sample misses records 3 to 5 (they are other
  // channels' in the same file), the FortiGate's events and traffic are separate streams.
  EXPECT_NE(
      out.find("{\"kind\":\"stream\",\"host\":\"WKS01.corp.example\",\"source\":\"Security\","
               "\"events\":6,\"first\":\"2024-03-14T09:26:53.589793Z\",\"last\":\"2024-03-14T"
               "09:27:13.589793Z\",\"first_record\":1,\"last_record\":9,\"missing_records\":3,"
               "\"record_holes\":1,"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("{\"kind\":\"stream\",\"host\":\"FGT-EDGE\",\"source\":\"fortigate:traffic\","
                     "\"events\":1,"),
            std::string::npos);
  // A hostile host name stays inert.
  EXPECT_NE(out.find("\"host\":\"WS\\u001b[31mRED\""), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);

  // The table names the silences; the CSV neutralises a formula in a host name.
  const std::string table =
      run("metrics '" + kData + "/hunt/logs/fortigate.log' --gap 2m", dir / "m.txt");
  EXPECT_NE(
      table.find("silences longer than 2 min:\nFGT-EDGE fortigate:event: 2024-01-05T03:01:02Z "
                 "to 2024-01-05T03:06:00Z (4 min)"),
      std::string::npos)
      << table;
  const std::string csv = run("metrics '" + kData + "/hunt/logs/windows.jsonl'", dir / "m.csv");
  EXPECT_NE(csv.find("stream,,\"'=HYPERLINK("), std::string::npos) << csv;
}

// GeoIP: each row's source carries its country and AS from the databases given (written here by
// the test); a VPN log's own srccountry wins over the database; internal sources carry nothing.
TEST(Logons, SourcesCarryCountryAndAs) {
  using tansa::geo::testing::MmdbWriter;
  const fs::path dir = tansa::testing::tmp("survey", "logons_geo");
  fs::create_directories(dir);
  MmdbWriter country("GeoLite2-Country", 6, 1714694400);  // 2024-05-03
  country.insert("203.0.113.0/24", MmdbWriter::country("JP", "Japan"));
  country.insert("198.51.100.0/24", MmdbWriter::country("NL", "Netherlands"));
  country.write((dir / "country.mmdb").string());
  MmdbWriter asn("GeoLite2-ASN", 4, 1714694400);
  asn.insert("203.0.113.0/24", MmdbWriter::asn(64500, "Example Transit"));
  asn.write((dir / "asn.mmdb").string());
  std::ofstream(dir / "fgt.log")
      << "date=2024-01-06 time=01:00:00 devname=\"FGT-EDGE\" tz=\"+0000\" logid=\"0101039947\" "
         "type=\"event\" subtype=\"vpn\" action=\"tunnel-up\" remip=198.51.100.20 "
         "srccountry=\"Germany\" tunnelip=10.212.134.201 user=\"sato\" "
         "msg=\"SSL tunnel established\"\n";
  const std::string geoip = " --geoip '" + (dir / "country.mmdb").string() + "' --geoip '" +
                            (dir / "asn.mmdb").string() + "'";
  const std::string csv = run(
      "logons '" + kData + "/hunt/logs/windows.jsonl' '" + (dir / "fgt.log").string() + "'" + geoip,
      dir / "l.csv");
  EXPECT_EQ(csv,
            "first,last,count,kind,outcome,account,source,country,country_source,asn,as_org,"
            "workstation,target,type,event_ids\n"
            "2024-01-05T03:00:00Z,2024-01-05T03:00:00Z,1,windows,success,tanaka,203.0.113.7,JP,"
            "GeoLite2-Country 2024-05-03,64500,Example Transit,,DC01,logon type 10,4624\n"
            "2024-01-05T03:00:01Z,2024-01-05T03:00:01Z,1,windows,success,sato,10.0.0.5,,,,,,DC01,"
            "logon type 10,4624\n"
            "2024-01-06T01:00:00Z,2024-01-06T01:00:00Z,1,vpn,success,sato,198.51.100.20,DE,"
            "log srccountry,,,,FGT-EDGE,vpn,\n");
  const std::string table =
      run("logons '" + kData + "/hunt/logs/windows.jsonl'" + geoip, dir / "l.txt");
  EXPECT_NE(table.find("203.0.113.7     JP, AS64500 Example Transit"), std::string::npos) << table;
}

TEST(Logons, OneTableAcrossWindowsVpnSshAndCloud) {
  const fs::path dir = tansa::testing::tmp("survey", "logons");
  fs::create_directories(dir);
  const std::string logs = "'" + kData + "/hunt/logs/auth.log' '" + kData +
                           "/hunt/logs/fortigate.log' '" + kData + "/hunt/logs/m365.jsonl' '" +
                           kData + "/hunt/logs/windows.jsonl' '" + kData + "/evtx/sample.evtx'";
  const std::string all = run("logons --year 2026 " + logs, dir / "all.csv");
  EXPECT_EQ(
      all,
      "first,last,count,kind,outcome,account,source,country,country_source,asn,as_org,"
      "workstation,target,type,event_ids\n"
      "2024-01-05T03:00:00Z,2024-01-05T03:00:00Z,1,windows,success,tanaka,203.0.113.7,,,,,,DC01,"
      "logon type 10,4624\n"
      "2024-01-05T03:00:01Z,2024-01-05T03:00:01Z,1,windows,success,sato,10.0.0.5,,,,,,DC01,"
      "logon type 10,4624\n"
      "2024-01-05T03:00:12Z,2024-01-05T03:00:12Z,1,vpn,failure,tanaka,203.0.113.7,,,,,,FGT-EDGE,"
      "vpn,\n"
      "2024-01-05T03:01:02Z,2024-01-05T03:01:02Z,1,vpn,success,tanaka,203.0.113.7,,,,,,FGT-EDGE,"
      "vpn,\n"
      "2024-03-14T09:26:53Z,2024-03-14T09:26:54Z,2,windows,failure,CORP\\alice,10.0.13.37,,,,,"
      "KALI,WKS01.corp.example,logon type 3,4625\n"
      "2024-03-14T09:26:55Z,2024-03-14T09:26:55Z,1,windows,failure,CORP\\administrator,"
      "10.0.13.37,,,,,KALI,WKS01.corp.example,logon type 3,4625\n"
      "2024-03-14T09:26:58Z,2024-03-14T09:26:58Z,1,windows,success,CORP\\alice,10.0.13.37,,,,,"
      "KALI,WKS01.corp.example,logon type 3,4624\n"
      "2026-01-05T03:10:01Z,2026-01-05T03:10:01Z,1,ssh,failure,oracle,203.0.113.7,,,,,,web1,ssh,"
      "\n"
      "2026-01-05T03:10:02Z,2026-01-05T03:10:02Z,1,ssh,failure,oracle,203.0.113.7,,,,,,web1,ssh "
      "password,\n"
      "2026-01-05T03:10:05Z,2026-01-05T03:10:05Z,1,ssh,failure,root,203.0.113.7,,,,,,web1,ssh "
      "password,\n"
      "2026-01-05T03:10:09Z,2026-01-05T03:10:09Z,1,ssh,success,root,203.0.113.7,,,,,,web1,ssh "
      "password,\n"
      "2026-01-05T03:11:00Z,2026-01-05T03:11:00Z,1,ssh,success,deploy,198.51.100.20,,,,,,web1,"
      "ssh publickey,\n");
  // The Microsoft 365 fixture holds a download and an inbox rule: neither is a sign-in.
  EXPECT_EQ(all.find(",cloud,"), std::string::npos);

  const std::string failed = run("logons --year 2026 --failed " + logs, dir / "failed.csv");
  EXPECT_EQ(failed.find(",success,"), std::string::npos) << failed;
  EXPECT_NE(failed.find(",vpn,failure,tanaka,"), std::string::npos) << failed;
  EXPECT_NE(failed.find(",windows,failure,CORP\\administrator,"), std::string::npos) << failed;

  const std::string alice = run("logons --year 2026 --account ALICE " + logs, dir / "alice.csv");
  EXPECT_EQ(alice.find("administrator"), std::string::npos) << alice;
  EXPECT_EQ(alice.find("tanaka"), std::string::npos) << alice;
  EXPECT_NE(alice.find(",windows,success,CORP\\alice,"), std::string::npos) << alice;

  const std::string from =
      run("logons --year 2026 --source 203.0.113.0/24 " + logs, dir / "from.jsonl");
  EXPECT_EQ(from.find("10.0.13.37"), std::string::npos) << from;
  EXPECT_EQ(from.find("198.51.100.20"), std::string::npos) << from;
  EXPECT_NE(
      from.find("{\"first\":\"2024-01-05T03:00:00.000000Z\",\"last\":\"2024-01-05T03:00:00."
                "000000Z\",\"count\":1,\"kind\":\"windows\",\"outcome\":\"success\",\"account\""
                ":\"tanaka\",\"source\":\"203.0.113.7\",\"workstation\":\"\",\"target\":\"DC01\""
                ",\"type\":\"logon type 10\",\"event_ids\":[4624]}\n"),
      std::string::npos)
      << from;
  EXPECT_NE(sh(kBin + " logons --source nonsense " + logs + " -q > /dev/null 2>&1"), 0);
}

}  // namespace

namespace {

TEST(Search, KeywordsRegexesAndFieldExpressions) {
  const fs::path dir = tansa::testing::tmp("survey", "search");
  fs::create_directories(dir);
  const std::string evtx =
      "'" + kData + "/evtx/sample.evtx' '" + kData + "/hunt/logs/windows.jsonl'";
  auto records = [](const std::string& jsonl) {
    std::multiset<std::string> out;
    std::size_t at = 0;
    while ((at = jsonl.find("\"source\":{", at)) != std::string::npos) {
      const std::size_t end = jsonl.find('}', at);
      out.insert(jsonl.substr(at + 10, end - at - 10));
      at = end;
    }
    return out;
  };
  const std::string sample = "\"file\":\"" + kData + "/evtx/sample.evtx\",\"record\":";
  // A keyword, any case, in any field: the four logons from the workstation KALI.
  EXPECT_EQ(records(run("search -k kali " + evtx, dir / "k.jsonl")),
            (std::multiset<std::string>{sample + "1", sample + "2", sample + "3", sample + "4"}));
  // A field expression: failed logons of alice only.
  EXPECT_EQ(
      records(run("search -w \"EventID=4625 and TargetUserName=alice\" " + evtx, dir / "w.jsonl")),
      (std::multiset<std::string>{sample + "1", sample + "2"}));
  // Successful logons from outside 10.0.0.0/8: tanaka's from 203.0.113.7, not sato's or alice's.
  const std::string outside =
      run("search -w \"EventID=4624 and not IpAddress|cidr=10.0.0.0/8\" " + evtx, dir / "o.jsonl");
  EXPECT_NE(outside.find("\"IpAddress\":\"203.0.113.7\""), std::string::npos) << outside;
  EXPECT_EQ(outside.find("10.0.0.5"), std::string::npos) << outside;
  EXPECT_EQ(outside.find("10.0.13.37"), std::string::npos) << outside;
  EXPECT_EQ(records(outside).size(), 1u);
  // A regular expression over syslog: the two accepted SSH logons.
  const std::string ssh = run(
      "search --year 2026 -e \"Accepted (password|publickey)\" '" + kData + "/hunt/logs/auth.log'",
      dir / "e.csv");
  EXPECT_EQ(std::count(ssh.begin(), ssh.end(), '\n'), 3) << ssh;  // the header and two rows
  // What cannot be read is an error naming it, not an empty result.
  EXPECT_EQ(sh(kBin + " search -w \"EventID=\" " + evtx + " -q > /dev/null 2> '" +
               (dir / "err.txt").string() + "'"),
            2);
  EXPECT_NE(slurp(dir / "err.txt").find("expected a value after 'EventID'"), std::string::npos)
      << slurp(dir / "err.txt");
  EXPECT_NE(sh(kBin + " search -w \"Image|bogus=x\" " + evtx + " -q > /dev/null 2>&1"), 0);
}

}  // namespace

namespace {

TEST(Pivots, WhatTheStrongDetectionsName) {
  const fs::path dir = tansa::testing::tmp("survey", "pivots");
  fs::create_directories(dir);
  const std::string logs = "'" + kData + "/evtx/sample.evtx' '" + kData + "/hunt/logs'";
  // The rule pack's high and critical detections: accounts, hosts and addresses, each with its
  // rules; the medium administrator login and the low VPN failures name nothing here.
  EXPECT_EQ(
      run("pivots --year 2026 " + logs, dir / "p.csv"),
      "kind,value,detections,first,last,rules\n"
      "account,admin,2,2024-01-05T03:06:00Z,2024-01-05T03:06:00Z,FortiGate Administrator "
      "Account Created\n"
      "account,alice,1,2024-03-14T09:27:13Z,2024-03-14T09:27:13Z,Security Event Log Cleared\n"
      "account,tanaka,1,2024-01-05T03:00:00Z,2024-01-05T03:00:00Z,Remote Desktop Logon From a "
      "Public Address\n"
      "host,FGT-EDGE,2,2024-01-05T03:06:00Z,2024-01-05T03:06:00Z,FortiGate Administrator "
      "Account Created\n"
      "host,10.0.0.10,1,2024-01-05T03:01:40Z,2024-01-05T03:01:40Z,Large Outbound Transfer to "
      "One External Address\n"
      "host,DC01,1,2024-01-05T03:00:00Z,2024-01-05T03:00:00Z,Remote Desktop Logon From a "
      "Public Address\n"
      "host,WKS01.corp.example,1,2024-03-14T09:27:13Z,2024-03-14T09:27:13Z,Security Event Log "
      "Cleared\n"
      "host,web1,1,2026-01-05T03:10:09Z,2026-01-05T03:10:09Z,SSH Login Accepted From an "
      "Address That Was Guessing\n"
      "address,203.0.113.7,2,2024-01-05T03:00:00Z,2026-01-05T03:10:09Z,Remote Desktop Logon "
      "From a Public Address; SSH Login Accepted From an Address That Was Guessing\n"
      "address,10.0.0.10,1,2024-01-05T03:01:40Z,2024-01-05T03:01:40Z,Large Outbound Transfer "
      "to One External Address\n"
      "address,198.51.100.99,1,2024-01-05T03:01:40Z,2024-01-05T03:01:40Z,Large Outbound "
      "Transfer to One External Address\n");
  // Critical only: nothing here is critical.
  EXPECT_EQ(run("pivots --year 2026 --min-level critical " + logs, dir / "c.csv"),
            "kind,value,detections,first,last,rules\n");
  EXPECT_NE(sh(kBin + " pivots --min-level loud " + logs + " -q > /dev/null 2>&1"), 0);
  // tansa.yml as hunt reads it: a disabled rule names nothing, a lowered one falls below the level.
  std::ofstream(dir / "tuning.yml")
      << "disable: [\"FortiGate Administrator Account Created\"]\n"
         "levels: {\"Large Outbound Transfer to One External Address\": medium}\n";
  const std::string tuned = run(
      "pivots --year 2026 --config '" + (dir / "tuning.yml").string() + "' " + logs, dir / "t.csv");
  EXPECT_EQ(tuned.find("admin"), std::string::npos) << tuned;
  EXPECT_EQ(tuned.find("FGT-EDGE"), std::string::npos) << tuned;
  EXPECT_EQ(tuned.find("198.51.100.99"), std::string::npos) << tuned;
  EXPECT_NE(tuned.find("address,203.0.113.7,2,"), std::string::npos) << tuned;
}

}  // namespace
