// Writers for the survey commands (`tansa metrics`): the terminal table, CSV and JSON lines, each
// escaping every log value for its destination (report/text.h).
#pragma once

#include <string>

#include "report/detections.h"
#include "survey/logons.h"
#include "survey/metrics.h"
#include "survey/pivots.h"

namespace tansa::report {

// The whole output of `tansa metrics` in `format` (Table, Csv or Jsonl).
[[nodiscard]] std::string metrics_text(const survey::Metrics& m, OutputFormat format);

// The whole output of `tansa logons`, rows in the order given.
[[nodiscard]] std::string logons_text(const std::vector<survey::LogonRow>& rows,
                                      OutputFormat format);

// The whole output of `tansa pivots`.
[[nodiscard]] std::string pivots_text(const std::vector<survey::Pivot>& rows, OutputFormat format);

}  // namespace tansa::report
