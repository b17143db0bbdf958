#include "tansa/diagnostic.h"

#include <fmt/format.h>

namespace tansa {

std::string to_string(const Diagnostic& d) {
  switch (d.where) {
    case Diagnostic::Where::Offset:
      return fmt::format("{}: offset {:#x}: {}", d.file, d.position, d.reason);
    case Diagnostic::Where::Line:
      return fmt::format("{}:{}: {}", d.file, d.position, d.reason);
    case Diagnostic::Where::None:
      break;
  }
  return fmt::format("{}: {}", d.file, d.reason);
}

}  // namespace tansa
