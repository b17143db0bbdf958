// The formats `hunt` reads, each with its sniffer and reader, in detection order (most specific
// first). Adding a reader means adding one entry here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hunt/pipeline.h"

namespace tansa::hunt {

// Options some readers need (syslog's missing year and zone).
struct ReaderOptions {
  int year = 0;               // 0: infer from the file's modification time
  int tz_offset_minutes = 0;  // zone of timestamps that carry none (RFC 3164 syslog)
  // Passwords tried on encrypted archive members (--archive-password), then "infected", the
  // convention of malware and incident collections.
  std::vector<std::string> archive_passwords;
  // EVTX: also carve records from chunk slack and header-less chunks (evtx::ReadOptions::carve);
  // they are cited as recovered.
  bool carve = false;
};

std::vector<Format> builtin_formats(const ReaderOptions& options);

// Names accepted by --format.
std::vector<std::string> format_names();

}  // namespace tansa::hunt
