#include "cli/geo_options.h"

#include <cstdio>

#include "report/text.h"

namespace tansa::cli {

void add_geo_options(CLI::App* cmd, GeoOptions& o) {
  cmd->add_option("--geoip", o.files,
                  "MaxMind database (.mmdb) for the country and AS of external addresses; "
                  "repeatable (a country and an ASN database). Default: Debian's geoip-database")
      ->allow_extra_args(false);
  cmd->add_flag("--no-geoip", o.none, "No country or AS from any database");
}

std::expected<geo::Resolver, std::string> resolver_of(const GeoOptions& o, const char* command,
                                                      bool quiet) {
  if (o.none) return geo::Resolver{};
  geo::Resolver r;
  if (!o.files.empty()) {
    auto opened = geo::Resolver::open(o.files);
    if (!opened) return std::unexpected(opened.error());
    r = std::move(*opened);
  } else {
    r = geo::Resolver::debian();
  }
  if (!quiet) {
    for (const std::string& d : r.describe())
      std::fprintf(stderr, "tansa %s: GeoIP from %s\n", command, report::terminal_safe(d).c_str());
    if (r.empty())
      std::fprintf(stderr,
                   "tansa %s: no GeoIP database (geoip-database is not installed and no --geoip "
                   "given): countries come only from the logs' own fields\n",
                   command);
    if (r.legacy_only())
      std::fprintf(stderr,
                   "tansa %s: Debian's country database is old: countries may have moved since; "
                   "give --geoip FILE.mmdb for current ones\n",
                   command);
  }
  return r;
}

}  // namespace tansa::cli
