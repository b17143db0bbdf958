#include "evtx/value.h"

#include <fmt/format.h>

#include <array>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <cmath>
#include <cstring>

#include "evtx/binxml.h"

namespace tansa::evtx {

namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

inline void put_utf8(std::string& out, std::uint32_t cp) {
  char b[4];
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
    return;
  }
  std::size_t n;
  if (cp < 0x800) {
    b[0] = static_cast<char>(0xC0 | (cp >> 6));
    b[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = static_cast<char>(0xE0 | (cp >> 12));
    b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = static_cast<char>(0xF0 | (cp >> 18));
    b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  out.append(b, n);
}

inline void put_json_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      if (c < 0x20) {
        char e[6] = {'\\', 'u', '0', '0', kHexLower[c >> 4], kHexLower[c & 15]};
        out.append(e, 6);
      } else {
        out.push_back(static_cast<char>(c));
      }
  }
}

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  char* e = buf + sizeof buf;
  char* p = e;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  out.append(p, e);
}

void append_i64(std::string& out, std::int64_t v) {
  if (v < 0) {
    out.push_back('-');
    append_u64(out, 0 - static_cast<std::uint64_t>(v));
  } else {
    append_u64(out, static_cast<std::uint64_t>(v));
  }
}

void append_hex(std::string& out, std::uint64_t v) {
  char buf[18];
  char* e = buf + sizeof buf;
  char* p = e;
  do {
    *--p = kHexLower[v & 15];
    v >>= 4;
  } while (v);
  out += "0x";
  out.append(p, e);
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
    return;
  }
  const std::size_t at = out.size();
  fmt::format_to(std::back_inserter(out), "{}", d);
  // Rust float formatting always shows a fractional part for integral values ("1.0").
  if (out.find_first_of(".eE", at) == std::string::npos) out += ".0";
}

void append_guid(std::string& out, const std::uint8_t* b) {
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const std::uint8_t v = b[kOrder[i]];
    out.push_back(kHexUpper[v >> 4]);
    out.push_back(kHexUpper[v & 15]);
  }
}

void append_sid(std::string& out, const std::uint8_t* b, std::uint32_t size) {
  if (size < 8) {
    out += "S-?";
    return;
  }
  std::uint64_t auth = 0;
  for (int i = 2; i < 8; ++i) auth = (auth << 8) | b[i];
  out += "S-";
  append_u64(out, b[0]);
  out.push_back('-');
  append_u64(out, auth);
  const std::uint32_t n = b[1];
  for (std::uint32_t i = 0; i < n && 8 + 4 * i + 4 <= size; ++i) {
    out.push_back('-');
    append_u64(out, le32(b + 8 + 4 * i));
  }
}

// Days since 1970-01-01 to civil date (Howard Hinnant's algorithm).
void civil(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

void pad(std::string& out, std::uint64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Windows pads some strings with trailing blanks ("NtLmSsp ", "Advapi  "); evtx_dump and the
// tools built on it drop them, and Sigma rules are written for the text without them. Only
// spaces go: other trailing whitespace is kept as written (docs/formats.md).
void trim_padding(std::string& out, std::size_t from) {
  while (out.size() > from && out.back() == ' ') out.pop_back();
}

void append_scalar(std::string& out, std::uint8_t t, const std::uint8_t* p, std::uint32_t n,
                   bool json) {
  switch (t) {
    case vt::kNull:
      return;
    case vt::kString: {
      const std::size_t at = out.size();
      append_utf16(out, p, n / 2, json, true);
      trim_padding(out, at);
      return;
    }
    case vt::kAnsiString: {
      // Code page unknown; bytes are taken as Latin-1, which is right for the ASCII they hold.
      const std::size_t at = out.size();
      for (std::uint32_t i = 0; i < n && p[i]; ++i) {
        if (p[i] < 0x80) {
          if (json)
            put_json_ascii(out, p[i]);
          else
            out.push_back(static_cast<char>(p[i]));
        } else {
          put_utf8(out, p[i]);
        }
      }
      trim_padding(out, at);
      return;
    }
    case vt::kInt8:
      if (n >= 1) append_i64(out, static_cast<std::int8_t>(p[0]));
      return;
    case vt::kUInt8:
      if (n >= 1) append_u64(out, p[0]);
      return;
    case vt::kInt16:
      if (n >= 2) append_i64(out, static_cast<std::int16_t>(le16(p)));
      return;
    case vt::kUInt16:
      if (n >= 2) append_u64(out, le16(p));
      return;
    case vt::kInt32:
      if (n >= 4) append_i64(out, static_cast<std::int32_t>(le32(p)));
      return;
    case vt::kUInt32:
      if (n >= 4) append_u64(out, le32(p));
      return;
    case vt::kInt64:
      if (n >= 8) append_i64(out, static_cast<std::int64_t>(le64(p)));
      return;
    case vt::kUInt64:
      if (n >= 8) append_u64(out, le64(p));
      return;
    case vt::kReal32:
      if (n >= 4) {
        float f;
        std::memcpy(&f, p, 4);
        if (std::isnan(f) || std::isinf(f)) {
          append_double(out, f);
        } else {
          const std::size_t at = out.size();
          fmt::format_to(std::back_inserter(out), "{}", f);
          if (out.find_first_of(".eE", at) == std::string::npos) out += ".0";
        }
      }
      return;
    case vt::kReal64:
      if (n >= 8) {
        double d;
        std::memcpy(&d, p, 8);
        append_double(out, d);
      }
      return;
    case vt::kBool:
      if (n >= 1) {
        std::uint32_t v = n >= 4 ? le32(p) : p[0];
        out += v ? "true" : "false";
      }
      return;
    case vt::kBinary:
      for (std::uint32_t i = 0; i < n; ++i) {
        out.push_back(kHexUpper[p[i] >> 4]);
        out.push_back(kHexUpper[p[i] & 15]);
      }
      return;
    case vt::kGuid:
      if (n >= 16) append_guid(out, p);
      return;
    case vt::kSizeT:
      if (n == 4)
        append_hex(out, le32(p));
      else if (n >= 8)
        append_hex(out, le64(p));
      return;
    case vt::kFileTime:
      if (n >= 8) append_iso_time(out, filetime_ns(le64(p)));
      return;
    case vt::kSysTime:
      if (n >= 16) {
        std::int64_t ns;
        if (systime_ns(p, ns)) append_iso_time(out, ns);
      }
      return;
    case vt::kSid:
      append_sid(out, p, n);
      return;
    case vt::kHexInt32:
      if (n >= 4) append_hex(out, le32(p));
      return;
    case vt::kHexInt64:
      if (n >= 8) append_hex(out, le64(p));
      return;
    default:
      return;  // EvtHandle, BinXml, EvtXml: no text form
  }
}

}  // namespace

namespace {
// Escape table for ASCII in JSON strings: 0 = literal, 'u' = \u00XX, other = \<char>.
constexpr auto kJsonEscape = [] {
  std::array<char, 128> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();

inline char* put_ascii(char* p, unsigned c, bool json) {
  if (!json || !kJsonEscape[c]) {
    *p++ = static_cast<char>(c);
    return p;
  }
  const char e = kJsonEscape[c];
  *p++ = '\\';
  if (e != 'u') {
    *p++ = e;
    return p;
  }
  *p++ = 'u';
  *p++ = '0';
  *p++ = '0';
  *p++ = kHexLower[c >> 4];
  *p++ = kHexLower[c & 15];
  return p;
}

inline char* put_cp(char* p, std::uint32_t cp) {
  if (cp < 0x800) {
    *p++ = static_cast<char>(0xC0 | (cp >> 6));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *p++ = static_cast<char>(0xE0 | (cp >> 12));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *p++ = static_cast<char>(0xF0 | (cp >> 18));
    *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return p;
}
}  // namespace

void append_utf16(std::string& out, const std::uint8_t* src, std::size_t units, bool json,
                  bool stop_at_nul) {
  // Worst case per unit: a 6-byte JSON escape; write through a pointer into uninitialised space.
  const std::size_t old = out.size();
  out.resize_and_overwrite(old + units * 6, [&](char* buf, std::size_t) {
    char* p = buf + old;
    std::size_t i = 0;
    while (i < units) {
#ifdef __SSE2__
      // Eight units at a time while they are printable ASCII needing no escape (the common case).
      // Signed 16-bit compares also send every unit >= 0x8000 to the scalar path.
      const __m128i below = _mm_set1_epi16(0x20);
      const __m128i above = _mm_set1_epi16(0x7e);
      const __m128i quote = _mm_set1_epi16('"');
      const __m128i backslash = _mm_set1_epi16('\\');
      while (i + 8 <= units) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
        __m128i bad = _mm_or_si128(_mm_cmplt_epi16(v, below), _mm_cmpgt_epi16(v, above));
        if (json)
          bad = _mm_or_si128(
              bad, _mm_or_si128(_mm_cmpeq_epi16(v, quote), _mm_cmpeq_epi16(v, backslash)));
        if (_mm_movemask_epi8(bad)) break;
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(v, v));
        p += 8;
        i += 8;
      }
      if (i >= units) break;
#endif
      std::uint32_t c = static_cast<std::uint32_t>(src[2 * i]) | (src[2 * i + 1] << 8);
      ++i;
      if (c < 0x80) {
        if (c == 0 && stop_at_nul) break;
        p = put_ascii(p, c, json);
        continue;
      }
      if (c >= 0xD800 && c <= 0xDBFF && i < units) {
        const std::uint32_t lo = le16(src + 2 * i);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          p = put_cp(p, 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00));
          ++i;
          continue;
        }
      }
      if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
      p = put_cp(p, c);
    }
    return static_cast<std::size_t>(p - buf);
  });
}

void append_json_escaped(std::string& out, const char* s, std::size_t n) {
  const std::size_t old = out.size();
  out.resize_and_overwrite(old + n * 6, [&](char* buf, std::size_t) {
    char* p = buf + old;
    for (std::size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80)
        p = put_ascii(p, c, true);
      else
        *p++ = static_cast<char>(c);
    }
    return static_cast<std::size_t>(p - buf);
  });
}

std::uint32_t fixed_size(std::uint8_t base) {
  switch (base) {
    case vt::kInt8:
    case vt::kUInt8:
      return 1;
    case vt::kInt16:
    case vt::kUInt16:
      return 2;
    case vt::kInt32:
    case vt::kUInt32:
    case vt::kReal32:
    case vt::kBool:
    case vt::kHexInt32:
      return 4;
    case vt::kInt64:
    case vt::kUInt64:
    case vt::kReal64:
    case vt::kFileTime:
    case vt::kHexInt64:
    case vt::kSizeT:
      return 8;
    case vt::kGuid:
    case vt::kSysTime:
      return 16;
    default:
      return 0;
  }
}

void append_value_text(std::string& out, std::uint8_t type, const std::uint8_t* data,
                       std::uint32_t size, bool json) {
  if (!(type & vt::kArray)) {
    append_scalar(out, type, data, size, json);
    return;
  }
  bool first = true;
  for_each_item(type, data, size, [&](std::uint8_t t, const std::uint8_t* p, std::uint32_t n) {
    if (!first) out.push_back(',');
    first = false;
    append_scalar(out, t, p, n, json);
  });
}

std::size_t array_items(std::uint8_t type, const std::uint8_t* data, std::uint32_t size) {
  if (!(type & vt::kArray)) return 0;
  std::size_t n = 0;
  for_each_item(type, data, size, [&](std::uint8_t, const std::uint8_t*, std::uint32_t) { ++n; });
  return n;
}

std::int64_t filetime_ns(std::uint64_t ft) {
  // 100 ns ticks since 1601; split to avoid overflow for far-future values.
  constexpr std::int64_t kEpochTicks = 116444736000000000LL;
  const std::int64_t ticks = static_cast<std::int64_t>(ft & 0x7fffffffffffffffULL) - kEpochTicks;
  constexpr std::int64_t kMax = INT64_MAX / 100;
  if (ticks > kMax) return INT64_MAX / 100 * 100;
  if (ticks < -kMax) return -kMax * 100;
  return ticks * 100;
}

bool systime_ns(const std::uint8_t* p, std::int64_t& ns) {
  const unsigned y = le16(p), mo = le16(p + 2), d = le16(p + 6), h = le16(p + 8), mi = le16(p + 10),
                 s = le16(p + 12), ms = le16(p + 14);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms > 999) return false;
  const std::int64_t days = days_from_civil(y, mo, d);
  ns = ((days * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms) * 1000000LL;
  return true;
}

void append_iso_time(std::string& out, std::int64_t ns) {
  std::int64_t secs = ns / 1000000000;
  std::int64_t rem = ns % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil(days, y, m, d);
  if (y < 0 || y > 9999) y = 0;
  pad(out, static_cast<std::uint64_t>(y), 4);
  out.push_back('-');
  pad(out, m, 2);
  out.push_back('-');
  pad(out, d, 2);
  out.push_back('T');
  pad(out, static_cast<std::uint64_t>(sod / 3600), 2);
  out.push_back(':');
  pad(out, static_cast<std::uint64_t>(sod / 60 % 60), 2);
  out.push_back(':');
  pad(out, static_cast<std::uint64_t>(sod % 60), 2);
  out.push_back('.');
  pad(out, static_cast<std::uint64_t>(rem / 1000), 6);
  out.push_back('Z');
}

}  // namespace tansa::evtx
