#include "tansa/event.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace tansa {

// --- FieldTable -----------------------------------------------------------------------------

struct FieldTable::Impl {
  mutable std::shared_mutex mu;
  std::deque<std::string> names;  // deque: element addresses never move, so views stay valid
  std::unordered_map<std::string_view, FieldId> ids;
  std::atomic<std::uint64_t> overflowed{0};
};

FieldTable::FieldTable() : impl_(std::make_unique<Impl>()) {}
FieldTable::~FieldTable() = default;

FieldTable& FieldTable::global() {
  static FieldTable table;
  return table;
}

FieldId FieldTable::intern(std::string_view name) {
  {
    std::shared_lock lock(impl_->mu);
    if (auto it = impl_->ids.find(name); it != impl_->ids.end()) return it->second;
  }
  std::unique_lock lock(impl_->mu);
  if (auto it = impl_->ids.find(name); it != impl_->ids.end()) return it->second;
  // Field names come from logs (JSON keys, key=value keys, Zeek headers), so the table is bounded:
  // past kMaxFieldNames names, or for a name longer than kMaxFieldNameBytes, the value is kept
  // under the one field kOverflowField instead of growing the table for the life of the process.
  if (impl_->names.size() >= kMaxFieldNames || name.size() > kMaxFieldNameBytes) {
    impl_->overflowed.fetch_add(1, std::memory_order_relaxed);
    if (auto it = impl_->ids.find(kOverflowField); it != impl_->ids.end()) return it->second;
    name = kOverflowField;
  }
  const auto id = static_cast<FieldId>(impl_->names.size());
  impl_->names.emplace_back(name);
  impl_->ids.emplace(impl_->names.back(), id);
  return id;
}

std::optional<FieldId> FieldTable::find(std::string_view name) const {
  std::shared_lock lock(impl_->mu);
  if (auto it = impl_->ids.find(name); it != impl_->ids.end()) return it->second;
  return std::nullopt;
}

std::uint64_t FieldTable::overflowed() const {
  return impl_->overflowed.load(std::memory_order_relaxed);
}

std::string_view FieldTable::name(FieldId id) const {
  std::shared_lock lock(impl_->mu);
  if (id >= impl_->names.size()) return {};
  return impl_->names[id];
}

std::size_t FieldTable::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->names.size();
}

FieldId field_id(std::string_view name) {
  return FieldTable::global().intern(name);
}

// --- Arena ----------------------------------------------------------------------------------

namespace {
constexpr std::size_t kBlockSize = 16 * 1024;
}

char* Arena::allocate(std::size_t n) {
  if (n == 0) n = 1;
  while (current_ < blocks_.size()) {
    Block& b = blocks_[current_];
    if (b.size - used_ >= n) {
      char* p = b.data.get() + used_;
      used_ += n;
      return p;
    }
    ++current_;
    used_ = 0;
  }
  const std::size_t size = std::max(kBlockSize, n);
  blocks_.push_back(Block{std::make_unique<char[]>(size), size});
  current_ = blocks_.size() - 1;
  used_ = n;
  return blocks_.back().data.get();
}

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return {};
  char* p = allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void Arena::reset() {
  // An oversized block from one huge event would otherwise be kept forever; drop blocks beyond a
  // modest working set so a reused Event's memory stays bounded.
  constexpr std::size_t kKeep = 64;
  if (blocks_.size() > kKeep) blocks_.resize(kKeep);
  current_ = 0;
  used_ = 0;
}

std::size_t Arena::capacity() const {
  std::size_t total = 0;
  for (const Block& b : blocks_) total += b.size;
  return total;
}

// --- Event ----------------------------------------------------------------------------------

void Event::clear() {
  fields_.clear();
  elements_.clear();
  arena_.reset();
  time_ns = 0;
  source = {};
  logsource = {};
}

Event Event::clone() const {
  Event out;
  out.time_ns = time_ns;
  out.source = source;
  out.logsource = {out.store(logsource.product), out.store(logsource.category),
                   out.store(logsource.service)};
  out.elements_.reserve(elements_.size());
  for (const Value& v : elements_) {
    Value c = v;
    c.text = out.store(v.text);
    out.elements_.push_back(c);
  }
  out.fields_.reserve(fields_.size());
  for (const Field& f : fields_) {
    Field c = f;
    c.value.text = out.store(f.value.text);
    out.fields_.push_back(c);
  }
  return out;
}

void Event::add_string(FieldId id, std::string_view s) {
  Value v;
  v.type = ValueType::String;
  v.text = store(s);
  add(id, v);
}

void Event::add_int(FieldId id, std::int64_t x) {
  Value v;
  v.type = ValueType::Int;
  v.i = x;
  char buf[24];
  auto end = fmt::format_to(buf, "{}", x);
  v.text = store(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  add(id, v);
}

void Event::add_uint(FieldId id, std::uint64_t x) {
  Value v;
  v.type = ValueType::UInt;
  v.u = x;
  char buf[24];
  auto end = fmt::format_to(buf, "{}", x);
  v.text = store(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  add(id, v);
}

std::uint32_t Event::add_element(const Value& v) {
  elements_.push_back(v);
  return static_cast<std::uint32_t>(elements_.size() - 1);
}

std::optional<std::int64_t> parse_duration(std::string_view t) {
  if (t.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9' || n > 1000000000) return std::nullopt;
    n = n * 10 + (t[i] - '0');
  }
  std::int64_t unit = 0;
  switch (t.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    case 'M':
      unit = 30 * 86400;
      break;
    case 'y':
      unit = 365 * 86400;
      break;
    default:
      return std::nullopt;
  }
  if (n == 0) return std::nullopt;
  return n * unit * 1000000000LL;
}

std::string_view to_string(SourceRef::Kind k) {
  switch (k) {
    case SourceRef::Kind::Record:
      return "record";
    case SourceRef::Kind::Line:
      return "line";
    case SourceRef::Kind::Offset:
      return "offset";
    case SourceRef::Kind::Recovered:
      return "recovered";
  }
  return "record";
}

std::optional<SourceRef::Kind> parse_source_kind(std::string_view s) {
  for (auto k : {SourceRef::Kind::Record, SourceRef::Kind::Line, SourceRef::Kind::Offset,
                 SourceRef::Kind::Recovered})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::string format_time(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  // Civil date from days since the epoch (H. Hinnant's algorithm): no locale, no allocation but
  // the result, and the same text gmtime_r and fmt gave for every representable time.
  std::int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2);
  if (year < 0 || year > 9999)
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", year, month, day, rem / 3600,
                       rem / 60 % 60, rem % 60, frac / 1000);
  char out[27];
  auto put = [&](int at, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, year, 4);
  out[4] = '-';
  put(5, month, 2);
  out[7] = '-';
  put(8, day, 2);
  out[10] = 'T';
  put(11, rem / 3600, 2);
  out[13] = ':';
  put(14, rem / 60 % 60, 2);
  out[16] = ':';
  put(17, rem % 60, 2);
  out[19] = '.';
  put(20, frac / 1000, 6);
  out[26] = 'Z';
  return std::string(out, sizeof out);
}

}  // namespace tansa

namespace tansa {

bool parse_iso_time(std::string_view t, std::int64_t& ns, int default_offset_minutes) {
  auto num = [&](std::size_t at, std::size_t len, int& out) {
    if (at + len > t.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (t.size() < 10 || !num(0, 4, y) || t[4] != '-' || !num(5, 2, mo) || t[7] != '-' ||
      !num(8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
    return false;
  // Nanoseconds since 1970 in 64 bits reach from 1677 to 2262; other years do not fit.
  if (y < 1678 || y > 2261) return false;
  std::size_t i = 10;
  std::int64_t frac = 0;
  if (i < t.size() && (t[i] == 'T' || t[i] == ' ')) {
    if (!num(i + 1, 2, h) || i + 3 >= t.size() || t[i + 3] != ':' || !num(i + 4, 2, mi) || h > 23 ||
        mi > 59)
      return false;
    i += 6;
    if (i < t.size() && t[i] == ':') {
      if (!num(i + 1, 2, s) || s > 60) return false;
      i += 3;
      if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
        int digits = 0;
        for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i)
          if (digits < 9) frac = frac * 10 + (t[i] - '0'), ++digits;
        if (digits == 0) return false;
        for (; digits < 9; ++digits) frac *= 10;
      }
    }
  }
  std::int64_t offset_s = static_cast<std::int64_t>(default_offset_minutes) * 60;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    offset_s = 0;
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh = 0, om = 0;
    if (!num(i + 1, 2, oh) || oh > 23) return false;
    std::size_t m = i + 3;
    if (m < t.size() && t[m] == ':') ++m;
    if (m < t.size()) {
      if (!num(m, 2, om) || om > 59) return false;
      m += 2;
    }
    offset_s = (t[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i = m;
  }
  if (i != t.size()) return false;
  const std::int64_t secs =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
      mi * 60 + s - offset_s;
  ns = secs * 1'000'000'000 + frac;
  return true;
}

}  // namespace tansa
