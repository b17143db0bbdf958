// Reading investigate's report.json and simulate's truth.json in integration tests: values as
// text, and the answers' words (verdicts, attributions, gap kinds) as the enums of
// include/tansa/verdicts.h, so truth and report are compared as values.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "tansa/verdicts.h"

namespace tansa::testing {

// A JSON value as text: a string's contents, "null", or the value's JSON.
inline std::string str(simdjson::dom::element e) {
  std::string_view v;
  if (e.get(v) == simdjson::SUCCESS) return std::string(v);
  return e.is_null() ? "null" : simdjson::to_string(e);
}

// The answer word in `e` as an E; a failed test (and nullopt) when it is none of E's words.
template <class E>
std::optional<E> word(simdjson::dom::element e) {
  const std::optional<E> v = parse<E>(str(e));
  EXPECT_TRUE(v.has_value()) << "not an answer word: " << str(e);
  return v;
}

// The answer word in `e` read as an E and written back: the same text for a word, and a marked
// text for anything else, so it cannot compare equal to a real answer.
template <class E>
std::string word_text(simdjson::dom::element e) {
  const std::optional<E> v = parse<E>(str(e));
  return v ? std::string(to_string(*v)) : "(not an answer word: " + str(e) + ")";
}

}  // namespace tansa::testing

namespace tansa {
// Readable failures for EXPECT_EQ on the answer enums.
inline void PrintTo(Access v, std::ostream* os) {
  *os << to_string(v);
}
inline void PrintTo(AssetVerdict v, std::ostream* os) {
  *os << to_string(v);
}
inline void PrintTo(ClaimVerdict v, std::ostream* os) {
  *os << to_string(v);
}
inline void PrintTo(Attribution v, std::ostream* os) {
  *os << to_string(v);
}
inline void PrintTo(GapKind v, std::ostream* os) {
  *os << to_string(v);
}
inline void PrintTo(EntryVector v, std::ostream* os) {
  *os << to_string(v);
}
inline void PrintTo(WeaknessKind v, std::ostream* os) {
  *os << to_string(v);
}
}  // namespace tansa
