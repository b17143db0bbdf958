// `tansa pivots`: from the detections at or above a level, the accounts, groups, hosts,
// addresses, processes, hashes and workstation names they involve, each with how many detections
// name it, when, and by which rules: the list a responder pastes into the next search.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tansa/detection.h"

namespace tansa::survey {

struct Pivot {
  std::string kind;  // account, group, host, address, process, hash, workstation
  std::string value;
  std::uint64_t detections = 0;
  std::int64_t first = 0, last = 0;
  std::vector<std::string> rules;  // titles, sorted
};

class Pivots {
 public:
  // Adds the values `d`'s fields name (`rule` is its rule's title).
  void add(const Detection& d, const std::string& rule);
  // Sorted by kind (in the order above), then by detections (most first), then value.
  [[nodiscard]] std::vector<Pivot> rows() const;

 private:
  struct Entry {
    std::uint64_t detections = 0;
    std::int64_t first = 0, last = 0;
    std::set<std::string> rules;
  };
  void note(const std::string& kind, std::string value, const Detection& d, const std::string& rule,
            std::set<std::pair<std::string, std::string>>& seen);
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

// The kind of pivot a field's values are, by its name ("" when none): TargetUserName is an
// account, IpAddress an address, Image a process, Hashes a hash list...
[[nodiscard]] std::string pivot_kind(std::string_view field);

}  // namespace tansa::survey
