// The compiler's state, shared by the rule tree (compiler.cpp) and the literal prefilter
// (prefilter.cpp). Internal to src/sigma.
#pragma once

#include <hs/hs.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "sigma/ast.h"
#include "sigma/compiler.h"
#include "sigma/values.h"

namespace tansa::sigma::detail {

struct Need {
  bool constrained = false;
  std::vector<std::uint32_t> lits;  // literal ids (CompiledSet::literal_text)
};

class Compiler {
 public:
  Compiler(CompiledSet& cs, const Options& opt) : cs_(cs), opt_(opt) {}

  void compile_rule(const Rule& rule, std::uint32_t rule_index);
  void finish_prefilter();
  void build_scan_dbs();
  void disable_prefilter();

  // Resolves a field name to a slot, creating one.
  std::uint32_t slot(const std::string& name) {
    const FieldId id = field_id(name);
    if (cs_.slot_of.size() <= id) cs_.slot_of.resize(id + 1, kNone);
    if (cs_.slot_of[id] == kNone) {
      cs_.slot_of[id] = cs_.slots++;
      cs_.slot_by_name.emplace(name, cs_.slot_of[id]);
    }
    return cs_.slot_of[id];
  }

 private:
  struct Ctx {
    const Rule* rule;
    const std::map<std::string, std::string>* renames;
  };

  std::uint32_t add_node(Node n) {
    cs_.nodes.push_back(n);
    return static_cast<std::uint32_t>(cs_.nodes.size() - 1);
  }
  std::uint32_t add_group(Node::Op op, const std::vector<std::uint32_t>& kids) {
    if (kids.size() == 1) return kids[0];
    Node n{op, static_cast<std::uint32_t>(cs_.kids.size()),
           static_cast<std::uint32_t>(kids.size())};
    cs_.kids.insert(cs_.kids.end(), kids.begin(), kids.end());
    return add_node(n);
  }

  std::uint32_t compile_condition(const Ctx& ctx, const Condition& c, int depth);
  std::uint32_t compile_selection(const Ctx& ctx, const SelectionNode& s);
  std::uint32_t compile_item(const Ctx& ctx, const DetectionItem& d);
  void string_leaves(const Ctx& ctx, const DetectionItem& d, const RuleValue& v,
                     const std::vector<std::string>& transforms, bool cased,
                     std::vector<Leaf>& out);
  Leaf string_leaf(const SStr& s, bool cased);
  Need need(std::uint32_t node);
  void select_prefilters();
  double cost(const Need& n) const {
    double c = 0;
    for (const std::uint32_t l : n.lits)
      c += static_cast<double>(usage_[l]) *
           (1.0 + 8.0 / static_cast<double>(cs_.literal_text[l].size()));
    return c;
  }
  std::vector<std::uint32_t> usage_;     // per literal id: the leaves requiring it
  std::vector<std::uint32_t> leaf_lit_;  // per leaf: the literal it requires, or kNone
  std::uint32_t literal_id(const std::string& lit);
  bool has_keywords(std::uint32_t node) const {
    const Node& n = cs_.nodes[node];
    if (n.op == Node::Op::Item) return cs_.items[n.a].slot == kKeywordSlot;
    if (n.op == Node::Op::Not) return has_keywords(n.a);
    if (n.op == Node::Op::And || n.op == Node::Op::Or)
      for (std::uint32_t k = 0; k < n.n; ++k)
        if (has_keywords(cs_.kids[n.a + k])) return true;
    return false;
  }
  std::string leaf_literal(const Leaf& l) const;

  CompiledSet& cs_;
  const Options& opt_;
  std::atomic<bool> failed_{false};
  std::mutex notes_mu_;
  hs_database_t* cached_database(const std::vector<const char*>& exprs,
                                 const std::vector<std::size_t>& lens,
                                 const std::vector<unsigned>& flags,
                                 const std::vector<unsigned>& ids);
  hs_database_t* read_cached(const std::string& path, const std::string& content);
  void write_cached(const std::string& path, const std::string& content, const hs_database_t* db);
  void note(std::string text);
  std::unordered_map<std::string, std::uint32_t> literal_ids_;
};

// Compiling in two halves, so that the compiled rule cache (compiled_cache.h) keeps what lies
// between them: the rule tables with their literals by id. compile_tables() compiles the rules
// (the rejected ones appended to `rejected`) and picks each variant's prefilter; finish_set()
// derives the rest (the buckets' literal maps, the Vectorscan databases, the slot of every
// field interned so far) and makes the RuleSet.
[[nodiscard]] std::unique_ptr<CompiledSet> compile_tables(
    const std::vector<std::shared_ptr<const Rule>>& rules, const Options& options,
    std::vector<Rejection>& rejected);
[[nodiscard]] std::shared_ptr<const RuleSet> finish_set(std::unique_ptr<CompiledSet> cs,
                                                        const Options& options);
// The log source map `options` name (the built-in one when none, or when it does not parse: then
// a rejection says why, when `rejected` is given).
void set_logsources(CompiledSet& cs, const Options& options, std::vector<Rejection>* rejected);

}  // namespace tansa::sigma::detail
