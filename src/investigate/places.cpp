#include "investigate/places.h"

namespace tansa::investigate {

void place_sources(Findings& f, const geo::Resolver& resolver) {
  for (Entity& s : f.sources) {
    s.place = resolver.lookup(s.name, s.note, s.note.empty() ? "" : "srccountry");
    // The log's words stay the note ("Netherlands"); a database's code fills an empty one.
    if (s.note.empty()) s.note = s.place.country;
  }
  // The way in names its source too: a database fills the country no log gave.
  for (EntryPoint& e : f.initial_access) {
    if (!e.source.country.empty() || e.source.address.empty()) continue;
    const geo::Place p = resolver.lookup(e.source.address);
    if (p.country.empty()) continue;
    e.source.country = p.country;
    e.source.country_from = p.country_source;
  }
}

}  // namespace tansa::investigate
