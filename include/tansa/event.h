// The event model: the one representation every reader produces and every later stage consumes.
//
// An Event is a flat list of (FieldId, Value) pairs plus a timestamp and a source reference.
// Field names are interned once, process-wide, into small dense integers (FieldId), so that the
// rule engine resolves the names a rule uses at compile time and then reads values by integer,
// without hashing strings. All bytes an Event refers to live in the Event's own arena; clearing
// an Event keeps its memory, so a reader that reuses one Event per thread allocates nothing in
// steady state.
//
// Naming convention for Windows events (EVTX and evtx_dump-shaped JSON produce the same names):
//   * System children by element name: EventID, Version, Level, Task, Opcode, Keywords,
//     EventRecordID, Channel, Computer.
//   * System attributes as Element_Attribute: Provider_Name, Provider_Guid,
//     TimeCreated_SystemTime, Execution_ProcessID, Execution_ThreadID, Security_UserID,
//     Correlation_ActivityID, EventID_Qualifiers.
//   * EventData <Data Name="X">v</Data> as X; unnamed <Data> elements as the array field Data.
//   * UserData (and any other non-System section) leaves by their element name.
// Other formats address nested JSON by dotted path (userIdentity.arn).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tansa {

using FieldId = std::uint32_t;
inline constexpr FieldId kNoField = UINT32_MAX;

// The field table's bounds (field names are read from logs, so they are attacker-controlled).
inline constexpr std::size_t kMaxFieldNames = 1 << 16;
inline constexpr std::size_t kMaxFieldNameBytes = 1024;
// Where values go whose name the table would not take.
inline constexpr std::string_view kOverflowField = "tansa.field_overflow";

// Process-wide, append-only registry of field names. Thread-safe; ids are dense (0..size()-1)
// and names stay valid for the life of the process, so consumers may size flat arrays by size()
// and index them by FieldId.
class FieldTable {
 public:
  static FieldTable& global();

  // Returns the id of `name`, adding it if new (within the bounds above).
  FieldId intern(std::string_view name);
  // Returns the id of `name` if it was ever interned.
  [[nodiscard]] std::optional<FieldId> find(std::string_view name) const;
  [[nodiscard]] std::string_view name(FieldId id) const;
  [[nodiscard]] std::size_t size() const;
  // How many interns were turned to kOverflowField (beyond kMaxFieldNames, or too long a name).
  [[nodiscard]] std::uint64_t overflowed() const;

  FieldTable();
  ~FieldTable();
  FieldTable(const FieldTable&) = delete;
  FieldTable& operator=(const FieldTable&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Shorthand for FieldTable::global().intern(name).
FieldId field_id(std::string_view name);

enum class ValueType : std::uint8_t {
  Null,    // present but empty/null
  String,  // UTF-8 text
  Int,     // signed integer; text is its decimal form
  UInt,    // unsigned integer; text is its decimal form
  HexInt,  // integer shown in hex (EVTX HexInt32/64, e.g. "0x1eba8"); compared as a string
  Bool,    // text "true"/"false"
  Double,  // text is its shortest round-trip form
  Binary,  // text is upper-case hex of the bytes
  Guid,    // text as evtx_dump prints it
  Sid,     // text "S-1-5-..."
  Time,    // i = nanoseconds since the Unix epoch, UTC; text ISO-8601
  Array,   // elements are Event::element(first .. first+count)
};

// One typed value. `text` is always the canonical UTF-8 rendering (empty for Null and Array), so
// string matchers need not know the type; numeric payloads sit beside it for numeric comparison.
struct Value {
  ValueType type = ValueType::Null;
  std::uint32_t first = 0;  // Array: index of the first element in Event::element()
  std::uint32_t count = 0;  // Array: number of elements
  union {
    std::int64_t i = 0;  // Int, Time, HexInt (as signed bits), Bool (0/1)
    std::uint64_t u;     // UInt, HexInt
    double d;            // Double
  };
  std::string_view text;

  [[nodiscard]] bool is_numeric() const {
    return type == ValueType::Int || type == ValueType::UInt || type == ValueType::Double;
  }
};

// Where an event came from, stable across runs: the input file (an index into the run's list of
// sources) and the record id (EVTX EventRecordID), line number, or byte offset within it. A
// Recovered record was carved (--carve) from an EVTX file's chunk slack or unallocated space, at
// the file offset `position`: it is no longer part of the live log.
struct SourceRef {
  enum class Kind : std::uint8_t { Record, Line, Offset, Recovered };
  std::uint32_t file = 0;
  Kind kind = Kind::Record;
  std::uint64_t position = 0;

  friend bool operator==(const SourceRef&, const SourceRef&) = default;
  friend auto operator<=>(const SourceRef&, const SourceRef&) = default;
};

// "record", "line", "offset", "recovered": the one name of each kind, in every output.
std::string_view to_string(SourceRef::Kind k);
// The inverse; nullopt for any other text.
std::optional<SourceRef::Kind> parse_source_kind(std::string_view s);

struct Field {
  FieldId id;
  Value value;
};

// The Sigma log source a non-Windows reader knows its events belong to (product "linux", service
// "sshd"; product "aws", service "cloudtrail"; ...). Windows events leave it empty: their Channel
// and EventID decide which rules apply. The views must point at static strings or at the event's
// own arena. docs/formats.md lists what each reader sets.
struct LogSource {
  std::string_view product;
  std::string_view category;
  std::string_view service;
};

// Bump allocator owned by an Event; reset() keeps the blocks for reuse.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) noexcept = default;
  Arena& operator=(Arena&&) noexcept = default;

  char* allocate(std::size_t n);
  std::string_view copy(std::string_view s);
  void reset();
  [[nodiscard]] std::size_t capacity() const;

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0;  // index of the block being filled
  std::size_t used_ = 0;     // bytes used in blocks_[current_]
};

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  Event(Event&&) noexcept = default;
  Event& operator=(Event&&) noexcept = default;

  // Forgets all fields but keeps the memory.
  void clear();
  // A deep copy that owns its bytes, for stages that keep events beyond a reader's callback.
  [[nodiscard]] Event clone() const;

  // --- building (readers) ---
  // Copies `s` into the event's arena and returns a view that lives as long as the event's
  // current contents.
  std::string_view store(std::string_view s) { return arena_.copy(s); }
  char* allocate(std::size_t n) { return arena_.allocate(n); }
  // Appends a field. Values whose text points outside the arena must outlive the event's use.
  void add(FieldId id, const Value& v) { fields_.push_back(Field{id, v}); }
  void add_string(FieldId id, std::string_view s);  // copies s
  void add_int(FieldId id, std::int64_t v);
  void add_uint(FieldId id, std::uint64_t v);
  // Appends an array element and returns its index, for Value::first.
  std::uint32_t add_element(const Value& v);

  // --- reading (rules, outputs) ---
  // First field with this id, or nullptr. Linear in the number of fields, which is small.
  [[nodiscard]] const Value* get(FieldId id) const {
    for (const Field& f : fields_)
      if (f.id == id) return &f.value;
    return nullptr;
  }
  [[nodiscard]] std::span<const Field> fields() const { return fields_; }
  [[nodiscard]] std::span<const Value> elements(const Value& array) const {
    return std::span<const Value>(elements_).subspan(array.first, array.count);
  }

  std::int64_t time_ns = 0;  // event time, nanoseconds since the Unix epoch, UTC
  SourceRef source;
  LogSource logsource;  // empty for Windows events

 private:
  std::vector<Field> fields_;
  std::vector<Value> elements_;
  Arena arena_;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); readers use
// it to turn the calendar dates in logs into timestamps without the C library's time zone state.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The inverse of days_from_civil: {year, month, day} of a day count since 1970-01-01.
struct CivilDate {
  std::int64_t year;
  unsigned month, day;
};
constexpr CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

// Parses ISO-8601 / RFC 3339 date-times as logs write them: "2024-01-05", "2024-01-05T03:12",
// "2024-01-05 03:12:44.123456789", with "Z", "+09:00", "+0900" or no zone. A time without a zone
// is taken to be `default_offset_minutes` east of UTC. The whole text must be consumed.
[[nodiscard]] bool parse_iso_time(std::string_view text, std::int64_t& ns,
                                  int default_offset_minutes = 0);

// "30s", "5m", "12h", "2d", "1w", "1M" (30 days), "1y" (365 days) as nanoseconds; nullopt unless
// the text is a positive whole number (up to 10^9) and one of those units.
[[nodiscard]] std::optional<std::int64_t> parse_duration(std::string_view text);

// Formats nanoseconds since the epoch as ISO-8601 UTC with microseconds
// ("2024-01-05T03:12:44.123456Z").
std::string format_time(std::int64_t ns);
// Converts a Windows FILETIME (100 ns ticks since 1601) to nanoseconds since the Unix epoch.
constexpr std::int64_t filetime_to_ns(std::uint64_t ft) {
  return static_cast<std::int64_t>(ft - 116444736000000000ULL) * 100;
}

}  // namespace tansa
