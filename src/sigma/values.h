// Value encodings for the compiler: Sigma strings with their wildcards and escapes, and what the
// value modifiers make of them (UTF-16, base64 and its offsets, windash, placeholders, CIDR
// networks). Internal to src/sigma; a value that cannot be encoded throws CompileError, which the
// compiler turns into the rule's rejection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sigma/compiler.h"
#include "tansa/sigma.h"

namespace tansa::sigma::detail {

// Thrown inside the compiler for a rule that cannot compile; caught per rule.
struct CompileError {
  std::string reason;
  std::string category;
};

[[noreturn]] inline void fail(std::string reason, std::string category) {
  throw CompileError{std::move(reason), std::move(category)};
}

// A value as a sequence of characters, each a literal byte or a wildcard.
struct SStr {
  std::string chars;
  std::string kinds;  // 'l' literal, '*' any run, '?' one character

  void lit(char c) {
    chars += c;
    kinds += 'l';
  }
  void wild(char w) {
    chars += w;
    kinds += w;
  }
  [[nodiscard]] bool has_wildcards() const {
    return kinds.find_first_not_of('l') != std::string::npos;
  }
  [[nodiscard]] std::string literal() const { return chars; }
};

SStr parse_sigma_string(std::string_view raw);
SStr literal_sstr(std::string_view bytes);
void add_star_front(SStr& s);
void add_star_back(SStr& s);
SStr to_utf16(const SStr& in, bool big_endian, bool bom);
std::string base64(std::string_view in);
std::vector<std::string> base64_offsets(std::string_view v);
std::vector<SStr> windash(const SStr& s);
std::vector<std::string> expand_placeholders(const std::string& raw, const Options& opt);
std::string ascii_lower(std::string s);
bool parse_cidr(std::string_view text, Leaf& l);

}  // namespace tansa::sigma::detail
