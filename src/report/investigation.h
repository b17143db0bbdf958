// The investigation's answers as a report: JSON (field names are an interface: README
// "investigate"), Markdown, a self-contained HTML page, and a short terminal summary. Every value
// that came from a log goes through report/text.h's encoders for its destination.
#pragma once

#include <string>

#include "investigate/analyze.h"

namespace tansa::report {

[[nodiscard]] std::string investigation_json(const investigate::Findings& f);
[[nodiscard]] std::string investigation_markdown(const investigate::Findings& f);
// One file, no network requests, no scripts: charts are inline SVG, and a Content-Security-Policy
// forbids scripts and remote loads even if some markup got through.
[[nodiscard]] std::string investigation_html(const investigate::Findings& f);
[[nodiscard]] std::string investigation_summary(const investigate::Findings& f);

// "2.1 TB", "30.0 GB", "512 B" (investigate/assets.h).
using investigate::human_bytes;

}  // namespace tansa::report
