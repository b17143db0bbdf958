// The same record seen in several inputs (volume shadow copies, a log collected twice, an exported
// copy beside the original, a record carved from slack that is still live) is one event.
//
// What the filter promises:
// - A Windows record is keyed by its time, Computer, Channel and EventRecordID together with a
//   128-bit hash of every field (names, types and values) and of its time. Two records are one
//   only when all of these agree: the same EventRecordID with different content, or on another
//   computer or channel, stays two events. The hash is seeded at random per run, so log content
//   cannot be written to collide with another record on purpose.
// - Events without an EventRecordID (syslog lines, JSON records, Zeek rows) are never merged: two
//   identical lines are often two real events.
// - The first copy offered is evaluated (matched, handed to the command's hook); every later copy
//   is only counted and its source recorded. Which copy comes first depends on threads; which
//   source a detection cites does not: resolve() gives the smallest source reference of all
//   copies (file order, then a live record before a recovered one) and lists the others.
// - Two records are taken for one when 78 bits of their hashes agree (64 + 8 kept, 6 choose the
//   shard): among a billion records, two distinct ones are merged with a chance of about one in
//   600,000 (n^2 / 2^79), under a seed the logs cannot know.
// - Thread-safe; memory is 16 bytes a slot of an open-addressing table kept between 3/8 and 3/4
//   full (21 to 43 bytes per distinct Windows record, about 29 on average), plus the copies seen.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "tansa/detection.h"
#include "tansa/event.h"

namespace tansa::engine {

// What makes two Windows records one: their time, EventRecordID and a 128-bit hash of every field
// (names, types and values), under two seeds.
struct RecordKey {
  std::uint64_t h1, h2;
  std::uint64_t record_id;
  std::int64_t time_ns;
  friend bool operator==(const RecordKey&, const RecordKey&) = default;
};
struct RecordKeyHash {
  std::size_t operator()(const RecordKey& k) const { return k.h1; }
};
// The key of `e`, the same in every process under the same seeds (field names are hashed, not this
// process's field ids); nullopt for an event without an EventRecordID (never merged).
[[nodiscard]] std::optional<RecordKey> record_key(const Event& e, std::uint64_t seed1,
                                                  std::uint64_t seed2);
// A seed drawn from the system's random source.
[[nodiscard]] std::uint64_t random_seed();

class DuplicateFilter {
 public:
  DuplicateFilter();
  ~DuplicateFilter();
  DuplicateFilter(const DuplicateFilter&) = delete;
  DuplicateFilter& operator=(const DuplicateFilter&) = delete;

  // True when `e` is to be evaluated: not a Windows record, or the first copy of one. False for
  // a later copy, whose source is recorded against the first.
  [[nodiscard]] bool first(const Event& e);

  // Frees the records seen (the table first() searches), keeping which sources were copies of
  // which: call when no record is left to offer. first() after it sees every record as new.
  void forget_records();

  // Every source of the record that has a copy at `source` (the evaluated one or any other),
  // sorted, itself included; empty when it was seen once.
  [[nodiscard]] std::vector<SourceRef> sources(const SourceRef& source) const;

  // Gives `d` the smallest source of its record and lists the other sources in `d.copies`, from
  // whichever copy `d` cites (the same detection once resolved is resolved again alike).
  void resolve(Detection& d) const;

  [[nodiscard]] std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  [[nodiscard]] bool any() const { return dropped() != 0; }

 private:
  using Key = RecordKey;
  using KeyHash = RecordKeyHash;
  // One record seen, in 16 bytes: 72 bits of its 128-bit hash (which covers its time,
  // EventRecordID and every field; 6 more bits choose the shard) and where it was first seen,
  // packed (file, kind, position) in 56 bits when they fit, else kOverflow and the source is in
  // the shard's `overflow`. h1 is never 0 in a used slot: 0 is an empty one.
  struct Slot {
    std::uint64_t h1 = 0;
    std::uint64_t tagged = 0;  // the top 8 bits of h2, then the packed source
    [[nodiscard]] bool empty() const { return h1 == 0; }
  };
  static constexpr std::uint64_t kOverflow = (std::uint64_t{1} << 56) - 1;
  // Open addressing with linear probing, grown to twice its size at 3/4 full.
  struct Shard {
    std::mutex mu;
    std::vector<Slot> slots;
    std::size_t used = 0;
    std::unordered_map<Key, SourceRef, KeyHash> overflow;  // keyed {h1, tag, 0, 0}
    // The source first seen with (h1, tag), or nullopt after recording `source` as that. h1 is
    // not 0; tag is below 256.
    std::optional<SourceRef> find_or_add(std::uint64_t h1, std::uint64_t tag,
                                         const SourceRef& source);
    void grow();
  };
  static constexpr std::size_t kShards = 64;

  std::uint64_t seed1_, seed2_;
  std::array<Shard, kShards> shards_;
  mutable std::mutex copies_mu_;
  std::map<SourceRef, std::vector<SourceRef>> copies_;  // evaluated copy -> the later ones
  std::map<SourceRef, SourceRef> evaluated_of_;         // a later copy -> the evaluated one
  std::atomic<std::uint64_t> dropped_{0};
};

// The same promise when every copy was evaluated elsewhere (`tansa worker`, one input each): the
// detections of all copies arrive with their record's key, and the one of the smallest source is
// kept, listing the others, exactly as DuplicateFilter::resolve() gives it. Since every copy of a
// record holds the same fields, every copy has the same detections. Not thread-safe.
class CopyResolver {
 public:
  // A detection by `rule` at `source` of the record `key`. False when the same was added before:
  // the record repeated at the same place (a log whose chunks were copied into it twice), which
  // read() evaluates once; the caller drops it.
  [[nodiscard]] bool add(const RecordKey& key, const SourceRef& source, std::uint32_t rule);
  // False when `d` is the detection of a later copy (dropped); else true, with `d.copies` set
  // when its record was seen at several sources.
  [[nodiscard]] bool resolve(Detection& d) const;
  // Later copies of records with detections.
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }
  [[nodiscard]] bool any() const { return dropped_ != 0; }

 private:
  std::unordered_map<RecordKey, std::vector<SourceRef>, RecordKeyHash> sources_;  // sorted, unique
  std::map<SourceRef, RecordKey> key_of_;
  // (key, source, rule) of every detection added.
  std::set<std::tuple<std::uint64_t, std::uint64_t, SourceRef, std::uint32_t>> added_;
  std::uint64_t dropped_ = 0;
};

}  // namespace tansa::engine
