#include <cstdio>

#include "cli/commands.h"
#include "report/text.h"

namespace tansa::cli {

DiagnosticSink DiagnosticPrinter::sink() {
  return [this](const Diagnostic& d) {
    std::lock_guard lock(mu_);
    if (++count_ <= limit_ && !quiet_)
      std::fprintf(stderr, "%s\n", report::terminal_safe(to_string(d)).c_str());
  };
}

std::size_t DiagnosticPrinter::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace tansa::cli
