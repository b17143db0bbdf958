// The assets file and the small readings the investigation makes of names, sizes and paths.
#include "investigate/assets.h"

#include <gtest/gtest.h>

#include "tansa/net.h"

namespace tansa::investigate {
namespace {

TEST(Assets, ParsesEveryKey) {
  auto a = parse_assets(R"(
internal_networks: [10.0.0.0/8]
domain_controllers: [DC1, DC2]
vpn_pool: [10.8.0.0/16]
admin_hosts: [JUMP1]
allowed_destinations: [198.51.100.10, 192.0.2.0/28]
addresses: {FS1: 10.0.1.20}
gap_threshold: 6h
sensitive:
  - name: designs
    label: secret
    shares: ['\\FS1\Designs']
    paths: ['Designs\**']
    hosts: [FS1]
    urls: ['https://contoso.sharepoint.com/sites/Rocket*']
)");
  ASSERT_TRUE(a) << a.error();
  EXPECT_TRUE(a->internal("10.1.2.3"));
  EXPECT_TRUE(a->internal("10.8.0.5"));
  EXPECT_TRUE(a->in_vpn_pool("::ffff:10.8.0.5"));  // IPv4-mapped reads as IPv4
  EXPECT_FALSE(a->internal("192.168.1.1"));        // only what the file says is internal
  EXPECT_TRUE(a->external("192.168.1.1"));
  EXPECT_FALSE(a->external("127.0.0.1"));  // loopback is never outside
  EXPECT_FALSE(a->external("not an address"));
  EXPECT_TRUE(a->allowed_destination("192.0.2.15"));
  EXPECT_FALSE(a->allowed_destination("192.0.2.16"));
  EXPECT_TRUE(a->is_domain_controller("dc2.corp.example"));
  EXPECT_TRUE(a->is_admin_host("JUMP1.corp.example"));
  EXPECT_EQ(a->gap_threshold_ns, 6LL * 3600 * 1000000000);
  ASSERT_EQ(a->sensitive.size(), 1u);
  EXPECT_EQ(a->sensitive[0].shares[0], "\\\\FS1\\Designs");
  ASSERT_EQ(a->addresses.size(), 1u);
  EXPECT_EQ(a->addresses[0].second, "10.0.1.20");
}

TEST(Assets, DefaultsToThePrivateRanges) {
  auto a = parse_assets("");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->internal("192.168.1.1"));
  EXPECT_TRUE(a->internal("172.20.0.1"));
  EXPECT_TRUE(a->external("203.0.113.7"));
  EXPECT_EQ(a->gap_threshold_ns, 12LL * 3600 * 1000000000);
}

TEST(Assets, MistakesAreErrorsThatNameTheKey) {
  for (const auto& [yaml, words] : std::vector<std::pair<const char*, const char*>>{
           {"internal_network: [10.0.0.0/8]", "unknown key 'internal_network'"},
           {"vpn_pool: [10.8.0.0/33]", "vpn_pool"},
           {"sensitive: [{label: x, shares: [a]}]", "no name"},
           {"sensitive: [{name: a, shares: [x]}, {name: a, shares: [y]}]", "used twice"},
           {"sensitive: [{name: a}]", "needs shares, paths or urls"},
           {"gap_threshold: soon", "gap_threshold"},
           {"addresses: {FS1: nowhere}", "addresses"},
           {"[1, 2", "YAML"}}) {
    auto a = parse_assets(yaml);
    ASSERT_FALSE(a) << yaml;
    EXPECT_NE(a.error().find(words), std::string::npos) << a.error();
  }
}

TEST(Names, HostsAndAccountsCompareTheWayRespondersExpect) {
  EXPECT_EQ(host_key("DC1.corp.example"), "dc1");
  EXPECT_EQ(host_key("10.0.1.20"), "10.0.1.20");  // an address keeps its dots
  EXPECT_EQ(account_key("CORP\\Tanaka"), "tanaka");
  EXPECT_EQ(account_key("Tanaka@Contoso.com"), "tanaka@contoso.com");
}

TEST(Glob, StarStaysInAFolderDoubleStarCrosses) {
  EXPECT_TRUE(glob_match("Designs\\**", "designs\\rocket\\h3\\a.dwg"));
  EXPECT_TRUE(glob_match("Designs\\*", "Designs\\a.dwg"));
  EXPECT_FALSE(glob_match("Designs\\*", "Designs\\rocket\\a.dwg"));
  EXPECT_TRUE(glob_match("/srv/firmware/**", "/srv/firmware/v2/fw.bin"));
  EXPECT_FALSE(glob_match("/srv/firmware/**", "/srv/other/fw.bin"));
  EXPECT_TRUE(glob_match("https://contoso.sharepoint.com/sites/Rocket*",
                         "https://contoso.sharepoint.com/sites/Rocket"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "a/c"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
}

TEST(Sizes, DecimalAndBinaryUnits) {
  EXPECT_EQ(*parse_size("30GB"), 30000000000ULL);
  EXPECT_EQ(*parse_size("2.1TB"), 2100000000000ULL);
  EXPECT_EQ(*parse_size("512 MiB"), 512ULL << 20);
  EXPECT_EQ(*parse_size("1000"), 1000ULL);
  EXPECT_FALSE(parse_size("lots"));
  EXPECT_FALSE(parse_size("3 parsecs"));
  EXPECT_FALSE(parse_size("-5GB"));
}

TEST(Claims, SizesAndNumbersOfDocuments) {
  Claim c;
  ASSERT_TRUE(add_claim("150000 documents", c));
  EXPECT_EQ(c.documents, 150000u);
  EXPECT_FALSE(c.bytes);
  ASSERT_TRUE(add_claim("2.1TB", c));  // a size beside the count
  EXPECT_EQ(c.bytes, 2100000000000ULL);
  EXPECT_FALSE(add_claim("5 files", c));  // a second count
  EXPECT_FALSE(add_claim("30GB", c));     // a second size
  auto docs = [](std::string_view text) -> std::optional<std::uint64_t> {
    Claim one;
    if (!add_claim(text, one)) return std::nullopt;
    return one.documents;
  };
  EXPECT_EQ(docs("150k files"), 150000u);
  EXPECT_EQ(docs("1.5M documents"), 1500000u);
  EXPECT_EQ(docs("12,000 docs"), 12000u);
  EXPECT_EQ(docs("1 document"), 1u);
  EXPECT_EQ(docs("150K Documents"), 150000u);
  EXPECT_FALSE(docs("many documents"));
  EXPECT_FALSE(docs("150x documents"));
  EXPECT_FALSE(docs("-3 documents"));
  Claim bytes;
  ASSERT_TRUE(add_claim("150k", bytes));  // no noun: a size, as before
  EXPECT_EQ(bytes.bytes, 150000u);
  EXPECT_FALSE(add_claim("lots", bytes));
}

TEST(Net, AddressesAndNetworks) {
  EXPECT_EQ(canonical_ip("::ffff:10.8.0.201"), "10.8.0.201");
  EXPECT_EQ(canonical_ip("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(canonical_ip("-"), "-");
  auto n = Network::parse("10.0.0.1/8");  // host bits cleared
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->contains(*parse_ip("10.255.0.1")));
  EXPECT_FALSE(n->contains(*parse_ip("11.0.0.1")));
  EXPECT_FALSE(n->contains(*parse_ip("::1")));
  EXPECT_TRUE(Network::parse("fc00::/7")->contains(*parse_ip("fd12::1")));
  EXPECT_FALSE(Network::parse("10.0.0.0/40"));
}

TEST(Assets, UrlPatternsCrossSlashes) {
  EXPECT_TRUE(url_match("https://contoso.sharepoint.com/sites/Rocket*",
                        "https://contoso.sharepoint.com/sites/Rocket/Shared Documents/engine.pdf"));
  EXPECT_TRUE(url_match("https://contoso.sharepoint.com/sites/Rocket*",
                        "https://CONTOSO.sharepoint.com/sites/rocket"));
  EXPECT_TRUE(url_match("https://x/sites/**", "https://x/sites/a/b"));
  EXPECT_FALSE(url_match("https://contoso.sharepoint.com/sites/Rocket*",
                         "https://contoso.sharepoint.com/sites/General/notice.pdf"));
  // Paths keep * within a folder.
  EXPECT_FALSE(glob_match("SatelliteDesign\\*", "SatelliteDesign\\orbit\\a.xlsx"));
}

}  // namespace
}  // namespace tansa::investigate
