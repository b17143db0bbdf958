// Text forms of BinXML values, shared by the JSON writer and the Event flattener so both print
// a value exactly as evtx_dump does (GUIDs upper-case without braces, hex ints "0x..",
// timestamps "YYYY-MM-DDTHH:MM:SS.ffffffZ", arrays comma-joined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tansa::evtx {

// Appends UTF-16LE `units` code units as UTF-8; unpaired surrogates become U+FFFD. With
// `json`, escapes for a JSON string body. Stops at the first NUL when `stop_at_nul`.
void append_utf16(std::string& out, const std::uint8_t* p, std::size_t units, bool json,
                  bool stop_at_nul);
// Appends UTF-8 `s` escaped for a JSON string body.
void append_json_escaped(std::string& out, const char* s, std::size_t n);

// True when the value renders as nothing (null, empty string/binary/array): evtx_dump treats
// such content as absent. Inline: asked for every node several times.
inline bool value_is_empty(std::uint8_t type, const std::uint8_t* data, std::uint32_t size) {
  switch (type) {
    case 0x00:  // null
    case 0x20:  // EvtHandle
    case 0x23:  // EvtXml
      return true;
    case 0x01:  // UTF-16 string: empty or starting with NUL
      return size < 2 || (data[0] == 0 && data[1] == 0);
    case 0x02:  // ANSI string
      return size == 0 || data[0] == 0;
    case 0x0e:  // binary
    case 0x21:  // BinXml
      return size == 0;
    default:
      return (type & 0x80) && size == 0;  // arrays
  }
}
// True for the scalar types evtx_dump writes as bare JSON numbers or booleans.
inline bool value_is_json_number(std::uint8_t type, std::uint32_t size) {
  switch (type) {
    case 0x03:  // int8
    case 0x04:  // uint8
      return size >= 1;
    case 0x05:  // int16
    case 0x06:  // uint16
      return size >= 2;
    case 0x07:  // int32
    case 0x08:  // uint32
    case 0x0d:  // bool
      return size >= 4;
    case 0x09:  // int64
    case 0x0a:  // uint64
      return size >= 8;
    default:
      return false;
  }
}
// Appends a value's text (JSON-escaped when `json`), no quotes.
void append_value_text(std::string& out, std::uint8_t type, const std::uint8_t* data,
                       std::uint32_t size, bool json);
// Number of items in an array value (strings split at NULs); 0 for scalars.
std::size_t array_items(std::uint8_t type, const std::uint8_t* data, std::uint32_t size);
// Calls f(type, data, size) per array item.
template <class F>
void for_each_item(std::uint8_t type, const std::uint8_t* data, std::uint32_t size, F&& f);

// Fixed item size of a scalar type, 0 when variable (strings, binary, SID).
std::uint32_t fixed_size(std::uint8_t base_type);

// FILETIME to nanoseconds since the Unix epoch (may be negative for pre-1970 times).
std::int64_t filetime_ns(std::uint64_t ft);
// SYSTEMTIME (16 bytes) to nanoseconds since the epoch; false when the fields are invalid.
bool systime_ns(const std::uint8_t* p, std::int64_t& ns);
// Appends "YYYY-MM-DDTHH:MM:SS.ffffffZ".
void append_iso_time(std::string& out, std::int64_t ns);

template <class F>
void for_each_item(std::uint8_t type, const std::uint8_t* data, std::uint32_t size, F&& f) {
  const std::uint8_t base = type & 0x7f;
  if (base == 0x01) {  // string array: NUL-terminated UTF-16 strings
    std::uint32_t start = 0;
    const std::uint32_t n = size & ~1u;
    for (std::uint32_t i = 0; i + 1 < n; i += 2) {
      if (data[i] == 0 && data[i + 1] == 0) {
        f(base, data + start, i - start);
        start = i + 2;
      }
    }
    if (start < n) f(base, data + start, n - start);
    return;
  }
  if (base == 0x02) {  // ANSI string array: NUL-terminated
    std::uint32_t start = 0;
    for (std::uint32_t i = 0; i < size; ++i) {
      if (data[i] == 0) {
        f(base, data + start, i - start);
        start = i + 1;
      }
    }
    if (start < size) f(base, data + start, size - start);
    return;
  }
  if (base == 0x13) {  // SID array: each SID is 8 + 4 * subauthority count bytes
    std::uint32_t off = 0;
    while (off + 8 <= size) {
      std::uint32_t len = 8 + 4u * data[off + 1];
      if (off + len > size) len = size - off;
      f(base, data + off, len);
      off += len;
    }
    return;
  }
  const std::uint32_t w = fixed_size(base);
  if (w == 0) return;
  for (std::uint32_t off = 0; off + w <= size; off += w) f(base, data + off, w);
}

}  // namespace tansa::evtx
