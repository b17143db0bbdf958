// One JSON scalar as an event Value, shared by the JSON readers (Windows events in evtx_dump's
// shape and other JSON logs) so both type and render values the way the event model says.
#pragma once

#include <simdjson.h>

#include "tansa/event.h"

namespace tansa::formats {

// Fills `out` from a string, number, boolean or null, storing its text in `e`'s arena; false for
// objects, arrays and elements that do not read as their type.
[[nodiscard]] bool json_scalar(simdjson::dom::element v, Event& e, Value& out);

}  // namespace tansa::formats
