// The seeded family of incidents: `tansa simulate --seed N`. Each seed draws, with a
// std::mt19937_64 seeded with N and nothing else, a company (host names, an internal /16, users,
// sensitive assets, an assets.yml with or without `addresses`, quiet log sources) and either no
// intrusion or one in one to three waves (stolen VPN, Windows and cloud accounts, Linux pivots,
// exfiltration), and writes its logs, assets.yml and truth.json. The same seed always gives the
// same files. docs/investigate.md describes the dimensions and how truth is reached.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "simulate/simulate.h"

namespace tansa::simulate {

// One line for `tansa simulate --list`.
[[nodiscard]] std::string family_description();

// Writes seed `seed`'s logs, assets.yml and truth.json into `dir` (created if needed).
// options.scale multiplies the normal users.
[[nodiscard]] std::expected<void, std::string> write_seed(std::uint64_t seed,
                                                          const std::string& dir,
                                                          const Options& options = {});

}  // namespace tansa::simulate
