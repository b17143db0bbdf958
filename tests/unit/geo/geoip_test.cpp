// GeoIP: countries and autonomous systems from MaxMind databases the test writes itself, from
// Debian's legacy country database when it is installed, and from the log's own country field,
// which wins. Internal addresses never get a place.
#include "geo/geoip.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mmdb_writer.h"

namespace tansa::geo {
namespace {

using testing::MmdbWriter;

constexpr std::uint64_t kEpoch = 1714694400;  // 2024-05-03

class GeoIp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tansa-geo-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    MmdbWriter country("GeoLite2-Country", 6, kEpoch);
    country.insert("81.2.69.0/24", MmdbWriter::country("GB", "United Kingdom"));
    country.insert("198.51.100.0/24", MmdbWriter::country("NL", "Netherlands"));
    country.insert("198.51.100.128/25", MmdbWriter::country("DE", "Germany"));  // inside
    country.insert("2a02:c7f::/32", MmdbWriter::country("GB", "United Kingdom"));
    country.insert("10.0.0.0/8", MmdbWriter::country("US", "United States"));  // never asked
    country.write(country_path());
    MmdbWriter asn("GeoLite2-ASN", 4, kEpoch);
    asn.insert("81.2.64.0/20", MmdbWriter::asn(20712, "Andrews & Arnold Ltd"));
    asn.insert("8.8.8.0/24", MmdbWriter::asn(15169, "GOOGLE"));
    asn.write(asn_path());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string country_path() const { return (dir_ / "country.mmdb").string(); }
  std::string asn_path() const { return (dir_ / "asn.mmdb").string(); }
  Resolver both() const {
    const std::vector<std::string> files{country_path(), asn_path()};
    auto r = Resolver::open(files);
    EXPECT_TRUE(r.has_value()) << r.error();
    return std::move(*r);
  }
  std::filesystem::path dir_;
};

TEST_F(GeoIp, CountryAndAsFromTwoDatabases) {
  const Resolver r = both();
  const Place p = r.lookup("81.2.69.142");
  EXPECT_EQ(p.country, "GB");
  EXPECT_EQ(p.country_source, "GeoLite2-Country 2024-05-03");
  EXPECT_EQ(p.asn, 20712u);
  EXPECT_EQ(p.as_org, "Andrews & Arnold Ltd");
  EXPECT_EQ(p.as_source, "GeoLite2-ASN 2024-05-03");
  EXPECT_EQ(p.text(), "GB, AS20712 Andrews & Arnold Ltd");
  EXPECT_EQ(r.describe(),
            (std::vector<std::string>{"GeoLite2-Country 2024-05-03 (" + country_path() + ")",
                                      "GeoLite2-ASN 2024-05-03 (" + asn_path() + ")"}));
  EXPECT_FALSE(r.legacy_only());
}

TEST_F(GeoIp, TheMostSpecificNetworkAnswers) {
  const Resolver r = both();
  EXPECT_EQ(r.lookup("198.51.100.7").country, "NL");
  EXPECT_EQ(r.lookup("198.51.100.200").country, "DE");
  EXPECT_EQ(r.lookup("198.51.100.200").asn, 0u);  // no AS known: country alone
  EXPECT_EQ(r.lookup("198.51.100.200").text(), "DE");
  EXPECT_EQ(r.lookup("8.8.8.8").text(), "AS15169 GOOGLE");
}

TEST_F(GeoIp, IPv6AndMappedAddresses) {
  const Resolver r = both();
  EXPECT_EQ(r.lookup("2a02:c7f:1::5").country, "GB");
  EXPECT_EQ(r.lookup("[2a02:c7f:1::5]").country, "GB");
  EXPECT_EQ(r.lookup("::ffff:81.2.69.142").text(), "GB, AS20712 Andrews & Arnold Ltd");
  // An IPv6 address in the IPv4-only ASN database is unknown there, not an error.
  EXPECT_EQ(r.lookup("2a02:c7f:1::5").asn, 0u);
}

TEST_F(GeoIp, InternalAndUnknownAddressesHaveNoPlace) {
  const Resolver r = both();
  for (const char* a : {"10.1.2.3", "192.168.1.1", "172.20.0.1", "127.0.0.1", "169.254.1.1",
                        "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fd00::1", "fe80::1", "-",
                        "WORKSTATION7", "", "203.0.113.9"})
    EXPECT_TRUE(r.lookup(a).empty()) << a;
}

TEST_F(GeoIp, TheLogsOwnCountryWins) {
  const Resolver r = both();
  const Place p = r.lookup("81.2.69.142", "Netherlands", "srccountry");
  EXPECT_EQ(p.country, "NL");
  EXPECT_EQ(p.country_source, "log srccountry");
  EXPECT_EQ(p.asn, 20712u);  // the AS still comes from the database
  EXPECT_EQ(r.lookup("81.2.69.142", "Reserved", "srccountry").country, "GB");
  EXPECT_EQ(r.lookup("81.2.69.142", "jp", "srccountry").country, "JP");
  // A name the country table does not know is kept as the log wrote it, without control bytes.
  EXPECT_EQ(r.lookup("81.2.69.142", "Atlantis\x1b[2J", "srccountry").country, "Atlantis [2J");
  // Without any database, the log's country still answers.
  const Resolver none;
  EXPECT_EQ(none.lookup("203.0.113.5", "Japan", "srccountry").text(), "JP");
  EXPECT_TRUE(none.lookup("10.0.0.5", "Japan", "srccountry").empty());  // internal: none
}

TEST_F(GeoIp, PlacesOfAnEventsAddressFields) {
  const Resolver r = both();
  const std::vector<std::pair<std::string, std::string>> fields{{"srcip", "81.2.69.142"},
                                                                {"srccountry", "Netherlands"},
                                                                {"dstip", "10.0.0.5"},
                                                                {"user", "tanaka"},
                                                                {"IpAddress", "8.8.8.8"}};
  const std::vector<FieldPlace> got = places_of(r, fields);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].field, "srcip");
  EXPECT_EQ(got[0].place.text(), "NL, AS20712 Andrews & Arnold Ltd");
  EXPECT_EQ(got[0].place.country_source, "log srccountry");
  EXPECT_EQ(got[1].field, "IpAddress");
  EXPECT_EQ(got[1].address, "8.8.8.8");
  EXPECT_EQ(got[1].place.text(), "AS15169 GOOGLE");
}

TEST_F(GeoIp, ABrokenDatabaseIsAnErrorNamingIt) {
  const std::string bad = (dir_ / "bad.mmdb").string();
  std::ofstream(bad) << "not a database";
  const std::vector<std::string> files{bad};
  auto r = Resolver::open(files);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
  const std::vector<std::string> missing{(dir_ / "none.mmdb").string()};
  EXPECT_FALSE(Resolver::open(missing).has_value());
}

TEST_F(GeoIp, TruncatedDatabasesAreErrorsOrUnknownNeverCrashes) {
  const std::string whole = [&] {
    std::ifstream f(country_path(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }();
  for (std::size_t cut : {whole.size() / 2, whole.size() - 20, std::size_t{40}}) {
    const std::string p = (dir_ / "cut.mmdb").string();
    std::ofstream(p, std::ios::binary | std::ios::trunc) << whole.substr(0, cut);
    const std::vector<std::string> files{p};
    auto r = Resolver::open(files);
    if (r) (void)r->lookup("81.2.69.142");  // whatever it answers, it answers safely
  }
}

TEST(DebianGeoIp, CountryWithTheDatabasesDate) {
  const Resolver r = Resolver::debian();
  if (r.empty()) GTEST_SKIP() << "geoip-database is not installed in " << kDebianGeoIpDir;
  EXPECT_TRUE(r.legacy_only());
  const Place p = r.lookup("8.8.8.8");
  EXPECT_EQ(p.country, "US");
  ASSERT_EQ(r.describe().size(), 1u);
  EXPECT_EQ(p.country_source.rfind("geoip-database 20", 0), 0u) << p.country_source;
  EXPECT_NE(r.describe()[0].find(p.country_source), std::string::npos);
  EXPECT_TRUE(r.lookup("10.0.0.1").empty());
}

TEST(DebianGeoIp, AbsentIsEmpty) {
  EXPECT_TRUE(Resolver::debian("/nonexistent").empty());
}

}  // namespace
}  // namespace tansa::geo
