// Helpers for the Sigma unit tests: compile a rule from YAML text and ask whether it fires on an
// event built field by field.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tansa/sigma.h"

namespace tansa::sigma::testing {

class EventBuilder {
 public:
  EventBuilder& s(std::string_view name, std::string_view v) {
    e_.add_string(field_id(name), v);
    return *this;
  }
  EventBuilder& i(std::string_view name, std::int64_t v) {
    e_.add_int(field_id(name), v);
    return *this;
  }
  EventBuilder& null(std::string_view name) {
    e_.add(field_id(name), Value{});
    return *this;
  }
  EventBuilder& arr(std::string_view name, const std::vector<std::string>& vs) {
    Value a;
    a.type = ValueType::Array;
    a.count = static_cast<std::uint32_t>(vs.size());
    for (std::size_t k = 0; k < vs.size(); ++k) {
      Value el;
      el.type = ValueType::String;
      el.text = e_.store(vs[k]);
      const auto idx = e_.add_element(el);
      if (k == 0) a.first = idx;
    }
    e_.add(field_id(name), a);
    return *this;
  }
  EventBuilder& logsource(std::string_view product, std::string_view service,
                          std::string_view category = {}) {
    e_.logsource = {product, category, service};
    return *this;
  }
  EventBuilder& at(std::int64_t seconds) {
    e_.time_ns = seconds * 1000000000LL;
    e_.source.position = static_cast<std::uint64_t>(seconds);
    return *this;
  }
  [[nodiscard]] const Event& event() const { return e_; }

 private:
  Event e_;
};

// A compiled rule set from YAML text; fails the test if anything was rejected (unless allowed).
class Compiled {
 public:
  explicit Compiled(std::string_view yaml, Options options = {}, bool allow_rejects = false) {
    auto loaded = load_rules_text(yaml, "test.yml", options);
    rejected_ = loaded.rejected;
    set_ = RuleSet::compile(loaded.rules, options, rejected_);
    if (!allow_rejects) {
      for (const auto& r : rejected_) ADD_FAILURE() << "rejected: " << r.reason;
    }
  }
  [[nodiscard]] std::vector<std::uint32_t> hits(const EventBuilder& b) const {
    Matcher m(*set_);
    std::vector<std::uint32_t> h;
    m.match(b.event(), h);
    return h;
  }
  [[nodiscard]] bool fires(const EventBuilder& b) const { return !hits(b).empty(); }
  [[nodiscard]] const std::vector<Rejection>& rejected() const { return rejected_; }
  [[nodiscard]] const RuleSet& set() const { return *set_; }

 private:
  std::vector<Rejection> rejected_;
  std::shared_ptr<const RuleSet> set_;
};

// A one-selection rule with no log source: `detection` is the YAML body under `selection:`.
inline std::string rule(std::string_view selection, std::string_view condition = "selection") {
  return "title: t\nid: 11111111-1111-1111-1111-111111111111\nlogsource: {}\ndetection:\n  "
         "selection:\n" +
         std::string(selection) + "\n  condition: " + std::string(condition) + "\n";
}

// Runs the same checks with the prefilter on and off: both engines must agree on every case.
inline std::vector<Options> engines() {
  Options a;
  Options b;
  b.prefilter = false;
  Options c;
  c.prefilter = false;
  c.index = false;
  return {a, b, c};
}

}  // namespace tansa::sigma::testing
