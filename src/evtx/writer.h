// An EVTX writer for tests, samples, fuzz seeds and benchmarks. It lays records out the way
// Windows does: one template per event shape (System block plus EventData/UserData layout),
// defined inline the first time a chunk uses it and referenced by offset afterwards, names
// shared by offset within a chunk, all values passed as typed substitutions, and correct file
// header, chunk header and record checksums.
//
// Two levels: EvtxWriter turns simple event descriptions into a file; ChunkBuilder emits raw
// BinXML tokens so tests can hand-craft any token sequence (including broken ones).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tansa::evtx {

// A typed substitution value, already in its on-disk form.
struct WValue {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> bytes;

  static WValue null();
  static WValue str(std::string_view utf8);  // UTF-16LE, no terminator
  static WValue ansi(std::string_view s);
  static WValue i8(std::int8_t v);
  static WValue u8(std::uint8_t v);
  static WValue i16(std::int16_t v);
  static WValue u16(std::uint16_t v);
  static WValue i32(std::int32_t v);
  static WValue u32(std::uint32_t v);
  static WValue i64(std::int64_t v);
  static WValue u64(std::uint64_t v);
  static WValue f32(float v);
  static WValue f64(double v);
  static WValue boolean(bool v);
  static WValue binary(std::span<const std::uint8_t> b);
  static WValue guid(std::string_view text);  // "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", braces ok
  static WValue size_t64(std::uint64_t v);
  static WValue filetime(std::uint64_t ft);
  static WValue systime(std::uint16_t y, std::uint16_t mo, std::uint16_t d, std::uint16_t h,
                        std::uint16_t mi, std::uint16_t s, std::uint16_t ms);
  static WValue sid(std::string_view text);  // "S-1-5-21-..."
  static WValue hex32(std::uint32_t v);
  static WValue hex64(std::uint64_t v);
  static WValue str_array(const std::vector<std::string>& items);  // NUL-terminated each
  static WValue u32_array(const std::vector<std::uint32_t>& items);
  // Nested BinXML (value type 0x21): raw fragment bytes, e.g. from ChunkBuilder.
  static WValue binxml(std::vector<std::uint8_t> fragment);
};

// One event as a caller describes it.
struct EventSpec {
  std::string provider = "Microsoft-Windows-Security-Auditing";
  std::string provider_guid = "54849625-5478-4994-A5BA-3E3B0328C30D";  // empty: none
  std::uint16_t event_id = 4624;
  std::optional<std::uint16_t> qualifiers;
  std::uint8_t version = 0, level = 0, opcode = 0;
  std::uint16_t task = 0;
  std::uint64_t keywords = 0x8020000000000000ULL;
  std::uint64_t time = 0;       // FILETIME of TimeCreated (and the record header)
  // For tests of odd writers: TimeCreated/@SystemTime as another value (text, SYSTEMTIME, or
  // null for none), and a record header write time other than `time`.
  std::optional<WValue> time_created;
  std::optional<std::uint64_t> header_time;
  std::uint64_t record_id = 0;  // 0: next in sequence
  std::string activity_id;      // Correlation ActivityID GUID, empty: none
  std::uint32_t pid = 4, tid = 8;
  std::string channel = "Security";
  std::string computer = "WKS01.corp.example";
  std::string user_sid;  // Security UserID, empty: none
  // EventData <Data Name="name">value</Data>; an empty name writes an unnamed <Data>.
  std::vector<std::pair<std::string, WValue>> data;
  // When set, a UserData section <UserData><element xmlns=ns><k>v</k>...</element></UserData>
  // replaces EventData.
  std::string user_data_element, user_data_ns;
};

// Converts a UTC date and time to FILETIME.
std::uint64_t make_filetime(int y, int mo, int d, int h, int mi, int s, int us = 0);

// Emits one chunk's bytes. Offsets in BinXML are chunk-relative, so tokens are written straight
// into the chunk image; the caller brackets each record with begin_record/end_record.
class ChunkBuilder {
 public:
  ChunkBuilder();

  void begin_record(std::uint64_t record_id, std::uint64_t filetime);
  // Closes the record; returns false (and removes it) when it does not fit in the chunk.
  bool end_record();
  [[nodiscard]] std::size_t record_count() const { return records_; }
  // The finished 64 KiB chunk image with header fields and checksums.
  [[nodiscard]] std::vector<std::uint8_t> finish() const;

  // Raw emitters (little-endian).
  void u8(std::uint8_t v) { buf_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void bytes(std::span<const std::uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void utf16(std::string_view utf8);
  [[nodiscard]] std::uint32_t pos() const { return static_cast<std::uint32_t>(buf_.size()); }
  std::vector<std::uint8_t>& raw() { return buf_; }

  // BinXML tokens. Names are written inline on first use in the chunk, by offset afterwards.
  void fragment_header() { bytes(std::vector<std::uint8_t>{0x0f, 1, 1, 0}); }
  void name_ref(std::string_view name);
  // Returns the token's offset, for set_element_size().
  std::uint32_t open_element(std::string_view name, bool has_attributes);  // 0x01 / 0x41
  void attribute(std::string_view name, bool more = false);                // 0x06 / 0x46
  void text(std::string_view utf8, bool more = false);                     // 0x05 / 0x45
  void close_start() {
    patch_attr_size();
    u8(0x02);
  }
  void close_empty() {
    patch_attr_size();
    u8(0x03);
  }
  void end_element() { u8(0x04); }
  void substitution(std::uint16_t index, std::uint8_t type, bool optional);
  void char_ref(std::uint16_t cp) {
    u8(0x08);
    u16(cp);
  }
  void entity_ref(std::string_view name) {
    u8(0x09);
    name_ref(name);
  }
  void cdata(std::string_view utf8);
  void pi_target(std::string_view name) {
    u8(0x0a);
    name_ref(name);
  }
  void pi_data(std::string_view utf8);
  void eof() { u8(0x00); }
  // Template instance. The first time a chunk sees `key`, `body` writes the definition's BinXML
  // inline (fragment header through EOF); later instances refer to it by offset.
  void template_instance(const std::string& key, const std::function<void(ChunkBuilder&)>& body,
                         const std::vector<WValue>& values);
  // Patches the element data-size field at `at` (offset of the 0x01 token) to end here.
  void set_element_size(std::uint32_t at);
  // Element headers include a dependency id only inside template definitions; template_instance
  // brackets its body with these, and tests writing a definition by hand call them too.
  void begin_template_body() { ++template_depth_; }
  void end_template_body() { --template_depth_; }

 private:
  void patch_attr_size();

  std::vector<std::uint8_t> buf_;
  std::uint32_t attr_size_at_ = 0;  // pending attribute-list size field, 0 when none
  int template_depth_ = 0;
  std::map<std::string, std::uint32_t, std::less<>> names_;
  std::map<std::string, std::uint32_t, std::less<>> templates_;
  std::uint32_t record_start_ = 0;
  std::uint32_t last_record_ = 0;
  std::size_t records_ = 0;
  std::uint64_t first_id_ = 0, last_id_ = 0;
};

// Builds a whole file from event descriptions, starting new chunks as they fill.
class EvtxWriter {
 public:
  void add(const EventSpec& e);
  // Adds an already built chunk image (e.g. a hand-made one) after the current ones.
  void add_chunk(std::vector<std::uint8_t> chunk);
  [[nodiscard]] std::vector<std::uint8_t> finish();
  // Writes finish() to `path`; false on I/O failure.
  bool write(const std::string& path);

 private:
  bool emit(ChunkBuilder& c, const EventSpec& e, std::uint64_t id);
  std::vector<std::vector<std::uint8_t>> chunks_;
  std::optional<ChunkBuilder> current_;
  std::uint64_t next_id_ = 1;
};

// Wraps chunk images in a file header (chunk count and checksums set).
std::vector<std::uint8_t> make_file(const std::vector<std::vector<std::uint8_t>>& chunks,
                                    std::uint64_t next_record_id);

}  // namespace tansa::evtx
