// `tansa rules check PATH...`: loads and compiles rules the way `hunt` does and says which were
// rejected and why, so a responder can fix or drop them before a run.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "correlate/correlator.h"
#include "report/text.h"
#include "tansa/sigma.h"

namespace tansa::cli {

void add_rules_command(CLI::App& app, int& status) {
  CLI::App* rules = app.add_subcommand("rules", "Work with Sigma rules");
  rules->require_subcommand(1);
  CLI::App* check =
      rules->add_subcommand("check", "Load and compile rules; list the ones that cannot be used");
  auto paths = std::make_shared<std::vector<std::string>>();
  auto placeholders = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  check->add_option("paths", *paths, "Rule files or folders (searched recursively for .yml)")
      ->required();
  check->add_option("--placeholders", *placeholders,
                    "YAML file with values for %placeholders% (|expand)");
  check->add_flag("-q,--quiet", *quiet, "Print only the totals");
  check->callback([&status, paths, placeholders, quiet] {
    sigma::Options options;
    if (!placeholders->empty()) {
      auto p = sigma::load_placeholders(*placeholders);
      if (!p) {
        std::fprintf(stderr, "tansa: %s\n", report::terminal_safe(p.error()).c_str());
        status = 2;
        return;
      }
      options.placeholders = std::move(*p);
    }
    sigma::LoadResult loaded = sigma::load_rules(*paths, options);
    std::vector<sigma::Rejection> rejected = loaded.rejected;
    auto set = sigma::RuleSet::compile(loaded.rules, options, rejected);
    std::vector<correlate::Rejection> corr_rejected;
    const correlate::Correlator correlator(set->rules(), loaded.correlation_rules, corr_rejected);
    for (auto& r : corr_rejected)
      rejected.push_back({r.file, r.id, {}, r.reason, "unresolved correlation"});
    std::map<std::string, std::size_t> by_reason;
    for (const auto& r : rejected) {
      ++by_reason[r.category];
      if (!*quiet)
        std::printf("%s: %s: %s\n", report::terminal_safe(r.file).c_str(),
                    report::terminal_safe(r.id.empty() ? "(no id)" : r.id).c_str(),
                    report::terminal_safe(r.reason).c_str());
    }
    // Correlations whose references do not resolve are compiled but unusable: count them once,
    // as rejected.
    const std::size_t usable = set->size() + correlator.size() - corr_rejected.size();
    const std::size_t total = usable + rejected.size();
    std::printf(
        "%zu of %zu rules loaded (%.2f%%), %zu rejected; %zu filters applied, %zu correlation "
        "documents\n",
        usable, total,
        total ? 100.0 * static_cast<double>(usable) / static_cast<double>(total) : 100.0,
        rejected.size(), loaded.filters, loaded.correlations);
    for (const auto& [reason, n] : by_reason) std::printf("  %6zu  %s\n", n, reason.c_str());
    status = 0;
  });
}

}  // namespace tansa::cli
