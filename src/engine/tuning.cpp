#include "engine/tuning.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tansa::engine {

namespace {

namespace fs = std::filesystem;

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool names(const std::string& key, const RuleInfo& r) {
  return key == r.id || key == r.title || (!r.name.empty() && key == r.name);
}

std::expected<std::string, std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::expected<void, std::string> Tuning::add(const std::string& yaml, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return std::unexpected(path + ": not valid YAML: " + e.what());
  }
  if (!root || root.IsNull()) {
    files_.push_back(path);
    return {};
  }
  if (!root.IsMap()) return std::unexpected(path + ": expected a map of settings");
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "disable") {
        if (!v.IsSequence()) return std::unexpected(path + ": disable: expected a list of rules");
        for (const auto& r : v) disabled_.push_back(r.as<std::string>());
      } else if (key == "levels") {
        if (!v.IsMap()) return std::unexpected(path + ": levels: expected rule: level pairs");
        for (const auto& l : v) {
          const auto level = parse_level(l.second.as<std::string>());
          if (!level)
            return std::unexpected(path + ": levels: unknown level '" + l.second.as<std::string>() +
                                   "' for " + l.first.as<std::string>());
          levels_[l.first.as<std::string>()] = *level;
        }
      } else if (key == "exclude") {
        if (!v.IsMap()) return std::unexpected(path + ": exclude: expected rule: [field maps]");
        for (const auto& r : v) {
          const std::string rule = r.first.as<std::string>();
          const YAML::Node list = r.second.IsSequence() ? r.second : YAML::Node();
          if (!list) return std::unexpected(path + ": exclude: " + rule + ": expected a list");
          for (const auto& m : list) {
            if (!m.IsMap() || m.size() == 0)
              return std::unexpected(path + ": exclude: " + rule +
                                     ": each entry is a map of field: value");
            Match match;
            for (const auto& fv : m)
              match.emplace_back(fv.first.as<std::string>(), fv.second.as<std::string>());
            exclude_[rule].push_back(std::move(match));
          }
        }
      } else if (key == "placeholders") {
        fs::path p = v.as<std::string>();
        if (p.is_relative()) p = fs::path(path).parent_path() / p;
        placeholders_ = p.string();
      } else {
        return std::unexpected(path + ": unknown setting '" + key +
                               "' (disable, levels, exclude, placeholders)");
      }
    }
  } catch (const YAML::Exception& e) {
    return std::unexpected(path + ": " + e.what());
  }
  files_.push_back(path);
  return {};
}

bool Tuning::disables(const RuleInfo& r) const {
  return std::any_of(disabled_.begin(), disabled_.end(),
                     [&](const std::string& k) { return names(k, r); });
}

std::optional<Level> Tuning::level_of(const RuleInfo& r) const {
  std::optional<Level> out;
  for (const auto& [k, l] : levels_)
    if (names(k, r)) out = l;
  return out;
}

std::vector<RuleInfo> Tuning::with_levels(std::vector<RuleInfo> rules) const {
  for (RuleInfo& r : rules)
    if (auto level = level_of(r)) r.level = *level;
  return rules;
}

bool Tuning::excludes(const RuleInfo& r, const Detection& d) const {
  for (const auto& [k, matches] : exclude_) {
    if (!names(k, r)) continue;
    for (const Match& m : matches) {
      const bool all = std::all_of(m.begin(), m.end(), [&](const auto& want) {
        if (same(want.first, "host") && same(d.host, want.second)) return true;
        return std::any_of(d.fields.begin(), d.fields.end(), [&](const auto& f) {
          return same(f.first, want.first) && same(f.second, want.second);
        });
      });
      if (all) return true;
    }
  }
  return false;
}

std::expected<Tuning, std::string> load_tuning(const std::string& explicit_path,
                                               const std::vector<std::string>& inputs) {
  Tuning t;
  auto read = [&](const std::string& path) -> std::expected<void, std::string> {
    auto text = slurp(path);
    if (!text) return std::unexpected(text.error());
    return t.add(*text, path);
  };
  if (!explicit_path.empty()) {
    if (auto r = read(explicit_path); !r) return std::unexpected(r.error());
    return t;
  }
  std::error_code ec;
  std::string user;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    user = std::string(x) + "/tansa/config.yml";
  else if (const char* h = std::getenv("HOME"); h && *h)
    user = std::string(h) + "/.config/tansa/config.yml";
  if (!user.empty() && fs::is_regular_file(user, ec))
    if (auto r = read(user); !r) return std::unexpected(r.error());
  std::vector<std::string> seen;
  for (const auto& in : inputs) {
    if (in == "-") continue;
    const fs::path dir = fs::is_directory(in, ec) ? fs::path(in) : fs::path(in).parent_path();
    const std::string c = ((dir.empty() ? fs::path(".") : dir) / "tansa.yml").string();
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    if (fs::is_regular_file(c, ec))
      if (auto r = read(c); !r) return std::unexpected(r.error());
  }
  return t;
}

}  // namespace tansa::engine
