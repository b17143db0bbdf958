#include "sigma/logsource.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "sigma/yaml_util.h"

namespace tansa::sigma {

extern const char kLogSourcesYaml[];  // generated from logsources.yml (see CMakeLists.txt)

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<std::string> strings(const YAML::Node& n) {
  auto v = scalar_list(n);
  if (!v)
    throw std::runtime_error("expected a string or a list of strings at line " +
                             std::to_string(n.Mark().line + 1));
  return *v;
}

}  // namespace

std::expected<LogSourceMap, std::string> LogSourceMap::parse(std::string_view yaml) {
  LogSourceMap m;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (const YAML::Node win = root["windows"]) {
      for (const auto& kv : win["services"])
        m.windows_services[lower(kv.first.as<std::string>())] = strings(kv.second);
      for (const auto& kv : win["categories"]) {
        auto& variants = m.windows_categories[lower(kv.first.as<std::string>())];
        for (const auto& v : kv.second) {
          WindowsVariant w;
          w.service = lower(v["service"].as<std::string>());
          auto it = m.windows_services.find(w.service);
          if (it == m.windows_services.end())
            return std::unexpected("category " + kv.first.as<std::string>() +
                                   " names unknown service " + w.service);
          w.channels = it->second;
          if (const YAML::Node ids = v["eventids"])
            for (const auto& id : ids) w.eventids.push_back(id.as<std::int64_t>());
          if (const YAML::Node conds = v["conditions"])
            for (const auto& c : conds)
              w.conditions.emplace_back(c.first.as<std::string>(), strings(c.second));
          if (const YAML::Node fields = v["fields"])
            for (const auto& f : fields)
              w.fields[f.first.as<std::string>()] = f.second.as<std::string>();
          variants.push_back(std::move(w));
        }
      }
    }
    if (const YAML::Node products = root["products"])
      for (const auto& kv : products) {
        ProductMap p;
        if (const YAML::Node s = kv.second["services"])
          for (const auto& sv : s)
            p.services[lower(sv.first.as<std::string>())] = strings(sv.second);
        p.aliases = strings(kv.second["aliases"]);
        for (auto& a : p.aliases) a = lower(a);
        m.products[lower(kv.first.as<std::string>())] = std::move(p);
      }
  } catch (const std::exception& e) {
    return std::unexpected(std::string("log source map: ") + e.what());
  }
  return m;
}

std::string_view LogSourceMap::builtin_text() {
  return kLogSourcesYaml;
}

const LogSourceMap& LogSourceMap::builtin() {
  static const LogSourceMap map = [] {
    auto m = parse(kLogSourcesYaml);
    // The embedded file is tested (tests/unit/sigma); a failure here is a build defect.
    if (!m) throw std::logic_error(m.error());
    return std::move(*m);
  }();
  return map;
}

bool LogSourceMap::product_matches(std::string_view rule, std::string_view event) const {
  if (rule == event) return true;
  auto it = products.find(std::string(rule));
  if (it != products.end())
    for (const auto& a : it->second.aliases)
      if (a == event) return true;
  // The event may carry the canonical name while the rule uses an alias.
  for (const auto& [name, p] : products)
    if (name == event && std::find(p.aliases.begin(), p.aliases.end(), rule) != p.aliases.end())
      return true;
  return false;
}

bool LogSourceMap::service_matches(std::string_view product, std::string_view rule,
                                   std::string_view event) const {
  if (rule == event) return true;
  for (const auto& [name, p] : products) {
    if (!product_matches(name, product)) continue;
    auto it = p.services.find(std::string(rule));
    if (it == p.services.end()) continue;
    for (const auto& s : it->second)
      if (s == "*" || s == event) return true;
  }
  return false;
}

}  // namespace tansa::sigma
