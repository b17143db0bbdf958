#include "investigate/places.h"

namespace tansa::investigate {

void place_sources(Findings& f, const geo::Resolver& resolver) {
  for (Entity& s : f.sources) {
    s.place = resolver.lookup(s.name, s.note, s.note.empty() ? "" : "srccountry");
    // The log's words stay the note ("Netherlands"); a database's code fills an empty one.
    if (s.note.empty()) s.note = s.place.country;
  }
}

}  // namespace tansa::investigate
