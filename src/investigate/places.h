// Where the intruder's sources are: each external source's country and autonomous system (geo/),
// the log's own country (FortiGate srccountry, already the source's note) winning over any
// database. A source no log or database places keeps an empty country.
#pragma once

#include "geo/geoip.h"
#include "investigate/analyze.h"

namespace tansa::investigate {

void place_sources(Findings& f, const geo::Resolver& resolver);

}  // namespace tansa::investigate
