#include "engine/duplicates.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "tansa/hash128.h"

namespace tansa::engine {

namespace {

constexpr std::uint64_t kP3 = Hash128::kP3;

// The record's words, and its values (an array element by element), seeded per run.
struct RecordHash : Hash128 {
  using Hash128::Hash128;
  void value(const Event& e, const Value& v) {
    word(static_cast<std::uint64_t>(v.type));
    if (v.type == ValueType::Array) {
      word(v.count);
      for (const Value& el : e.elements(v)) {
        word(static_cast<std::uint64_t>(el.type));
        bytes(el.text);
      }
      return;
    }
    bytes(v.text);
  }
};

}  // namespace

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

namespace {

// With `names`, field names are hashed instead of their ids, which are this process's own, and
// each field on its own with the hashes summed, since readers may order fields by id.
std::optional<RecordKey> key_of(const Event& e, std::uint64_t seed1, std::uint64_t seed2,
                                bool names) {
  static const FieldId kRecordId = field_id("EventRecordID");
  const Value* rid = e.get(kRecordId);
  if (!rid) return std::nullopt;
  // Computer and Channel are among the fields hashed: every field is, names and values.
  RecordHash h{seed1, seed2};
  h.word(static_cast<std::uint64_t>(e.time_ns));
  if (names) {
    const FieldTable& table = FieldTable::global();
    std::uint64_t a = 0, b = 0;
    for (const Field& f : e.fields()) {
      RecordHash fh{seed1, seed2};
      fh.bytes(table.name(f.id));
      fh.value(e, f.value);
      a += fh.a();
      b += fh.b();
    }
    h.word(a);
    h.word(b);
  } else {
    for (const Field& f : e.fields()) {
      h.word(f.id);
      h.value(e, f.value);
    }
  }
  return RecordKey{
      h.a(), h.b(),
      rid->type == ValueType::Int || rid->type == ValueType::UInt ? rid->u : h.a() ^ kP3,
      e.time_ns};
}

}  // namespace

std::optional<RecordKey> record_key(const Event& e, std::uint64_t seed1, std::uint64_t seed2) {
  return key_of(e, seed1, seed2, true);
}

DuplicateFilter::DuplicateFilter() : seed1_(random_seed()), seed2_(random_seed()) {}
DuplicateFilter::~DuplicateFilter() = default;

bool DuplicateFilter::first(const Event& e) {
  const std::optional<Key> k = key_of(e, seed1_, seed2_, false);
  if (!k) return true;
  const Key& key = *k;
  Shard& s = shards_[key.h2 % kShards];
  SourceRef evaluated;
  {
    std::lock_guard lock(s.mu);
    auto [it, added] = s.seen.try_emplace(key, e.source);
    if (added) return true;
    evaluated = it->second;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(copies_mu_);
  copies_[evaluated].push_back(e.source);
  return false;
}

std::vector<SourceRef> DuplicateFilter::sources(const SourceRef& evaluated) const {
  std::lock_guard lock(copies_mu_);
  const auto it = copies_.find(evaluated);
  if (it == copies_.end()) return {};
  std::vector<SourceRef> all = it->second;
  all.push_back(evaluated);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

void DuplicateFilter::resolve(Detection& d) const {
  std::vector<SourceRef> all = sources(d.source);
  if (all.size() < 2) return;
  d.source = all.front();
  d.copies.assign(all.begin() + 1, all.end());
}

bool CopyResolver::add(const RecordKey& key, const SourceRef& source, std::uint32_t rule) {
  if (!added_.emplace(key.h1, key.h2, source, rule).second) return false;
  std::vector<SourceRef>& all = sources_[key];
  const auto at = std::lower_bound(all.begin(), all.end(), source);
  if (at != all.end() && *at == source) return true;  // another rule's detection of this copy
  if (!all.empty()) ++dropped_;
  all.insert(at, source);
  key_of_.emplace(source, key);
  return true;
}

bool CopyResolver::resolve(Detection& d) const {
  const auto k = key_of_.find(d.source);
  if (k == key_of_.end()) return true;
  const auto s = sources_.find(k->second);
  if (s == sources_.end() || s->second.size() < 2) return true;
  if (s->second.front() != d.source) return false;
  d.copies.assign(s->second.begin() + 1, s->second.end());
  return true;
}

}  // namespace tansa::engine
