#include "investigate/factindex.h"

#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <tuple>
#include <unordered_map>

namespace tansa::investigate {

std::string fold(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::uint32_t key_of(std::string_view s) {
  // FNV-1a, 64 bits folded to 32: cheap, and a collision only costs a read (every condition is
  // checked again on the fact read back).
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

std::int32_t coarse(std::int64_t ts) {
  const std::int64_t c = ts >> 30;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(
      c, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// One UTF-8 character's length from its first byte (SQLite's reading: continuation bytes follow).
std::size_t utf8_length(std::string_view s, std::size_t at) {
  std::size_t n = 1;
  if (static_cast<unsigned char>(s[at]) >= 0xc0)
    while (at + n < s.size() && (static_cast<unsigned char>(s[at + n]) & 0xc0) == 0x80) ++n;
  return n;
}

}  // namespace

bool like(std::string_view v, std::string_view p) {
  // SQLite reads both as C strings: nothing after a NUL takes part.
  v = v.substr(0, v.find('\0'));
  p = p.substr(0, p.find('\0'));
  std::size_t i = 0, j = 0;
  while (j < p.size()) {
    const char c = p[j];
    if (c == '%') {
      while (j < p.size() && (p[j] == '%' || p[j] == '_')) {
        if (p[j] == '_') {  // "%_": one character must be there
          if (i >= v.size()) return false;
          i += utf8_length(v, i);
        }
        ++j;
      }
      if (j == p.size()) return true;
      for (std::size_t k = i; k <= v.size(); k += k < v.size() ? utf8_length(v, k) : 1)
        if (like(v.substr(k), p.substr(j))) return true;
      return false;
    }
    if (c == '_') {
      if (i >= v.size()) return false;
      i += utf8_length(v, i);
      ++j;
      continue;
    }
    std::size_t literal = j;
    if (c == '\\') {
      if (j + 1 >= p.size()) return false;  // an escape with nothing after it matches nothing
      literal = j + 1;
    }
    const std::size_t n = utf8_length(p, literal);
    if (i + n > v.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
      if (lower(v[i + k]) != lower(p[literal + k])) return false;
    i += n;
    j = literal + n;
  }
  return i == v.size();
}

std::string like_prefix(std::string_view p) {
  p = p.substr(0, p.find('\0'));
  std::string out;
  for (std::size_t j = 0; j < p.size(); ++j) {
    if (p[j] == '%' || p[j] == '_') break;
    if (p[j] == '\\') {
      if (++j >= p.size()) break;
    }
    out += lower(p[j]);
  }
  return out;
}

namespace {

using Column = FactIndex::Column;

std::uint32_t ref_key(std::int64_t file, std::int64_t position) {
  char buf[16];
  std::memcpy(buf, &file, 8);
  std::memcpy(buf + 8, &position, 8);
  return key_of(std::string_view(buf, sizeof buf));
}

// host = ? AND logon_id = ? COLLATE NOCASE
std::uint32_t session_key(std::string_view host, std::string_view logon_id) {
  std::string k(host);
  k += '\0';
  k += fold(logon_id);
  return key_of(k);
}

bool nocase_eq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The member each column is read from, per kind (the case database's column of that name:
// casedb.cpp's tables()); nullptr where the kind has no such search.
struct Searched {
  bool ref = false;
  std::string Fact::*src_ip = nullptr;       // SrcIp
  std::string Fact::*dst_ip = nullptr;       // DstIp
  bool user = false;                         // User (Fact::user)
  std::string Fact::*workstation = nullptr;  // Workstation (NOCASE)
  std::string Fact::*logon_id = nullptr;     // Session: host and logon_id (NOCASE)
  bool host = false;                         // Host (Fact::host)
  bool first_logon = false;                  // logon_on_host
};

const Searched& searched(FactKind k) {
  static const std::array<Searched, kFactKinds> kSearched = [] {
    std::array<Searched, kFactKinds> a{};
    auto& logon = a[static_cast<std::size_t>(FactKind::Logon)];
    logon = {true, &Fact::src_ip, nullptr, true, &Fact::workstation, &Fact::detail, false, true};
    auto& vpn = a[static_cast<std::size_t>(FactKind::Vpn)];
    vpn = {true, &Fact::src_ip, &Fact::dst_ip, true, nullptr, nullptr, false, false};
    auto& cloud = a[static_cast<std::size_t>(FactKind::Cloud)];
    cloud = {true, &Fact::src_ip, nullptr, true, nullptr, nullptr, false, false};
    auto& process = a[static_cast<std::size_t>(FactKind::Process)];
    process = {false, nullptr, nullptr, true, nullptr, &Fact::workstation, true, false};
    auto& file = a[static_cast<std::size_t>(FactKind::FileAccess)];
    file = {false, &Fact::src_ip, nullptr, true, nullptr, &Fact::workstation, false, false};
    auto& flow = a[static_cast<std::size_t>(FactKind::Flow)];
    flow = {false, &Fact::src_ip, &Fact::dst_ip, false, nullptr, nullptr, false, false};
    return a;
  }();
  return kSearched[static_cast<std::size_t>(k)];
}

bool searched_at_all(const Searched& s) {
  return s.ref || s.src_ip || s.dst_ip || s.user || s.workstation || s.logon_id || s.host;
}

}  // namespace

template <class T>
T* PagedColumn<T>::map_chunk() {
  void* p =
      mmap(nullptr, kChunk * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();  // as a vector that cannot grow
  return static_cast<T*>(p);
}
template <class T>
void PagedColumn<T>::unmap_chunk(T* c) {
  (void)munmap(c, kChunk * sizeof(T));  // fails only for a range never mapped
}
template class PagedColumn<std::uint32_t>;
template class PagedColumn<std::int32_t>;

void FactIndex::add(const FactBatch& batch, std::size_t i, std::int64_t rowid) {
  const FactBatch::Row& r = batch.row(i);
  const Searched& s = searched(r.kind);
  if (!searched_at_all(s)) return;
  Kind& k = kinds_[static_cast<std::size_t>(r.kind)];
  if (rowid < 1 || rowid > std::int64_t{std::numeric_limits<std::uint32_t>::max()} ||
      static_cast<std::size_t>(rowid - 1) < k.coarse_ts.size()) {
    broken_ = "the in-memory index: rowid " + std::to_string(rowid) + " out of order";
    return;
  }
  const auto row = static_cast<std::uint32_t>(rowid - 1);
  // A rowid skipped (never, short of a failed write, which stops the investigation anyway)
  // gets a time no range excludes, so reading it fails loudly rather than being passed over.
  while (k.coarse_ts.size() < row) k.coarse_ts.push_back(0);
  k.coarse_ts.push_back(coarse(r.time_ns));
  if (r.kind == FactKind::Vpn || r.kind == FactKind::Logon) {
    while (k.outcome_keys.size() < row) k.outcome_keys.push_back(0);
    k.outcome_keys.push_back(key_of(batch.text(i, text_slot(&Fact::outcome))));
  }
  auto text = [&](std::string Fact::*m) { return batch.text(i, text_slot(m)); };
  // A skipped rowid (see above) gets key 0 in each column: a candidate that is read back and
  // checked like any other.
  auto post = [&](Column c, std::uint32_t key) {
    while (k.loading[c].size() < row) k.loading[c].push_back(0);
    k.loading[c].push_back(key);
  };
  if (s.ref) post(Ref, ref_key(r.source.file, static_cast<std::int64_t>(r.source.position)));
  if (s.src_ip && r.kind == FactKind::Vpn) {
    auto it = k.addresses.find(text(s.src_ip));
    if (it == k.addresses.end())
      it = k.addresses
               .emplace(std::string(text(s.src_ip)), static_cast<std::uint32_t>(k.addresses.size()))
               .first;
    post(SrcIp, it->second);
  } else if (s.src_ip) {
    post(SrcIp, key_of(text(s.src_ip)));
  }
  if (s.dst_ip) post(DstIp, key_of(text(s.dst_ip)));
  if (s.user) {
    std::string u = fold(text(&Fact::user));
    auto it = k.users.find(u);
    if (it == k.users.end())
      it = k.users.emplace(std::move(u), static_cast<std::uint32_t>(k.users.size())).first;
    post(User, it->second);
  }
  if (s.workstation) {
    std::string ws = fold(text(s.workstation));
    post(Workstation, key_of(ws));
    if (r.kind == FactKind::Logon && r.event_id == 4624 && !ws.empty() && !text(s.src_ip).empty()) {
      const Kind::Sighting at{r.time_ns, r.source.file,
                              static_cast<std::int64_t>(r.source.position), row};
      auto [it, fresh] =
          k.workstation_spans.try_emplace({std::move(ws), std::string(text(s.src_ip))}, at, at);
      if (!fresh) {
        it->second.first = std::min(it->second.first, at);
        it->second.second = std::max(it->second.second, at);
      }
    }
  }
  if (s.logon_id) post(Session, session_key(text(&Fact::host), text(s.logon_id)));
  if (s.host) post(Host, key_of(text(&Fact::host)));
  if (s.first_logon) {
    std::string id = fold(text(s.logon_id));
    auto [it, fresh] = k.first_logon.try_emplace(std::string(text(&Fact::host)), id, row);
    if (!fresh && id < it->second.first) it->second = {std::move(id), row};
  }
}

void FactIndex::finish() {
  for (Kind& k : kinds_)
    for (std::size_t c = 0; c < kColumns; ++c) {
      // Key and row (the key's position) in one integer, sorted as integers, several times
      // faster than pairs. One column at a time, so the copy adds one column's keys at most.
      std::vector<std::uint64_t> sorted;
      sorted.reserve(k.loading[c].size());
      std::uint32_t row = 0;
      k.loading[c].drain(
          [&](std::uint32_t key) { sorted.push_back(std::uint64_t{key} << 32 | row++); });
      std::sort(sorted.begin(), sorted.end());
      Searchable& out = k.by[c];
      out.rows.reserve(sorted.size());
      for (const std::uint64_t p : sorted) {
        const auto key = static_cast<std::uint32_t>(p >> 32);
        if (out.keys.empty() || out.keys.back() != key) {
          out.keys.push_back(key);
          out.starts.push_back(static_cast<std::uint32_t>(out.rows.size()));
        }
        out.rows.push_back(static_cast<std::uint32_t>(p));
      }
      out.starts.push_back(static_cast<std::uint32_t>(out.rows.size()));
      out.keys.shrink_to_fit();
      out.starts.shrink_to_fit();
    }
  for (Kind& k : kinds_) {
    for (const auto& [a, id] : k.addresses) k.folded_addresses.emplace_back(fold(a), id);
    std::sort(k.folded_addresses.begin(), k.folded_addresses.end());
  }
  finished_ = true;
}

std::size_t FactIndex::bytes() const {
  std::size_t n = 0;
  for (const Kind& k : kinds_) {
    n += k.coarse_ts.bytes() + k.outcome_keys.bytes();
    for (std::size_t c = 0; c < kColumns; ++c)
      n += k.loading[c].bytes() +
           (k.by[c].keys.capacity() + k.by[c].starts.capacity() + k.by[c].rows.capacity()) * 4;
    for (const auto& [u, id] : k.users) n += u.capacity() + 48;
    for (const auto& [u, id] : k.addresses) n += 2 * u.capacity() + 80;
    for (const auto& [h, f] : k.first_logon) n += h.capacity() + f.first.capacity() + 64;
    for (const auto& [p, span] : k.workstation_spans)
      n += p.first.capacity() + p.second.capacity() + sizeof(span) + 80;
  }
  return n;
}

std::span<const std::uint32_t> FactIndex::rows(FactKind kind, Column c, std::uint32_t key) const {
  const Searchable& s = kinds_[static_cast<std::size_t>(kind)].by[c];
  const auto it = std::lower_bound(s.keys.begin(), s.keys.end(), key);
  if (it == s.keys.end() || *it != key) return {};
  const std::size_t i = static_cast<std::size_t>(it - s.keys.begin());
  return std::span<const std::uint32_t>(s.rows).subspan(s.starts[i], s.starts[i + 1] - s.starts[i]);
}

namespace {

using Each = std::function<void(const Fact&)>;
using Result = std::expected<void, std::string>;

// One named query's evaluation: its parameters, the rows it may match (from the postings), the
// time range they must fall in, and the condition each fact read back must meet (the whole
// WHERE, so candidates are only a shortcut).
class Search {
 public:
  Search(const CaseDb& db, const FactIndex& ix, FactKind kind,
         const std::vector<std::string>& params, std::size_t expected_params)
      : db_(db), ix_(ix), kind_(kind), p_(params) {
    if (params.size() != expected_params)
      error_ = "expected " + std::to_string(expected_params) + " parameters, got " +
               std::to_string(params.size());
  }
  // Text parameter i.
  [[nodiscard]] const std::string& text(std::size_t i) const {
    static const std::string kNone;
    return i < p_.size() ? p_[i] : kNone;
  }
  // Parameter i as the integer SQLite compares an INTEGER column with; anything else fails the
  // query (the analysis passes numbers it formatted itself).
  [[nodiscard]] std::int64_t number(std::size_t i) {
    const std::string& s = text(i);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if ((ec != std::errc() || end != s.data() + s.size()) && error_.empty())
      error_ = "parameter " + std::to_string(i + 1) + " is not an integer: " + s;
    return v;
  }
  void from(Column c, std::uint32_t key) {
    const auto r = ix_.rows(kind_, c, key);
    candidates_.insert(candidates_.end(), r.begin(), r.end());
    ++sources_;
  }
  void from(Column c, std::string_view value) {
    if (c == FactIndex::SrcIp && kind_ == FactKind::Vpn) {  // interned: addresses
      const auto& a = ix_.kind(kind_).addresses;
      if (auto it = a.find(std::string(value)); it != a.end()) from(c, it->second);
      ++sources_;
      return;
    }
    from(c, key_of(value));
  }
  void from_row(std::uint32_t row) {
    candidates_.push_back(row);
    ++sources_;
  }
  // The rows of an account (TANSA_ACCOUNT, parameters first .. first+3).
  void from_account(std::size_t first) {
    const auto& users = ix_.kind(kind_).users;
    for (std::size_t i = first; i < first + 2; ++i)
      if (auto it = users.find(fold(text(i))); it != users.end()) from(FactIndex::User, it->second);
    const std::string lo = fold(text(first + 2)), hi = fold(text(first + 3));
    for (auto it = users.lower_bound(lo); it != users.end() && it->first < hi; ++it)
      from(FactIndex::User, it->second);
  }
  [[nodiscard]] bool is_account(std::string_view user, std::size_t first) const {
    const std::string u = fold(user);
    return u == fold(text(first)) || u == fold(text(first + 1)) ||
           (u >= fold(text(first + 2)) && u < fold(text(first + 3)));
  }
  // Only rows whose outcome (a VPN action, a logon's outcome) is `v`: skipped before reading.
  void outcome_is(std::string_view v) { outcome_ = key_of(v); }
  void at_least(std::int64_t t) { lo_ = std::max(lo_, t); }
  void at_most(std::int64_t t) { hi_ = std::min(hi_, t); }
  void before(std::int64_t t) {
    if (t == std::numeric_limits<std::int64_t>::min())
      empty_ = true;
    else
      at_most(t - 1);
  }
  [[nodiscard]] bool in_time(const Fact& f) const { return f.time_ns >= lo_ && f.time_ns <= hi_; }

  // Reads the candidates that may match and calls `take(fact, row)` for those `keep` accepts, in
  // ascending row order.
  [[nodiscard]] Result scan(const std::function<bool(const Fact&)>& keep,
                            const std::function<void(Fact&&, std::uint32_t)>& take) {
    if (!error_.empty()) return std::unexpected(error_);
    if (empty_ || lo_ > hi_) return {};
    if (sources_ > 1) {
      std::sort(candidates_.begin(), candidates_.end());
      candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
    }
    const auto& times = ix_.kind(kind_).coarse_ts;
    const auto& outcomes = ix_.kind(kind_).outcome_keys;
    const std::int32_t clo = coarse(lo_), chi = coarse(hi_);
    for (const std::uint32_t row : candidates_) {
      if (row >= times.size())
        return std::unexpected("the in-memory index: no row " + std::to_string(row + 1));
      const std::int32_t c = times[row];
      if (c < clo || c > chi) continue;
      if (outcome_ && row < outcomes.size() && outcomes[row] != *outcome_) continue;
      auto f = db_.fetch(kind_, std::int64_t{row} + 1);
      if (!f) return std::unexpected(f.error());
      if (in_time(*f) && keep(*f)) take(std::move(*f), row);
    }
    return {};
  }
  // The matching facts in (ts, file, position) order, ties by row. Up to kHeld facts are kept
  // whole; beyond, only each one's order and row (24 bytes), and they are read again in order,
  // so a query with millions of answers does not hold them all in memory.
  [[nodiscard]] Result each(const std::function<bool(const Fact&)>& keep, const Each& f) {
    static constexpr std::size_t kHeld = 4096;
    struct Order {
      std::int64_t ts;
      std::uint32_t file;
      std::uint32_t row;
      std::int64_t position;
      bool operator<(const Order& o) const {
        return std::tie(ts, file, position, row) < std::tie(o.ts, o.file, o.position, o.row);
      }
    };
    auto order_of = [](const Fact& x, std::uint32_t row) {
      return Order{x.time_ns, x.source.file, row, static_cast<std::int64_t>(x.source.position)};
    };
    std::vector<std::pair<Order, Fact>> held;
    std::vector<Order> orders;  // once more than kHeld
    auto r = scan(keep, [&](Fact&& x, std::uint32_t row) {
      if (orders.empty() && held.size() < kHeld) {
        held.emplace_back(order_of(x, row), std::move(x));
        return;
      }
      if (orders.empty()) {
        for (const auto& h : held) orders.push_back(h.first);
        held.clear();
        held.shrink_to_fit();
      }
      orders.push_back(order_of(x, row));
    });
    if (!r) return r;
    if (orders.empty()) {
      std::sort(held.begin(), held.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& h : held) f(h.second);
      return {};
    }
    std::sort(orders.begin(), orders.end());
    for (const Order& o : orders) {
      auto x = db_.fetch(kind_, std::int64_t{o.row} + 1);
      if (!x) return std::unexpected(x.error());
      f(*x);
    }
    return {};
  }
  [[nodiscard]] std::expected<std::int64_t, std::string> count(
      const std::function<bool(const Fact&)>& keep) {
    std::int64_t n = 0;
    auto r = scan(keep, [&](Fact&&, std::uint32_t) { ++n; });
    if (!r) return std::unexpected(r.error());
    return n;
  }

 private:
  const CaseDb& db_;
  const FactIndex& ix_;
  FactKind kind_;
  const std::vector<std::string>& p_;
  std::vector<std::uint32_t> candidates_;
  int sources_ = 0;
  std::int64_t lo_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi_ = std::numeric_limits<std::int64_t>::max();
  bool empty_ = false;
  std::optional<std::uint32_t> outcome_;
  std::string error_;
};

struct In {
  const CaseDb& db;
  const FactIndex& ix;
  const FactQuery& q;
  const std::vector<std::string>& p;
  const Each& f;
  [[nodiscard]] Search search(std::size_t params) const { return {db, ix, q.kind, p, params}; }
  // The query as SQLite answers it: those that read their whole table whatever indexes exist.
  [[nodiscard]] Result sql() const { return db.query(q.kind, std::string(q.where), p, f); }
};

using FactFn = Result (*)(const In&);

// file = ? AND position = ?
Result event_at(const In& in) {
  Search s = in.search(2);
  const std::int64_t file = s.number(0), position = s.number(1);
  s.from(FactIndex::Ref, ref_key(file, position));
  return s.each(
      [&](const Fact& f) {
        return f.source.file == file && static_cast<std::int64_t>(f.source.position) == position;
      },
      in.f);
}

// `column` = ? [AND ts >= ? | BETWEEN ? AND ?], the column compared exactly (addresses) or NOCASE.
template <FactIndex::Column C, std::string Fact::*M, bool Nocase, int Times>
Result by_column(const In& in) {
  Search s = in.search(1 + Times);
  const std::string& v = s.text(0);
  if (Nocase)
    s.from(C, key_of(fold(v)));
  else
    s.from(C, std::string_view(v));
  if (Times >= 1) s.at_least(s.number(1));
  if (Times == 2) s.at_most(s.number(2));
  return s.each([&](const Fact& f) { return Nocase ? nocase_eq(f.*M, v) : f.*M == v; }, in.f);
}

// user = ? COLLATE NOCASE
Result by_user(const In& in) {
  Search s = in.search(1);
  const std::string& v = s.text(0);
  if (auto it = in.ix.kind(in.q.kind).users.find(fold(v)); it != in.ix.kind(in.q.kind).users.end())
    s.from(FactIndex::User, it->second);
  return s.each([&](const Fact& f) { return nocase_eq(f.user, v); }, in.f);
}

// host = ? AND logon_id = ? COLLATE NOCASE (logon_id: `M` of the kind)
template <std::string Fact::*M>
Result in_session(const In& in) {
  Search s = in.search(2);
  const std::string &host = s.text(0), &id = s.text(1);
  s.from(FactIndex::Session, session_key(host, id));
  return s.each([&](const Fact& f) { return f.host == host && nocase_eq(f.*M, id); }, in.f);
}

const std::unordered_map<std::string_view, FactFn>& fact_functions() {
  using namespace queries;
  using C = FactIndex::Column;
  using F = Fact;
  static const std::unordered_map<std::string_view, FactFn> k = {
      {kAddresses.name, [](const In& in) { return in.sql(); }},
      {kWorkstationAddresses.name,
       [](const In& in) {
         Search s = in.search(0);
         for (const auto& [pair, span] : in.ix.kind(FactKind::Logon).workstation_spans) {
           s.from_row(span.first.row);
           s.from_row(span.second.row);
         }
         return s.each([](const Fact&) { return true; }, in.f);
       }},
      {kVpnEventAt.name, event_at},
      {kLogonEventAt.name, event_at},
      {kCloudEventAt.name, event_at},
      {kLogonsFrom.name, by_column<C::SrcIp, &F::src_ip, false, 0>},
      {kCloudFrom.name, by_column<C::SrcIp, &F::src_ip, false, 0>},
      {kLogonsFromBetween.name, by_column<C::SrcIp, &F::src_ip, false, 2>},
      {kLogonsFromClient.name, by_column<C::Workstation, &F::workstation, true, 0>},
      {kLogonsByUser.name, by_user},
      {kCloudByUser.name, by_user},
      {kLogonsFromSince.name, by_column<C::SrcIp, &F::src_ip, false, 1>},
      {kLogonsFromClientSince.name, by_column<C::Workstation, &F::workstation, true, 1>},
      {kAccountChanges.name, [](const In& in) { return in.sql(); }},
      {kVpnFrom.name, by_column<C::SrcIp, &F::src_ip, false, 0>},
      {kVpnByUser.name, by_user},
      {kSessionBefore.name,
       [](const In& in) {  // tunnel_ip = ? AND action = ? AND ts BETWEEN ? AND ?
         Search s = in.search(4);
         const std::string &tunnel = s.text(0), &action = s.text(1);
         s.from(C::DstIp, tunnel);
         s.outcome_is(action);
         s.at_least(s.number(2));
         s.at_most(s.number(3));
         return s.each([&](const Fact& f) { return f.dst_ip == tunnel && f.outcome == action; },
                       in.f);
       }},
      {kSessionEnd.name,
       [](const In& in) {
         // action = ? AND tunnel_ip = ? AND user = ? COLLATE NOCASE AND ts BETWEEN ? AND ?
         Search s = in.search(5);
         const std::string &action = s.text(0), &tunnel = s.text(1), &user = s.text(2);
         s.from(C::DstIp, tunnel);
         s.outcome_is(action);
         s.at_least(s.number(3));
         s.at_most(s.number(4));
         return s.each(
             [&](const Fact& f) {
               return f.outcome == action && f.dst_ip == tunnel && nocase_eq(f.user, user);
             },
             in.f);
       }},
      {kAccountSessionsSince.name,
       [](const In& in) {  // ACCOUNT AND action = ? AND ts >= ?
         Search s = in.search(6);
         s.from_account(0);
         const std::string& action = s.text(4);
         s.outcome_is(action);
         s.at_least(s.number(5));
         return s.each(
             [&](const Fact& f) { return s.is_account(f.user, 0) && f.outcome == action; }, in.f);
       }},
      {kAccountCloudSince.name,
       [](const In& in) {  // ACCOUNT AND ts >= ?
         Search s = in.search(5);
         s.from_account(0);
         s.at_least(s.number(4));
         return s.each([&](const Fact& f) { return s.is_account(f.user, 0); }, in.f);
       }},
      {kAccountLogonsSince.name,
       [](const In& in) {  // ACCOUNT AND outcome = 'success' AND ts >= ?
         Search s = in.search(5);
         s.from_account(0);
         s.outcome_is("success");
         s.at_least(s.number(4));
         return s.each(
             [&](const Fact& f) { return s.is_account(f.user, 0) && f.outcome == "success"; },
             in.f);
       }},
      {kSessionsFromNetwork.name,
       [](const In& in) {  // action = ? AND remote_ip LIKE ? ESCAPE '\\'
         Search s = in.search(2);
         const std::string &action = s.text(0), &pattern = s.text(1);
         const std::string prefix = like_prefix(pattern);
         const auto& a = in.ix.kind(FactKind::Vpn).folded_addresses;
         for (auto it = std::lower_bound(a.begin(), a.end(), std::pair{prefix, std::uint32_t{0}});
              it != a.end() && it->first.starts_with(prefix); ++it)
           if (like(it->first, pattern)) s.from(C::SrcIp, it->second);
         s.outcome_is(action);
         return s.each(
             [&](const Fact& f) { return f.outcome == action && like(f.src_ip, pattern); }, in.f);
       }},
      {kFirstSessions.name,
       [](const In& in) -> Result {
         // action = ?1 AND NOT EXISTS (a fact with action = ?2 of the same user (NOCASE),
         // earlier, from the same country unless this one has none): the earliest time of
         // each user's ?2 facts, overall and per country, then the ?1 facts against it. Both
         // are whole-table reads by action in SQL as before (no index serves them).
         if (in.p.size() != 2) return std::unexpected("expected 2 parameters");
         std::unordered_map<std::string, std::int64_t> first_any;
         std::map<std::pair<std::string, std::string>, std::int64_t> first_in;
         auto earliest = [](std::int64_t& slot, std::int64_t t, bool fresh) {
           if (fresh || t < slot) slot = t;
         };
         auto r = in.db.query(FactKind::Vpn, "action = ?", {in.p[1]}, [&](const Fact& f) {
           const std::string u = fold(f.user);
           auto [a, fa] = first_any.try_emplace(u, f.time_ns);
           earliest(a->second, f.time_ns, fa);
           auto [c, fc] = first_in.try_emplace({u, f.extra}, f.time_ns);
           earliest(c->second, f.time_ns, fc);
         });
         if (!r) return r;
         return in.db.query(FactKind::Vpn, "action = ?", {in.p[0]}, [&](const Fact& f) {
           const std::string u = fold(f.user);
           bool earlier = false;
           if (f.extra.empty()) {
             auto it = first_any.find(u);
             earlier = it != first_any.end() && it->second < f.time_ns;
           } else {
             auto it = first_in.find({u, f.extra});
             earlier = it != first_in.end() && it->second < f.time_ns;
           }
           if (!earlier) in.f(f);
         });
       }},
      {kSessionLogons.name,
       [](const In& in) {  // src_ip = ? AND ts BETWEEN ? AND ? AND outcome = 'success'
         Search s = in.search(3);
         const std::string& ip = s.text(0);
         s.from(C::SrcIp, ip);
         s.outcome_is("success");
         s.at_least(s.number(1));
         s.at_most(s.number(2));
         return s.each([&](const Fact& f) { return f.src_ip == ip && f.outcome == "success"; },
                       in.f);
       }},
      {kProcessesInSession.name, in_session<&F::workstation>},
      {kProcessesByUser.name, by_user},
      {kSudoBetween.name,
       [](const In& in) {  // host = ? AND ts BETWEEN ? AND ? AND channel = 'sudo'
         Search s = in.search(3);
         const std::string& host = s.text(0);
         s.from(C::Host, host);
         s.at_least(s.number(1));
         s.at_most(s.number(2));
         return s.each([&](const Fact& f) { return f.host == host && f.channel == "sudo"; }, in.f);
       }},
      {kFilesFromBetween.name, by_column<C::SrcIp, &F::src_ip, false, 2>},
      {kFilesFrom.name, by_column<C::SrcIp, &F::src_ip, false, 0>},
      {kFilesByUser.name, by_user},
      {kFilesInSession.name, in_session<&F::workstation>},
      {kTampering.name, [](const In& in) { return in.sql(); }},
      {kLogonOfSession.name, in_session<&F::detail>},
      {kLogonsByUserBetween.name,
       [](const In& in) {  // user = ? NOCASE AND outcome = 'success' AND ts BETWEEN ? AND ?
         Search s = in.search(3);
         const std::string& user = s.text(0);
         const auto& users = in.ix.kind(FactKind::Logon).users;
         if (auto it = users.find(fold(user)); it != users.end()) s.from(C::User, it->second);
         s.outcome_is("success");
         s.at_least(s.number(1));
         s.at_most(s.number(2));
         return s.each(
             [&](const Fact& f) { return nocase_eq(f.user, user) && f.outcome == "success"; },
             in.f);
       }},
      {kFlowsFromBetween.name, by_column<C::SrcIp, &F::src_ip, false, 2>},
      {kFlowsToBetween.name, by_column<C::DstIp, &F::dst_ip, false, 2>},
      {kFlowsTo.name, by_column<C::DstIp, &F::dst_ip, false, 0>},
      {kLogonOnHost.name,
       [](const In& in) {  // the host's first logon in (logon_id NOCASE, rowid) order
         Search s = in.search(1);
         const auto& first = in.ix.kind(FactKind::Logon).first_logon;
         if (auto it = first.find(s.text(0)); it != first.end()) s.from_row(it->second.second);
         return s.each([](const Fact&) { return true; }, in.f);
       }},
  };
  return k;
}

// ACCOUNT AND [address column = ? AND] ts < ? [AND outcome = 'success'] on `kind`.
std::expected<std::int64_t, std::string> account_count(const CaseDb& db, const FactIndex& ix,
                                                       FactKind kind,
                                                       const std::vector<std::string>& p,
                                                       bool from_address, bool succeeded) {
  Search s(db, ix, kind, p, from_address ? 6 : 5);
  s.from_account(0);
  const std::string& address = s.text(4);
  s.before(s.number(from_address ? 5 : 4));
  if (succeeded) s.outcome_is("success");
  return s.count([&](const Fact& f) {
    return s.is_account(f.user, 0) && (!from_address || f.src_ip == address) &&
           (!succeeded || f.outcome == "success");
  });
}

}  // namespace

std::expected<void, std::string> FactIndex::each(const CaseDb& db, const FactQuery& q,
                                                 const std::vector<std::string>& params,
                                                 const std::function<void(const Fact&)>& f) const {
  if (!broken_.empty()) return std::unexpected(broken_);
  if (!finished_) return std::unexpected("the in-memory index was never finished");
  const auto& fns = fact_functions();
  const auto it = fns.find(q.name);
  if (it == fns.end()) return std::unexpected("no in-memory form of this query");
  return it->second(In{db, *this, q, params, f});
}

std::expected<std::int64_t, std::string> FactIndex::count(
    const CaseDb& db, const CountQuery& q, const std::vector<std::string>& params) const {
  if (!broken_.empty()) return std::unexpected(broken_);
  if (!finished_) return std::unexpected("the in-memory index was never finished");
  using namespace queries;
  struct Form {
    FactKind kind;
    bool from_address, succeeded;
  };
  static const std::unordered_map<std::string_view, Form> kForms = {
      {kActiveBefore.vpn.name, {FactKind::Vpn, false, false}},
      {kActiveBefore.cloud.name, {FactKind::Cloud, false, false}},
      {kActiveBefore.logons.name, {FactKind::Logon, false, true}},
      {kSeenBefore.vpn.name, {FactKind::Vpn, false, false}},
      {kSeenBefore.cloud.name, {FactKind::Cloud, false, false}},
      {kSeenBefore.logons.name, {FactKind::Logon, false, false}},
      {kFromAddressBefore.vpn.name, {FactKind::Vpn, true, false}},
      {kFromAddressBefore.cloud.name, {FactKind::Cloud, true, false}},
      {kFromAddressBefore.logons.name, {FactKind::Logon, true, false}},
  };
  const auto it = kForms.find(q.name);
  if (it == kForms.end()) return std::unexpected("no in-memory form of this query");
  return account_count(db, *this, it->second.kind, params, it->second.from_address,
                       it->second.succeeded);
}

}  // namespace tansa::investigate
