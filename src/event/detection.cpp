#include "tansa/detection.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>

namespace tansa {

namespace {
constexpr std::array<std::string_view, 5> kLevelNames = {"informational", "low", "medium", "high",
                                                         "critical"};

void put_u64(std::string& out, std::uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}
bool get_u64(std::string_view in, std::size_t& pos, std::uint64_t& v) {
  if (in.size() - pos < 8) return false;
  std::memcpy(&v, in.data() + pos, 8);
  pos += 8;
  return true;
}
bool get_str(std::string_view in, std::size_t& pos, std::string& s) {
  std::uint64_t n;
  if (!get_u64(in, pos, n) || in.size() - pos < n) return false;
  s.assign(in.data() + pos, n);
  pos += n;
  return true;
}
void put_ref(std::string& out, const SourceRef& r) {
  put_u64(out, (static_cast<std::uint64_t>(r.file) << 8) | static_cast<std::uint64_t>(r.kind));
  put_u64(out, r.position);
}
bool get_ref(std::string_view in, std::size_t& pos, SourceRef& r) {
  std::uint64_t a;
  if (!get_u64(in, pos, a) || !get_u64(in, pos, r.position)) return false;
  if ((a & 0xff) > static_cast<std::uint64_t>(SourceRef::Kind::Recovered)) return false;
  r.file = static_cast<std::uint32_t>(a >> 8);
  r.kind = static_cast<SourceRef::Kind>(a & 0xff);
  return true;
}
// A corrupt spill file must not make us reserve gigabytes.
constexpr std::uint64_t kMaxCount = 1u << 20;

void render(const Event& e, const Value& v, std::string& out) {
  if (v.type != ValueType::Array) {
    out.append(v.text);
    return;
  }
  bool first = true;
  for (const Value& el : e.elements(v)) {
    if (!first) out.append(", ");
    first = false;
    out.append(el.text);
  }
}
}  // namespace

std::optional<Level> parse_level(std::string_view s) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i)
    if (s == kLevelNames[i]) return static_cast<Level>(i);
  return std::nullopt;
}

std::string_view to_string(Level l) { return kLevelNames[static_cast<std::size_t>(l)]; }

namespace {
// Fills `d` from `e`; with `filter`, keeps only the fields in `only` (sorted).
void capture_into(Detection& d, const Event& e, std::uint32_t rule_index,
                  std::span<const FieldId> only, bool filter) {
  static const FieldId computer = field_id("Computer");
  static const FieldId host_id = field_id("host");
  d.time_ns = e.time_ns;
  d.source = e.source;
  d.rule = rule_index;
  d.host.clear();
  d.fields.clear();
  d.related.clear();
  d.copies.clear();
  d.fields.reserve(filter ? only.size() : e.fields().size());
  const FieldTable& table = FieldTable::global();
  for (const Field& f : e.fields()) {
    const bool is_host = d.host.empty() && (f.id == computer || f.id == host_id);
    const bool keep = !filter || std::binary_search(only.begin(), only.end(), f.id);
    if (!is_host && !keep) continue;
    std::string text;
    render(e, f.value, text);
    if (is_host) d.host = text;
    if (keep) d.fields.emplace_back(std::string(table.name(f.id)), std::move(text));
  }
}
}  // namespace

void Detection::capture(const Event& e, std::uint32_t rule_index) {
  capture_into(*this, e, rule_index, {}, false);
}

void Detection::capture(const Event& e, std::uint32_t rule_index, std::span<const FieldId> only) {
  capture_into(*this, e, rule_index, only, true);
}

void Detection::serialize(std::string& out) const {
  put_u64(out, static_cast<std::uint64_t>(time_ns));
  put_ref(out, source);
  put_u64(out, rule);
  put_str(out, host);
  put_u64(out, fields.size());
  for (const auto& [k, v] : fields) {
    put_str(out, k);
    put_str(out, v);
  }
  put_u64(out, related.size());
  for (const SourceRef& r : related) put_ref(out, r);
  put_u64(out, copies.size());
  for (const SourceRef& r : copies) put_ref(out, r);
}

bool Detection::deserialize(std::string_view in, std::size_t& pos) {
  std::uint64_t t, r, n;
  if (!get_u64(in, pos, t) || !get_ref(in, pos, source) || !get_u64(in, pos, r) ||
      !get_str(in, pos, host) || !get_u64(in, pos, n) || n > kMaxCount)
    return false;
  // Each field takes at least 16 bytes and each reference 16: a count the remaining bytes cannot
  // hold is corrupt, and is refused before it sizes anything.
  if (n > (in.size() - pos) / 16 || r > UINT32_MAX) return false;
  time_ns = static_cast<std::int64_t>(t);
  rule = static_cast<std::uint32_t>(r);
  fields.resize(n);
  for (auto& [k, v] : fields)
    if (!get_str(in, pos, k) || !get_str(in, pos, v)) return false;
  if (!get_u64(in, pos, n) || n > kMaxCount || n > (in.size() - pos) / 16) return false;
  related.resize(n);
  for (SourceRef& s : related)
    if (!get_ref(in, pos, s)) return false;
  if (!get_u64(in, pos, n) || n > kMaxCount || n > (in.size() - pos) / 16) return false;
  copies.resize(n);
  for (SourceRef& s : copies)
    if (!get_ref(in, pos, s)) return false;
  return true;
}

bool DetectionOrder::operator()(const Detection& a, const Detection& b) const {
  if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
  if (a.source != b.source) return a.source < b.source;
  if (a.rule < rules.size() && b.rule < rules.size() && rules[a.rule].id != rules[b.rule].id)
    return rules[a.rule].id < rules[b.rule].id;
  return a.rule < b.rule;
}

}  // namespace tansa
