// The literal prefilter: which literals each rule variant needs, and the Vectorscan databases that
// find them in an event (compiled on all cores, kept in the cache folder between runs).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "sigma/compiler_impl.h"

namespace tansa::sigma::detail {

// --- prefilter --------------------------------------------------------------------------------

// The longest run of literal bytes a string leaf requires; shorter than 3 bytes is useless as a
// filter (nearly every event has it).
// Empty: none.
std::string Compiler::leaf_literal(const Leaf& l) const {
  std::string best;
  switch (l.kind) {
    case Leaf::Kind::Exact:
    case Leaf::Kind::Prefix:
    case Leaf::Kind::Suffix:
    case Leaf::Kind::Contains:
      best = l.text;
      break;
    case Leaf::Kind::Glob: {
      const Glob& g = cs_.globs[l.glob];
      for (std::size_t p = 0; p < g.pieces.size(); ++p) {
        std::string run;
        for (std::size_t i = 0; i <= g.pieces[p].size(); ++i) {
          const bool q = i < g.pieces[p].size() && !g.qmasks[p].empty() && g.qmasks[p][i];
          if (i == g.pieces[p].size() || q) {
            if (run.size() > best.size()) best = run;
            run.clear();
          } else {
            run += g.pieces[p][i];
          }
        }
      }
      break;
    }
    default:
      return {};
  }
  if (best.size() < 3) return {};
  return ascii_lower(std::move(best));
}

std::uint32_t Compiler::literal_id(const std::string& lit) {
  auto [it, added] = literal_ids_.emplace(lit, static_cast<std::uint32_t>(cs_.literal_text.size()));
  if (added) {
    cs_.literal_text.push_back(lit);
    usage_.push_back(0);
  }
  return it->second;
}

Need Compiler::need(std::uint32_t idx) {
  const Node& n = cs_.nodes[idx];
  // Is `a` a stronger filter than `b`? Cheaper means fewer events expected to contain one of
  // its literals: literals many rules use (".exe", "\\powershell.exe") are common in events too,
  // and short ones match by chance.
  auto better = [this](const Need& a, const Need& b) {
    if (!b.constrained) return a.constrained;
    if (!a.constrained) return false;
    return cost(a) < cost(b);
  };
  switch (n.op) {
    case Node::Op::True:
    case Node::Op::Not:
      return {};
    case Node::Op::False:
      return {true, {}};
    case Node::Op::Item: {
      const Item& it = cs_.items[n.a];
      if (it.negate) return {};
      Need out;
      if (it.all) {
        for (std::uint32_t k = 0; k < it.leaves; ++k) {
          const std::uint32_t lit = leaf_lit_[it.first_leaf + k];
          if (lit == kNone) continue;
          Need c{true, {lit}};
          if (better(c, out)) out = std::move(c);
        }
        return out;
      }
      out.constrained = true;
      for (std::uint32_t k = 0; k < it.leaves; ++k) {
        const std::uint32_t lit = leaf_lit_[it.first_leaf + k];
        if (lit == kNone) return {};
        out.lits.push_back(lit);
      }
      return out;
    }
    case Node::Op::And: {
      Need out;
      for (std::uint32_t k = 0; k < n.n; ++k) {
        Need c = need(cs_.kids[n.a + k]);
        if (better(c, out)) out = std::move(c);
      }
      return out;
    }
    case Node::Op::Or: {
      Need out{true, {}};
      for (std::uint32_t k = 0; k < n.n; ++k) {
        Need c = need(cs_.kids[n.a + k]);
        if (!c.constrained) return {};
        out.lits.insert(out.lits.end(), c.lits.begin(), c.lits.end());
      }
      return out;
    }
  }
  return {};
}

// Every leaf's literal is found once and given its id; each variant then takes the cheapest set
// of literals one of which any match must contain.
void Compiler::select_prefilters() {
  leaf_lit_.assign(cs_.leaves.size(), kNone);
  for (std::size_t i = 0; i < cs_.leaves.size(); ++i) {
    const std::string lit = leaf_literal(cs_.leaves[i]);
    if (lit.empty()) continue;
    leaf_lit_[i] = literal_id(lit);
    ++usage_[leaf_lit_[i]];
  }
  for (Variant& var : cs_.variants) {
    Need nd = need(var.root);
    if (!nd.constrained) continue;
    var.prefiltered = true;
    var.pf_first = static_cast<std::uint32_t>(cs_.pf_ids.size());
    std::sort(nd.lits.begin(), nd.lits.end());
    nd.lits.erase(std::unique(nd.lits.begin(), nd.lits.end()), nd.lits.end());
    cs_.pf_ids.insert(cs_.pf_ids.end(), nd.lits.begin(), nd.lits.end());
    var.pf_count = static_cast<std::uint32_t>(nd.lits.size());
  }
}

void Compiler::finish_prefilter() {
  if (!opt_.prefilter) return;
  select_prefilters();
  for (std::size_t i = 0; i < cs_.leaves.size(); ++i) cs_.leaves[i].lit = leaf_lit_[i];
  cs_.slot_scan.assign(cs_.slots, 0);
  for (const Item& it : cs_.items) {
    if (it.slot == kKeywordSlot) continue;
    for (std::uint32_t k = 0; k < it.leaves; ++k)
      if (cs_.leaves[it.first_leaf + k].lit != kNone) cs_.slot_scan[it.slot] = 1;
  }
  if (cs_.literal_text.empty()) return;
  cs_.prefilter = true;
  cs_.literal_count = static_cast<std::uint32_t>(cs_.literal_text.size());
}

// Without its databases the prefilter must not claim any literal is absent: every variant is
// then simply evaluated (slower, never wrong).
void Compiler::disable_prefilter() {
  if (cs_.literals) hs_free_database(cs_.literals);
  cs_.literals = nullptr;
  for (auto& d : cs_.scan_dbs)
    if (d.db) hs_free_database(d.db);
  cs_.scan_dbs.clear();
  cs_.prefilter = false;
  for (auto& v : cs_.variants) v.prefiltered = false;
  for (auto& l : cs_.leaves) l.lit = kNone;
  auto reset = [](CompiledSet::Bucket& b) {
    b.unfiltered = b.all;
    b.by_literal.clear();
  };
  for (auto& [_, idx] : cs_.windows) {
    reset(idx.any_eventid);
    for (auto& [__, b] : idx.by_eventid) reset(b);
    idx.db_by_eventid.clear();
    idx.any_db = kNone;
  }
  reset(cs_.windows_any);
  reset(cs_.everything);
  cs_.windows_default_db = kNone;
}

void Compiler::build_scan_dbs() {
  if (!cs_.prefilter) return;
  // Literal ids each variant can consult: its prefilter set and its leaves' literals.
  std::vector<std::vector<std::uint32_t>> per_variant(cs_.variants.size());
  for (std::size_t vi = 0; vi < cs_.variants.size(); ++vi) {
    const Variant& v = cs_.variants[vi];
    auto& ids = per_variant[vi];
    for (std::uint32_t k = 0; k < v.pf_count; ++k) ids.push_back(cs_.pf_ids[v.pf_first + k]);
    std::vector<std::uint32_t> stack{v.root};
    while (!stack.empty()) {
      const Node& n = cs_.nodes[stack.back()];
      stack.pop_back();
      if (n.op == Node::Op::Item) {
        const Item& it = cs_.items[n.a];
        for (std::uint32_t k = 0; k < it.leaves; ++k)
          if (cs_.leaves[it.first_leaf + k].lit != kNone)
            ids.push_back(cs_.leaves[it.first_leaf + k].lit);
      } else if (n.op == Node::Op::Not) {
        stack.push_back(n.a);
      } else if (n.op == Node::Op::And || n.op == Node::Op::Or) {
        for (std::uint32_t k = 0; k < n.n; ++k) stack.push_back(cs_.kids[n.a + k]);
      }
    }
  }
  // Buckets that apply to the same literals share one database; the distinct databases are
  // compiled on all cores, since compiling them is most of the rule set's load time.
  std::map<std::vector<std::uint32_t>, std::uint32_t> by_ids;
  std::vector<std::vector<std::uint32_t>> jobs;
  auto build = [&](std::initializer_list<const CompiledSet::Bucket*> buckets) {
    std::set<std::uint32_t> ids;
    bool keywords = false;
    for (const auto* b : buckets) {
      keywords = keywords || b->keywords;
      for (std::uint32_t vi : b->all) ids.insert(per_variant[vi].begin(), per_variant[vi].end());
    }
    std::vector<std::uint32_t> key(ids.begin(), ids.end());
    key.push_back(keywords ? 1 : 0);  // the flag is part of what makes two databases the same
    auto [it, added] = by_ids.emplace(std::move(key), static_cast<std::uint32_t>(jobs.size()));
    if (added) {
      jobs.push_back(it->first);
      cs_.scan_dbs.push_back({nullptr, keywords});
    }
    return it->second;
  };
  for (auto& [_, idx] : cs_.windows) {
    for (auto& [eid, b] : idx.by_eventid)
      idx.db_by_eventid[eid] = build({&b, &idx.any_eventid, &cs_.windows_any, &cs_.everything});
    idx.any_db = build({&idx.any_eventid, &cs_.windows_any, &cs_.everything});
  }
  cs_.windows_default_db = build({&cs_.windows_any, &cs_.everything});
  // Non-Windows events: the literals of the variants matched by log source, and of `everything`.
  std::vector<std::uint32_t> others_ids;
  {
    std::set<std::uint32_t> ids;
    for (const auto& o : cs_.others)
      ids.insert(per_variant[o.variant].begin(), per_variant[o.variant].end());
    for (std::uint32_t vi : cs_.everything.all)
      ids.insert(per_variant[vi].begin(), per_variant[vi].end());
    others_ids.assign(ids.begin(), ids.end());
    others_ids.push_back(1);  // the keyword flag slot the jobs carry; always scan every field
  }
  const std::size_t others_job = jobs.size();
  jobs.push_back(others_ids);

  auto compile_one = [&](std::size_t j) {
    const auto& ids = jobs[j];
    if (ids.size() <= 1) return;  // only the keyword flag: no literals
    std::vector<const char*> exprs;
    std::vector<std::size_t> lens;
    std::vector<unsigned> flags, hs_ids;
    for (std::size_t k = 0; k + 1 < ids.size(); ++k) {
      exprs.push_back(cs_.literal_text[ids[k]].data());
      lens.push_back(cs_.literal_text[ids[k]].size());
      flags.push_back(HS_FLAG_SINGLEMATCH);  // literals and scanned text are both lower-cased
      hs_ids.push_back(ids[k]);
    }
    hs_database_t* db = cached_database(exprs, lens, flags, hs_ids);
    if (!db) return;  // compiling failed: the prefilter is off (notes say why)
    if (j == others_job)
      cs_.literals = db;
    else
      cs_.scan_dbs[j].db = db;
  };
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t j; (j = next.fetch_add(1)) < jobs.size();) compile_one(j);
  };
  std::vector<std::thread> pool;
  const unsigned n =
      opt_.threads ? opt_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failed_) disable_prefilter();
}

// One literal database: from the cache when a file there holds exactly these literals (the file
// carries them, so a different set can never be taken for it), else compiled and then cached.
// A cache file that does not read back is noted and replaced; no cache folder, no caching.
hs_database_t* Compiler::cached_database(const std::vector<const char*>& exprs,
                                         const std::vector<std::size_t>& lens,
                                         const std::vector<unsigned>& flags,
                                         const std::vector<unsigned>& ids) {
  std::string content = std::string(hs_version()) + '\n';
  std::size_t size = content.size();
  for (std::size_t k = 0; k < exprs.size(); ++k) size += lens[k] + 32;
  content.reserve(size);
  for (std::size_t k = 0; k < exprs.size(); ++k) {
    fmt::format_to(std::back_inserter(content), "{} {} {}:", ids[k], flags[k], lens[k]);
    content.append(exprs[k], lens[k]);
    content += '\n';
  }
  std::string path;
  if (!opt_.cache_dir.empty()) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : content) h = (h ^ c) * 1099511628211ull;
    path = fmt::format("{}/literals-{:016x}.hsdb", opt_.cache_dir, h);
    if (auto db = read_cached(path, content)) return db;
  }
  hs_compile_error_t* err = nullptr;
  hs_database_t* db = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                           &err) != HS_SUCCESS) {
    note(
        fmt::format("the literal prefilter is off, every candidate rule is evaluated: Vectorscan "
                    "could not compile {} literals: {}",
                    exprs.size(), err && err->message ? err->message : "unknown error"));
    if (err) hs_free_compile_error(err);
    failed_ = true;
    return nullptr;
  }
  if (!path.empty()) write_cached(path, content, db);
  return db;
}

// Cache file: "tansa-hsdb 1\n", the content's length as 16 hex digits and "\n", the content,
// then Vectorscan's serialized database.
constexpr std::string_view kCacheMagic = "tansa-hsdb 1\n";

hs_database_t* Compiler::read_cached(const std::string& path, const std::string& content) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return nullptr;  // not cached yet
  // Read whole at once (the databases of SigmaHQ's rules are 16 MB together).
  std::string bytes;
  if (const std::streamoff size = in.tellg(); size > 0) {
    bytes.resize(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(bytes.data(), size)) bytes.clear();
  }
  const std::size_t head = kCacheMagic.size() + 17;
  hs_database_t* db = nullptr;
  std::size_t n = 0;
  const bool framed = bytes.size() > head && bytes.starts_with(kCacheMagic) &&
                      std::sscanf(bytes.c_str() + kCacheMagic.size(), "%16zx", &n) == 1 &&
                      n == content.size() && bytes.size() > head + n &&
                      bytes.compare(head, n, content) == 0;
  if (framed &&
      hs_deserialize_database(bytes.data() + head + n, bytes.size() - head - n, &db) == HS_SUCCESS)
    return db;
  note("ignored a damaged or foreign rule cache file " + path + "; compiled anew");
  return nullptr;
}

void Compiler::write_cached(const std::string& path, const std::string& content,
                            const hs_database_t* db) {
  char* bytes = nullptr;
  std::size_t len = 0;
  if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) return;
  // A name no other process or thread writes: runs may compile the same set at once.
  const std::string tmp = fmt::format("{}.{}.{}.tmp", path, ::getpid(),
                                      std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << kCacheMagic << fmt::format("{:016x}\n", content.size()) << content;
    out.write(bytes, static_cast<std::streamsize>(len));
    if (!out) std::remove(tmp.c_str());
  }
  std::free(bytes);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // whole or not at all; another run may race us
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace tansa::sigma::detail
