// Names on the wire: JetStream subjects, the stream, durable consumers, message headers.
//
// Every value here that comes from a log (a host name, a path) is attacker-controlled. A subject
// token may not hold '.', '*', '>', whitespace or control bytes, so host_token() escapes every byte
// outside [A-Za-z0-9_-] as %XX and bounds the result; two hosts whose names escape alike only share
// a partition (the event carries its own host).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tansa::scale {

// Subjects: publishers write tansa.raw.<host>; the server's mapping (docs/scale.md) moves each to
// tansa.part.<partition>.<host>, which the stream captures; detections go to
// tansa.detections.<level>.
inline constexpr std::string_view kRawPrefix = "tansa.raw.";
inline constexpr std::string_view kPartPrefix = "tansa.part.";
inline constexpr std::string_view kDetectionsPrefix = "tansa.detections.";
inline constexpr std::string_view kDefaultStream = "TANSA_RAW";

// Headers a published event carries.
inline constexpr const char* kHeaderFormat = "Tansa-Format";        // syslog, keyvalue, json
inline constexpr const char* kHeaderSource = "Tansa-Source";        // the path it was read from
inline constexpr const char* kHeaderIdentity = "Tansa-Identity";    // the file's identity
inline constexpr const char* kHeaderOffset = "Tansa-Offset";        // the line's offset in it
inline constexpr const char* kHeaderYear = "Tansa-Year";            // syslog year (0: inferred)
inline constexpr const char* kHeaderTz = "Tansa-Tz";                // minutes east of UTC
inline constexpr const char* kHeaderReference = "Tansa-Reference";  // ns; syslog year inference

// Longest host token, path and identity carried (longer ones are cut, with a hash of the whole).
inline constexpr std::size_t kMaxToken = 128;
inline constexpr std::size_t kMaxHeader = 1024;

// A host name as one subject token: never empty, only [A-Za-z0-9_%-], at most kMaxToken bytes.
[[nodiscard]] std::string host_token(std::string_view host);
// A header value: control bytes replaced by '?', at most kMaxHeader bytes (cut ones end in a hash
// of the whole, so two long values stay distinct).
[[nodiscard]] std::string header_value(std::string_view v);

[[nodiscard]] std::string raw_subject(std::string_view host);
[[nodiscard]] std::string partition_filter(unsigned partition);  // tansa.part.<p>.*
[[nodiscard]] std::string durable_name(std::string_view stream, unsigned partition);

// The stream's description records its partition count, so every worker agrees on it.
[[nodiscard]] std::string stream_description(unsigned partitions);
[[nodiscard]] unsigned partitions_of_description(std::string_view description);  // 0: none

// The server configuration line that partitions raw subjects (for docs and errors).
[[nodiscard]] std::string mapping_line(unsigned partitions);

}  // namespace tansa::scale
