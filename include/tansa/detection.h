// A detection: one rule firing on one event (or, for correlation rules, on a group of events).
// Detections are what `hunt` sorts, spills to disk, merges and writes, and what `investigate`
// reasons over, so they own their data: nothing in them points into a reader's buffers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tansa/event.h"

namespace tansa {

enum class Level : std::uint8_t { Informational, Low, Medium, High, Critical };

// "informational", "low", ...; unknown text gives nullopt.
std::optional<Level> parse_level(std::string_view s);
std::string_view to_string(Level l);

// What outputs need to know of a rule; the run keeps one table and detections index into it.
struct RuleInfo {
  std::string id;
  std::string title;
  Level level = Level::Medium;
  std::string status;
  std::vector<std::string> tags;
  std::string description;
  std::string name;  // the rule's optional `name:`, by which correlations may refer to it
};

struct Detection {
  std::int64_t time_ns = 0;
  SourceRef source;
  std::uint32_t rule = 0;  // index into the run's RuleInfo table
  std::string host;
  // The matched event's fields, by name, in the event's order, values as canonical text.
  std::vector<std::pair<std::string, std::string>> fields;
  // For correlation detections: the events that make it up (the first is `source`).
  std::vector<SourceRef> related;
  // The same record seen at these sources too (duplicates: a shadow copy, a log collected twice),
  // sorted; `source` is the smallest of them all. Empty when it was seen once or with
  // --keep-duplicates.
  std::vector<SourceRef> copies;

  // Fills time, source, host and fields from `e`. `host_field` names the host field
  // (Computer for Windows, host for the rest); arrays render as their elements joined by ", ".
  void capture(const Event& e, std::uint32_t rule_index);
  // The same, keeping only the fields whose ids are in `only` (sorted), for detections that
  // feed correlations and are never shown; the host is found as always.
  void capture(const Event& e, std::uint32_t rule_index, std::span<const FieldId> only);

  // Serialized size is bounded by the contents; used to spill runs of detections to disk.
  void serialize(std::string& out) const;
  // Reads one detection from `in` at `pos`, advancing it; false on truncated or corrupt bytes.
  [[nodiscard]] bool deserialize(std::string_view in, std::size_t& pos);
};

// The one output order of `hunt`: event time, then source reference, then rule id, so output
// does not depend on thread count or file order.
struct DetectionOrder {
  std::span<const RuleInfo> rules;
  bool operator()(const Detection& a, const Detection& b) const;
};

}  // namespace tansa
