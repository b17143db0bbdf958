#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "report/text.h"

namespace tansa::cli {

std::vector<std::string> default_rules() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("TANSA_RULES")) return {env};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p :
         {exe.parent_path() / "rules", exe.parent_path().parent_path() / "rules",
          exe.parent_path().parent_path() / "share" / "tansa" / "rules"})
      if (fs::is_directory(p, ec)) return {p.string()};
  }
  return {};
}

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
