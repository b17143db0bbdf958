// --geoip FILE.mmdb (repeatable) and --no-geoip, the same for every command that shows external
// addresses (hunt, logons, pivots, investigate).
#pragma once

#include <CLI/CLI.hpp>
#include <expected>
#include <string>
#include <vector>

#include "geo/geoip.h"

namespace tansa::cli {

struct GeoOptions {
  std::vector<std::string> files;
  bool none = false;
};

void add_geo_options(CLI::App* cmd, GeoOptions& o);

// The MaxMind databases given, else Debian's country database when installed, else nothing (a
// log's own country still answers); nothing at all with --no-geoip. Unless quiet, says on standard
// error which databases answer, and that Debian's is old. A database that cannot be read is an
// error naming it.
[[nodiscard]] std::expected<geo::Resolver, std::string> resolver_of(const GeoOptions& o,
                                                                    const char* command,
                                                                    bool quiet);

}  // namespace tansa::cli
