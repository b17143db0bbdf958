// Turns a decoded record into a tansa::Event with the Windows field naming convention of
// include/tansa/event.h (EventID, Provider_Name, TimeCreated_SystemTime, EventData Data Name=X
// as X, unnamed Data as the array Data, UserData leaves by element name). Field ids come from the
// chunk cache, so steady-state flattening hashes no strings for template-defined names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evtx/binxml.h"
#include "tansa/event.h"

namespace tansa::evtx {

struct RecordInfo {
  std::uint64_t record_id = 0;   // from the record header
  std::uint64_t written = 0;     // record header FILETIME
  std::uint32_t file_index = 0;  // SourceRef::file
};

// Where an event's time came from. An EVTX event happens at System/TimeCreated/@SystemTime,
// whatever value type the record stores it with (FILETIME, SYSTEMTIME or text); the record
// header's write time stands in only when that is missing, unreadable or implausible, and a time
// outside 1970..2100 is never taken (the event is placed at 1970-01-01 and reported).
enum class TimeSource : std::uint8_t { Created, Header, None };

// The span of times taken as real: 1970-01-01 to 2100-01-01 (exclusive).
inline constexpr std::int64_t kFirstPlausibleNs = 0;
inline constexpr std::int64_t kEndPlausibleNs = 4102444800LL * 1000000000LL;

class Flattener {
 public:
  // Clears `ev` and fills it from `tree`.
  void flatten(const Tree& tree, ChunkCache& cache, const RecordInfo& info, Event& ev);
  // For the last flatten(): where ev.time_ns came from.
  [[nodiscard]] TimeSource time_source() const { return time_source_; }

 private:
  void system(std::uint32_t el);
  void section(std::uint32_t el);
  void leaves(std::uint32_t el, int depth);
  Value value(std::uint32_t first, bool empty_is_string);
  Value scalar(std::uint8_t type, const std::uint8_t* data, std::uint32_t size);
  FieldId data_name_field(std::uint32_t attr);

  const Tree* tree_ = nullptr;
  ChunkCache* cache_ = nullptr;
  Event* ev_ = nullptr;
  std::string scratch_;
  std::vector<Value> unnamed_;
  std::int64_t time_ns_ = 0;
  bool have_time_ = false;
  TimeSource time_source_ = TimeSource::Created;
  std::uint64_t record_id_ = 0;
  bool have_record_id_ = false;
};

}  // namespace tansa::evtx
