// The investigation's words for its answers, shared by the analysis (src/investigate), the report
// writers (src/report) and the simulator's truth (src/simulate), so that each is written in one
// place and compared as a value, never as text spelled again in another file.
//
// Each enum has one `to_string` (the word the reports and truth.json carry, which never changes
// for a value) and `parse<E>`, its inverse: nullopt for text that is none of the words.
// Header-only: the simulator links neither the analysis nor the report writers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tansa {

// Was there unauthorized access?
enum class Access : std::uint8_t { Yes, No, Undetermined };

// A sensitive asset: `not_accessed` only when the log that would show an access covers every
// interval the intruder was active in; anything short of that is `undetermined`.
enum class AssetVerdict : std::uint8_t { Accessed, NotAccessed, Undetermined };

// The attacker's claim of what it took, against the egress observed.
enum class ClaimVerdict : std::uint8_t { Consistent, Inconsistent, Undetermined };

// Who tampered with a log: the intruder, an administrator (from an admin host), or nobody known.
enum class Attribution : std::uint8_t { Intruder, Admin, Unexplained };

// A hole in a log: an unusual silence, or record ids that are missing.
enum class GapKind : std::uint8_t { Silence, RecordsMissing };

namespace verdicts_detail {

template <class E>
struct Words;
template <>
struct Words<Access> {
  static constexpr std::array<std::string_view, 3> kWords = {"yes", "no", "undetermined"};
};
template <>
struct Words<AssetVerdict> {
  static constexpr std::array<std::string_view, 3> kWords = {"accessed", "not_accessed",
                                                             "undetermined"};
};
template <>
struct Words<ClaimVerdict> {
  static constexpr std::array<std::string_view, 3> kWords = {"consistent", "inconsistent",
                                                             "undetermined"};
};
template <>
struct Words<Attribution> {
  static constexpr std::array<std::string_view, 3> kWords = {"intruder", "admin", "unexplained"};
};
template <>
struct Words<GapKind> {
  static constexpr std::array<std::string_view, 2> kWords = {"silence", "records_missing"};
};

template <class E>
constexpr std::string_view word(E e) {
  const auto i = static_cast<std::size_t>(e);
  return i < Words<E>::kWords.size() ? Words<E>::kWords[i] : std::string_view("?");
}

}  // namespace verdicts_detail

constexpr std::string_view to_string(Access v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(AssetVerdict v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(ClaimVerdict v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(Attribution v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(GapKind v) {
  return verdicts_detail::word(v);
}

// parse<AssetVerdict>("not_accessed") == AssetVerdict::NotAccessed; unknown text gives nullopt.
template <class E>
constexpr std::optional<E> parse(std::string_view s) {
  const auto& words = verdicts_detail::Words<E>::kWords;
  for (std::size_t i = 0; i < words.size(); ++i)
    if (words[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

static_assert(to_string(AssetVerdict::NotAccessed) == "not_accessed");
static_assert(parse<GapKind>("records_missing") == GapKind::RecordsMissing);
static_assert(!parse<Access>("maybe"));

}  // namespace tansa
