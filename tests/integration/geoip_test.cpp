// GeoIP in `tansa investigate`: the intruder's sources carry their country and AS from the
// databases given (written here by the test), the VPN log's own srccountry winning over them, in
// report.json, the Markdown report and the terminal summary.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>

#include "cli_test_util.h"
#include "mmdb_writer.h"

namespace {

namespace fs = std::filesystem;
using tansa::geo::testing::MmdbWriter;
using tansa::testing::sh;
using tansa::testing::slurp;

const std::string kBin = TANSA_BINARY;

class InvestigateGeoIp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tansa::testing::tmp("geoip", "dbs");
    fs::create_directories(dir_);
    MmdbWriter country("GeoLite2-Country", 6, 1714694400);  // 2024-05-03
    country.insert("203.0.113.0/24", MmdbWriter::country("JP", "Japan"));
    country.write((dir_ / "country.mmdb").string());
    MmdbWriter asn("GeoLite2-ASN", 4, 1714694400);
    asn.insert("203.0.113.0/24", MmdbWriter::asn(64500, "Example Transit"));
    asn.write((dir_ / "asn.mmdb").string());
  }
  // Simulates `scenario`, investigates it with both databases; returns report.json's sources as
  // "address country country_source asn as_org" lines.
  std::vector<std::string> sources(const std::string& scenario, std::string* summary = nullptr) {
    const fs::path d = tansa::testing::tmp("geoip", scenario);
    fs::remove_all(d);
    EXPECT_EQ(
        sh(kBin + " simulate --scenario " + scenario + " -o '" + d.string() + "' > /dev/null"), 0);
    const std::string geoip = " --geoip '" + (dir_ / "country.mmdb").string() + "' --geoip '" +
                              (dir_ / "asn.mmdb").string() + "'";
    EXPECT_EQ(sh(tansa::testing::investigate_simulated(kBin, d, "") + geoip), 0);
    if (summary) {
      EXPECT_EQ(sh(kBin + " investigate '" + d.string() + "' --assets '" +
                   (d / "assets.yml").string() + "' --case '" + (d / "s.db").string() + "'" +
                   geoip + " -q > '" + (d / "summary.txt").string() + "'"),
                0);
      *summary = slurp(d / "summary.txt");
    }
    simdjson::dom::parser parser;
    const std::string text = slurp(d / "report.json");
    simdjson::dom::element report = parser.parse(text);
    std::vector<std::string> out;
    for (simdjson::dom::element e : report["initial_access"].get_array()) {
      auto src = e["source"];
      out.push_back("entry " + std::string(std::string_view(src["address"])) + " " +
                    std::string(std::string_view(src["country"])));
    }
    for (simdjson::dom::element s : report["sources"].get_array()) {
      auto str = [&](const char* k) {
        auto v = s[k];
        return v.error() ? std::string("-") : std::string(std::string_view(v));
      };
      auto asn = s["asn"];
      out.push_back(str("address") + " " + str("country") + " " + str("country_source") + " " +
                    (asn.error() ? std::string("-") : std::to_string(std::uint64_t(asn))) + " " +
                    str("as_org"));
    }
    return out;
  }
  fs::path dir_;
};

// SSH guessing on an exposed bastion: no log names a country, the database does.
TEST_F(InvestigateGeoIp, TheDatabasePlacesASourceNoLogPlaces) {
  EXPECT_EQ(sources("linux-pivot"),
            (std::vector<std::string>{
                "entry 203.0.113.150 JP",
                "203.0.113.150 JP GeoLite2-Country 2024-05-03 64500 Example Transit"}));
}

// The VPN log's srccountry wins over the database's JP; the AS still comes from the database.
TEST_F(InvestigateGeoIp, TheVpnLogsCountryWins) {
  std::string summary;
  EXPECT_EQ(
      sources("vpn-intrusion", &summary),
      (std::vector<std::string>{"entry 203.0.113.66 Netherlands", "entry 203.0.113.99 Netherlands",
                                "203.0.113.66 Netherlands log srccountry 64500 Example Transit",
                                "203.0.113.99 Netherlands log srccountry 64500 Example Transit"}));
  EXPECT_NE(summary.find("sources:             203.0.113.66 (Netherlands, AS64500 Example "
                         "Transit), 203.0.113.99 (Netherlands, AS64500 Example Transit)"),
            std::string::npos)
      << summary;
}

}  // namespace
