// Every value from a log is attacker-controlled. These encoders are the only way log text leaves
// tansa: each makes a value inert for one destination (terminal, CSV, JSON, HTML).
#pragma once

#include <string>
#include <string_view>

namespace tansa::report {

// For a terminal: C0/C1 control characters, DEL, Unicode bidirectional overrides and invalid
// UTF-8 become visible escapes (\x1b, \u202e), so no value can move the cursor, recolour the
// screen or reorder text.
void append_terminal_safe(std::string& out, std::string_view s);
std::string terminal_safe(std::string_view s);

// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a cell beginning
// with = + - @ tab or carriage return gets a leading apostrophe so no spreadsheet runs it as a
// formula. Other control characters (but tab and line breaks) become visible \xNN escapes.
void append_csv_cell(std::string& out, std::string_view s);

// A JSON string literal with quotes; control characters escaped, invalid UTF-8 as U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// Text for HTML element content or a quoted attribute value: & < > " ' as entities.
void append_html_escaped(std::string& out, std::string_view s);
std::string html_escaped(std::string_view s);

}  // namespace tansa::report
