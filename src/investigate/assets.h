// The environment an investigation is told about (`--assets FILE`, README "Assets file"): which
// networks are internal, which hosts are domain controllers or admin workstations, where normal
// transfers go, and what is sensitive. Everything not listed as internal counts as external.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tansa/net.h"

namespace tansa::investigate {

struct SensitiveAsset {
  std::string name;                 // unique, used in the report
  std::string label;                // free text
  std::vector<std::string> shares;  // \\FS1\Share, case-insensitive
  std::vector<std::string> paths;   // globs on file paths (* within a segment, ** across)
  std::vector<std::string> hosts;   // hosts that hold it
  std::vector<std::string> urls;    // cloud objects, globs
};

struct Assets {
  std::vector<Network> internal_networks;
  std::vector<std::string> domain_controllers;
  std::vector<Network> vpn_pool;
  std::vector<std::string> admin_hosts;
  std::vector<Network> allowed_destinations;
  std::vector<SensitiveAsset> sensitive;
  // Host name -> address, for flow logs that only know addresses (tansa extension: `addresses`).
  std::vector<std::pair<std::string, std::string>> addresses;
  // A host and channel silent for longer than this, between events, is a gap (`gap_threshold`).
  std::int64_t gap_threshold_ns = 12LL * 3600 * 1000000000;

  [[nodiscard]] bool internal(std::string_view ip) const;  // not an address: false
  [[nodiscard]] bool external(std::string_view ip) const;  // an address and not internal
  [[nodiscard]] bool in_vpn_pool(std::string_view ip) const;
  [[nodiscard]] bool allowed_destination(std::string_view ip) const;
  [[nodiscard]] bool is_admin_host(std::string_view host) const;
  [[nodiscard]] bool is_domain_controller(std::string_view host) const;
};

// Reads the YAML text; errors name the key and what was expected.
[[nodiscard]] std::expected<Assets, std::string> parse_assets(std::string_view yaml);
[[nodiscard]] std::expected<Assets, std::string> load_assets(const std::string& path);

// Host names compare on their first DNS label, case-insensitively: "DC1.corp.example" is "dc1".
[[nodiscard]] std::string host_key(std::string_view host);
// Account names compare case-insensitively without a domain: "CORP\Tanaka" is "tanaka";
// "tanaka@contoso.com" stays whole (a cloud identity).
[[nodiscard]] std::string account_key(std::string_view user);
// Glob with * (not across / or \), ** (across), ? (one character); case-insensitive.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);
// A cloud object's URL against an asset's `urls` pattern: as glob_match, but `*` also crosses `/`
// (".../sites/Rocket*" is the site and everything in it, as a user writing it means).
[[nodiscard]] bool url_match(std::string_view pattern, std::string_view url);
// "30GB", "2.1TB", "512 MiB", "1000": bytes (decimal units for kB..PB, binary for KiB..PiB).
[[nodiscard]] std::expected<std::uint64_t, std::string> parse_size(std::string_view text);

// Bytes for people, in decimal units as parse_size reads them: "512 B", "37.9 GB".
[[nodiscard]] std::string human_bytes(std::uint64_t n);
// A count for people, with thousands separated: "150,000".
[[nodiscard]] std::string count_text(std::uint64_t n);

// What an attacker claims to have taken: a size, a number of documents, or both (the option is
// repeated). Ransomware groups usually claim documents ("nearly 150,000 documents").
struct Claim {
  std::optional<std::uint64_t> bytes, documents;
  [[nodiscard]] bool empty() const { return !bytes && !documents; }
};
// Adds one --claim value to `claim`: a size as parse_size reads it, or a count of documents
// ("150000 documents", "150k files", "1.5M documents", "12,000 docs"). An error for anything else,
// or for a second size or a second count.
[[nodiscard]] std::expected<void, std::string> add_claim(std::string_view text, Claim& claim);

}  // namespace tansa::investigate
