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

std::expected<void, std::string> drain_correlated(
    hunt::DetectionSorter& sorter, correlate::Correlator& correlator, std::size_t memory,
    const std::function<void(const Detection&)>& show,
    const std::function<void(const std::string&)>& problem) {
  if (correlator.size() == 0) return sorter.drain(show);
  hunt::DetectionSorter merged(correlator.rules(), memory,
                               std::filesystem::temp_directory_path().string());
  // A detection that cannot be kept is lost: the first such error fails the whole drain, so no
  // caller reads a shortened stream as the whole one.
  std::string lost;
  auto keep = [&](Detection&& d) {
    if (auto r = merged.add(std::move(d)); !r) {
      problem(r.error());
      if (lost.empty()) lost = r.error();
    }
  };
  auto drained = sorter.drain([&](const Detection& d) {
    correlator.add(d, keep);
    keep(Detection(d));
  });
  correlator.finish(keep);
  if (!drained) return drained;
  auto merged_out = merged.drain(show);
  if (!merged_out) return merged_out;
  if (!lost.empty()) return std::unexpected("detections were lost: " + lost);
  return {};
}

std::size_t DiagnosticPrinter::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace tansa::cli
