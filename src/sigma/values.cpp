#include "sigma/values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tansa::sigma::detail {

// --- Sigma strings ----------------------------------------------------------------------------

// Escapes (Sigma specification, pySigma's reading): `\*`, `\?` and `\\` are literal `*`, `?`
// and `\`; any other backslash, including a trailing one, is itself literal.
SStr parse_sigma_string(std::string_view raw) {
  SStr s;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '*' || raw[i + 1] == '?' || raw[i + 1] == '\\')) {
      s.lit(raw[++i]);
    } else if (c == '*' || c == '?') {
      s.wild(c);
    } else {
      s.lit(c);
    }
  }
  return s;
}

SStr literal_sstr(std::string_view bytes) {
  SStr s;
  for (char c : bytes) s.lit(c);
  return s;
}

void add_star_front(SStr& s) {
  if (s.kinds.empty() || s.kinds.front() != '*') {
    s.chars.insert(s.chars.begin(), '*');
    s.kinds.insert(s.kinds.begin(), '*');
  }
}
void add_star_back(SStr& s) {
  if (s.kinds.empty() || s.kinds.back() != '*') s.wild('*');
}

// UTF-8 -> UTF-16 code units for the wide/utf16 modifiers; wildcards pass through.
SStr to_utf16(const SStr& in, bool big_endian, bool bom) {
  SStr out;
  auto put = [&](std::uint16_t u) {
    const char lo = static_cast<char>(u & 0xff), hi = static_cast<char>(u >> 8);
    if (big_endian) {
      out.lit(hi);
      out.lit(lo);
    } else {
      out.lit(lo);
      out.lit(hi);
    }
  };
  if (bom) put(0xFEFF);
  for (std::size_t i = 0; i < in.chars.size();) {
    if (in.kinds[i] != 'l') {
      out.wild(in.kinds[i]);
      ++i;
      continue;
    }
    const auto b = static_cast<unsigned char>(in.chars[i]);
    std::uint32_t cp = b;
    std::size_t len = 1;
    if (b >= 0xf0) {
      cp = b & 0x07;
      len = 4;
    } else if (b >= 0xe0) {
      cp = b & 0x0f;
      len = 3;
    } else if (b >= 0xc0) {
      cp = b & 0x1f;
      len = 2;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if (i + k >= in.chars.size() || in.kinds[i + k] != 'l')
        fail("invalid UTF-8 in a value", "invalid value");
      cp = (cp << 6) | (static_cast<unsigned char>(in.chars[i + k]) & 0x3f);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(static_cast<std::uint16_t>(0xd800 + (cp >> 10)));
      put(static_cast<std::uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      put(static_cast<std::uint16_t>(cp));
    }
  }
  return out;
}

std::string base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                            (static_cast<unsigned char>(in[i + 1]) << 8) |
                            static_cast<unsigned char>(in[i + 2]);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (i + 1 == in.size()) {
    const std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const std::uint32_t v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// The three encodings of `v` at byte offsets 0, 1, 2 inside a longer base64 text, trimmed of the
// characters that depend on the unknown neighbouring bytes (Sigma base64offset).
std::vector<std::string> base64_offsets(std::string_view v) {
  static constexpr std::size_t kStart[3] = {0, 2, 3};
  static constexpr int kEnd[3] = {0, -3, -2};  // 0 = none
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 3; ++i) {
    std::string padded(i, ' ');
    padded += v;
    std::string enc = base64(padded);
    const int end = kEnd[(v.size() + i) % 3];
    std::size_t stop = end == 0 ? enc.size() : enc.size() - static_cast<std::size_t>(-end);
    if (stop < kStart[i]) stop = kStart[i];
    out.push_back(enc.substr(kStart[i], stop - kStart[i]));
  }
  return out;
}

namespace {

bool word_byte(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

}  // namespace

// windash: every `-` or `/` that starts a word after a non-word character (pySigma's `\B[-/]\b`)
// takes each of the five dash forms Windows command lines accept.
std::vector<SStr> windash(const SStr& s) {
  static const char* kDashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < s.chars.size(); ++i) {
    if (s.kinds[i] != 'l' || (s.chars[i] != '-' && s.chars[i] != '/')) continue;
    const bool prev_word =
        i > 0 && s.kinds[i - 1] == 'l' && word_byte(static_cast<unsigned char>(s.chars[i - 1]));
    const bool next_word = i + 1 < s.chars.size() && s.kinds[i + 1] == 'l' &&
                           word_byte(static_cast<unsigned char>(s.chars[i + 1]));
    if (!prev_word && next_word) at.push_back(i);
  }
  if (at.size() > 5)
    fail("windash would expand one value into more than 3125 variants", "too complex");
  std::vector<SStr> out;
  std::size_t combos = 1;
  for (std::size_t k = 0; k < at.size(); ++k) combos *= 5;
  for (std::size_t c = 0; c < combos; ++c) {
    SStr v;
    std::size_t code = c, next = 0;
    for (std::size_t i = 0; i < s.chars.size(); ++i) {
      if (next < at.size() && at[next] == i) {
        for (const char* p = kDashes[code % 5]; *p; ++p) v.lit(*p);
        code /= 5;
        ++next;
      } else if (s.kinds[i] == 'l') {
        v.lit(s.chars[i]);
      } else {
        v.wild(s.kinds[i]);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

// `%name%` placeholders (not after a backslash) replaced by each configured value.
std::vector<std::string> expand_placeholders(const std::string& raw, const Options& opt) {
  std::vector<std::string> out{""};
  std::size_t i = 0;
  while (i < raw.size()) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '%') {
      for (auto& o : out) o += '%';
      i += 2;
      continue;
    }
    if (raw[i] == '%') {
      const auto end = raw.find('%', i + 1);
      if (end != std::string::npos && end > i + 1) {
        const std::string name = raw.substr(i + 1, end - i - 1);
        auto it = opt.placeholders.find(name);
        if (it == opt.placeholders.end() || it->second.empty())
          fail("placeholder %" + name + "% has no value (give one with --placeholders FILE)",
               "unresolved placeholder");
        std::vector<std::string> next;
        for (const auto& o : out)
          for (const auto& v : it->second) next.push_back(o + v);
        if (next.size() > 4096) fail("placeholders expand to too many values", "too complex");
        out = std::move(next);
        i = end + 1;
        continue;
      }
    }
    for (auto& o : out) o += raw[i];
    ++i;
  }
  return out;
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // ASCII only, as tolower in C
  return s;
}

bool parse_cidr(std::string_view text, Leaf& l) {
  const auto slash = text.find('/');
  std::string addr(text.substr(0, slash));
  int prefix = -1;
  if (slash != std::string_view::npos) {
    auto r = std::from_chars(text.data() + slash + 1, text.data() + text.size(), prefix);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
  }
  if (inet_pton(AF_INET, addr.c_str(), l.net) == 1) {
    l.family = 4;
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return false;
  } else if (inet_pton(AF_INET6, addr.c_str(), l.net) == 1) {
    l.family = 6;
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return false;
  } else {
    return false;
  }
  l.prefix = static_cast<std::uint8_t>(prefix);
  // Host bits are cleared rather than rejected: `10.0.0.1/8` clearly means 10.0.0.0/8.
  const int bytes = l.family == 4 ? 4 : 16;
  for (int b = 0; b < bytes; ++b) {
    const int keep = std::clamp(prefix - b * 8, 0, 8);
    l.net[b] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return true;
}

}  // namespace tansa::sigma::detail
