// The analysis's own index of the facts, in memory, built as the writer stores them in the case
// database: so the named queries of queries.h are answered without the SQLite indexes, which
// are built only on request, after the report is written (for analysts; docs/case-db.md).
//
// What it keeps per fact is only what finds it: for each column a query searches by (an address,
// an account, a workstation, a session, an event's source reference) a posting of the fact's
// rowid under that column's key, and a coarse time (about a second) to skip rows outside a time
// range. Keys are 32-bit hashes of the value (lower-cased where the SQL compares with NOCASE),
// except accounts, which are interned exactly (their spellings are searched as a range). The
// fact itself is read back from the case database by rowid (its primary key), and every
// condition of the query is checked again on it, so a hash that collides costs a read, never a
// wrong answer.
//
// The semantics are the SQL's (tests/unit/investigate/memory_queries_test.cpp runs every named
// query both ways): NOCASE folds ASCII letters only, BETWEEN is inclusive, results come in
// (ts, file, position) order with ties in the order the facts were stored. Queries that read a
// whole table whatever indexes exist (small tables, a LIKE) are handed to SQLite.
// A failed read or an unparsable parameter is an error, never "no facts".
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "investigate/queries.h"

namespace tansa::investigate {

// A column of 4-byte values by row, in chunks of 1 MiB mapped from the system, not from malloc's
// heap: at ten million facts the loading columns are about 160 MB, and a chunk given back is
// given back to the system at once (malloc would keep small blocks freed among others as its
// own), so finish() turns them into the searchable form without holding both.
template <class T>
class PagedColumn {
  static_assert(sizeof(T) == 4 && std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t kChunk = std::size_t{1} << 18;  // values a chunk, 1 MiB
  PagedColumn() = default;
  PagedColumn(const PagedColumn&) = delete;
  PagedColumn& operator=(const PagedColumn&) = delete;
  ~PagedColumn() { clear(); }

  void push_back(T v) {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(map_chunk());
    chunks_.back()[size_++ % kChunk] = v;
  }
  [[nodiscard]] T operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t bytes() const { return chunks_.size() * kChunk * sizeof(T); }
  // Each value in row order to `f`, giving each chunk back once read; empty after.
  template <class F>
  void drain(F&& f) {
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      const std::size_t n = std::min(kChunk, size_ - c * kChunk);
      for (std::size_t i = 0; i < n; ++i) f(chunks_[c][i]);
      unmap_chunk(chunks_[c]);
      chunks_[c] = nullptr;
    }
    chunks_.clear();
    size_ = 0;
  }
  void clear() {
    for (T* c : chunks_)
      if (c) unmap_chunk(c);
    chunks_.clear();
    size_ = 0;
  }

 private:
  static T* map_chunk();
  static void unmap_chunk(T* c);
  std::vector<T*> chunks_;
  std::size_t size_ = 0;
};

class FactIndex {
 public:
  // The columns searched by, each on the kinds that have it (factindex.cpp says which member).
  enum Column : std::uint8_t { Ref, SrcIp, DstIp, User, Workstation, Session, Host, kColumns };

  // Records fact `i` of `batch`, stored as `rowid` of its kind's table. Rowids of one kind come
  // in increasing order (SQLite's for a table without a declared key).
  void add(const FactBatch& batch, std::size_t i, std::int64_t rowid);
  // Ends loading: sorts the postings into their searchable form. Queries only after.
  void finish();
  [[nodiscard]] bool finished() const { return finished_; }
  // Bytes held (postings, times, keys), for the notes and the bench.
  [[nodiscard]] std::size_t bytes() const;

  // The named query `q` (by name) with its parameters, as CaseDb::query would answer it.
  [[nodiscard]] std::expected<void, std::string> each(
      const CaseDb& db, const FactQuery& q, const std::vector<std::string>& params,
      const std::function<void(const Fact&)>& f) const;
  [[nodiscard]] std::expected<std::int64_t, std::string> count(
      const CaseDb& db, const CountQuery& q, const std::vector<std::string>& params) const;

  // What the query functions (factindex.cpp) search with.
  struct Searchable {  // one column's postings after finish(): rows of each key, ascending
    std::vector<std::uint32_t> keys, starts, rows;
  };
  struct Kind {
    // While loading, each searched column's key of every row, in row order (the row is the
    // position: a fact of a kind has each of its kind's columns once).
    std::array<PagedColumn<std::uint32_t>, kColumns> loading;
    std::array<Searchable, kColumns> by;
    PagedColumn<std::int32_t> coarse_ts;         // by row; ts >> 30, clamped
    PagedColumn<std::uint32_t> outcome_keys;     // by row (VPN actions, logon outcomes): key_of
    std::map<std::string, std::uint32_t> users;  // lower-cased account -> its key
    // VPN remote addresses, interned (SrcIp keys of the vpn kind): for sessions_from_network's
    // LIKE, which searches them by a case-insensitive prefix. After finish(): lower-cased, sorted.
    std::map<std::string, std::uint32_t, std::less<>> addresses;
    std::vector<std::pair<std::string, std::uint32_t>> folded_addresses;
    // Logons: each host's first logon in (logon_id NOCASE, rowid) order: logon_on_host.
    std::unordered_map<std::string, std::pair<std::string, std::uint32_t>> first_logon;
    // Logons: the first and the last 4624 of each (lower-cased workstation, address) pair in
    // (ts, file, position, row) order: workstation_addresses.
    struct Sighting {
      std::int64_t ts, file, position;
      std::uint32_t row;
      auto operator<=>(const Sighting&) const = default;
    };
    std::map<std::pair<std::string, std::string>, std::pair<Sighting, Sighting>> workstation_spans;
  };
  [[nodiscard]] const Kind& kind(FactKind k) const { return kinds_[static_cast<std::size_t>(k)]; }
  [[nodiscard]] std::span<const std::uint32_t> rows(FactKind k, Column c, std::uint32_t key) const;

 private:
  std::array<Kind, kFactKinds> kinds_;
  bool finished_ = false;
  std::string broken_;  // a rowid out of order: every query fails
};

// SQLite's LIKE with ESCAPE '\\' (case_sensitive_like off): % any run, _ one UTF-8 character,
// ASCII letters in either case, \\ before a character takes it literally.
[[nodiscard]] bool like(std::string_view value, std::string_view pattern);
// The text every match of `pattern` starts with, lower-cased (up to its first wildcard).
[[nodiscard]] std::string like_prefix(std::string_view pattern);
// ASCII lower case, as SQLite's NOCASE compares.
[[nodiscard]] std::string fold(std::string_view s);
[[nodiscard]] std::uint32_t key_of(std::string_view s);
// A coarse time: ts >> 30 (about a second) clamped to 32 bits; monotonic in ts.
[[nodiscard]] std::int32_t coarse(std::int64_t ts);

}  // namespace tansa::investigate
