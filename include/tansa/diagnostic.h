// Problems found in untrusted input (corrupt logs, bad rules). They are normal: a stage reports
// each one through a DiagnosticSink and carries on with what it can still read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace tansa {

struct Diagnostic {
  enum class Where : std::uint8_t { Offset, Line, None };
  std::string file;  // path of the input or rule file
  Where where = Where::None;
  std::uint64_t position = 0;  // byte offset or 1-based line, per `where`
  std::string reason;          // what is wrong, in words a user can act on
};

// Called once per problem; may be called from several threads at once, so implementations lock.
using DiagnosticSink = std::function<void(const Diagnostic&)>;

// Formats "file: offset 0x1200: reason" / "file:12: reason" / "file: reason".
std::string to_string(const Diagnostic& d);

}  // namespace tansa
