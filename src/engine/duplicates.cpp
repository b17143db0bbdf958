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

namespace {

// SourceRef in 56 bits: file (20), kind (2), position (34: 16 GiB of offsets, or record ids
// below 1.7e10). kOverflow when it does not fit.
constexpr unsigned kFileBits = 20, kKindBits = 2, kPositionBits = 34;
constexpr std::uint64_t kOverflowPacked = (std::uint64_t{1} << 56) - 1;
std::uint64_t pack(const SourceRef& s) {
  if (s.file >> kFileBits || static_cast<unsigned>(s.kind) >> kKindBits ||
      s.position >> kPositionBits)
    return kOverflowPacked;
  // The one place that packs to all ones reads as kOverflow: it is kept in `overflow` too.
  return std::uint64_t{s.file} << (kKindBits + kPositionBits) |
         std::uint64_t{static_cast<unsigned>(s.kind)} << kPositionBits | s.position;
}
SourceRef unpack(std::uint64_t p) {
  SourceRef s;
  s.file = static_cast<std::uint32_t>(p >> (kKindBits + kPositionBits));
  s.kind = static_cast<SourceRef::Kind>((p >> kPositionBits) & ((1u << kKindBits) - 1));
  s.position = p & ((std::uint64_t{1} << kPositionBits) - 1);
  return s;
}

}  // namespace

void DuplicateFilter::Shard::grow() {
  std::vector<Slot> old = std::move(slots);
  slots.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const std::size_t mask = slots.size() - 1;
  for (const Slot& o : old) {
    if (o.empty()) continue;
    std::size_t i = o.h1 & mask;
    while (!slots[i].empty()) i = (i + 1) & mask;
    slots[i] = o;
  }
}

std::optional<SourceRef> DuplicateFilter::Shard::find_or_add(std::uint64_t h1, std::uint64_t tag,
                                                             const SourceRef& source) {
  static_assert(kOverflow == kOverflowPacked);
  if ((used + 1) * 4 > slots.size() * 3) grow();
  const std::size_t mask = slots.size() - 1;
  const Key key{h1, tag, 0, 0};  // the overflow's key: the slot's own
  for (std::size_t i = h1 & mask;; i = (i + 1) & mask) {
    Slot& slot = slots[i];
    if (slot.h1 == h1 && slot.tagged >> 56 == tag) {
      const std::uint64_t packed = slot.tagged & kOverflow;
      if (packed != kOverflow) return unpack(packed);
      const auto it = overflow.find(key);
      if (it != overflow.end()) return it->second;
      return std::nullopt;  // unreachable (an overflow slot has its entry): evaluate it
    }
    if (slot.empty()) {
      const std::uint64_t packed = pack(source);
      slot = Slot{h1, tag << 56 | packed};
      if (packed == kOverflow) overflow.emplace(key, source);
      ++used;
      return std::nullopt;
    }
  }
}

bool DuplicateFilter::first(const Event& e) {
  const std::optional<Key> k = key_of(e, seed1_, seed2_, false);
  if (!k) return true;
  const Key& key = *k;
  Shard& s = shards_[key.h2 % kShards];
  // The hash covers the time and every field, EventRecordID among them: h1, the shard (the low
  // bits of h2) and the top byte of h2 are the key. The one h1 that would read as an empty slot
  // is moved next to it.
  const std::uint64_t h1 = key.h1 == 0 ? 1 : key.h1;
  SourceRef evaluated;
  {
    std::lock_guard lock(s.mu);
    const std::optional<SourceRef> before = s.find_or_add(h1, key.h2 >> 56, e.source);
    if (!before) return true;
    evaluated = *before;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(copies_mu_);
  copies_[evaluated].push_back(e.source);
  evaluated_of_.emplace(e.source, evaluated);
  return false;
}

void DuplicateFilter::forget_records() {
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    // Swapped with empty ones, not assigned `{}`: that is the empty initializer list, which
    // clears and keeps the memory (the table's 200 MB at ten million events, until the end).
    std::vector<Slot>().swap(s.slots);
    s.used = 0;
    std::unordered_map<Key, SourceRef, KeyHash>().swap(s.overflow);
  }
}

std::vector<SourceRef> DuplicateFilter::sources(const SourceRef& source) const {
  std::lock_guard lock(copies_mu_);
  const auto of = evaluated_of_.find(source);
  const SourceRef& evaluated = of == evaluated_of_.end() ? source : of->second;
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
