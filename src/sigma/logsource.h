// The log source map: how a rule's `logsource` (product, category, service) becomes conditions on
// events. Windows rules become Channel and EventID conditions (plus, for some categories, extra
// field conditions and field renames); other products are matched against the LogSource that
// their reader sets on each event. The data lives in logsources.yml, embedded in the binary.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tansa::sigma {

struct WindowsVariant {
  std::string service;
  std::vector<std::string> channels;
  std::vector<std::int64_t> eventids;  // empty: any
  std::vector<std::pair<std::string, std::vector<std::string>>> conditions;
  std::map<std::string, std::string> fields;  // rule field -> event field
};

struct ProductMap {
  std::map<std::string, std::vector<std::string>> services;  // rule service -> event services
  std::vector<std::string> aliases;                          // other names events may carry
};

struct LogSourceMap {
  std::map<std::string, std::vector<std::string>> windows_services;
  std::map<std::string, std::vector<WindowsVariant>> windows_categories;
  std::map<std::string, ProductMap> products;

  [[nodiscard]] static std::expected<LogSourceMap, std::string> parse(std::string_view yaml);
  // The map shipped in the binary (src/sigma/logsources.yml).
  static const LogSourceMap& builtin();
  static std::string_view builtin_text();

  // True when an event whose reader says `event_product`/`event_service` can carry a rule's
  // product/service.
  [[nodiscard]] bool product_matches(std::string_view rule, std::string_view event) const;
  [[nodiscard]] bool service_matches(std::string_view product, std::string_view rule,
                                     std::string_view event) const;
};

}  // namespace tansa::sigma
