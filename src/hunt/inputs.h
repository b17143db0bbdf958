// Turns the paths a user gives into the run's ordered list of inputs. The order (sorted paths)
// fixes SourceRef::file, so output never depends on the order arguments or directory entries
// come in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tansa/diagnostic.h"

namespace tansa::hunt {

struct Input {
  std::string path;  // "-" for standard input
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // for syslog year inference
};

// Files are taken as given; folders are walked recursively (symlinks to folders are not followed,
// so a link loop cannot make the walk endless); "-" stands for standard input. Paths that do not
// exist or cannot be read are reported and skipped. The result is sorted and free of duplicates.
std::vector<Input> expand_inputs(const std::vector<std::string>& paths, const DiagnosticSink& diag);

}  // namespace tansa::hunt
