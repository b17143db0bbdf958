#include "evtx/writer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "evtx/binxml.h"
#include "evtx/reader.h"

namespace tansa::evtx {

namespace {

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put64(std::vector<std::uint8_t>& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void set32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void set64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// UTF-8 to UTF-16 code units; invalid bytes become U+FFFD.
std::vector<std::uint16_t> to_utf16(std::string_view s) {
  std::vector<std::uint16_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0xFFFD;
    std::size_t n = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 6 && i + 1 < s.size()) {
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      n = 2;
    } else if ((c >> 4) == 14 && i + 2 < s.size()) {
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      n = 3;
    } else if ((c >> 3) == 30 && i + 3 < s.size()) {
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
           (s[i + 3] & 0x3F);
      n = 4;
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<std::uint16_t>(cp));
    }
  }
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <class T>
WValue scalar(std::uint8_t type, T v) {
  WValue w;
  w.type = type;
  w.bytes.resize(sizeof(T));
  std::memcpy(w.bytes.data(), &v, sizeof(T));
  return w;
}

}  // namespace

// --- WValue ---------------------------------------------------------------------------------

WValue WValue::null() {
  return WValue{};
}
WValue WValue::str(std::string_view utf8) {
  WValue w;
  w.type = vt::kString;
  for (std::uint16_t u : to_utf16(utf8)) put16(w.bytes, u);
  return w;
}
WValue WValue::ansi(std::string_view s) {
  WValue w;
  w.type = vt::kAnsiString;
  w.bytes.assign(s.begin(), s.end());
  return w;
}
WValue WValue::i8(std::int8_t v) {
  return scalar(vt::kInt8, v);
}
WValue WValue::u8(std::uint8_t v) {
  return scalar(vt::kUInt8, v);
}
WValue WValue::i16(std::int16_t v) {
  return scalar(vt::kInt16, v);
}
WValue WValue::u16(std::uint16_t v) {
  return scalar(vt::kUInt16, v);
}
WValue WValue::i32(std::int32_t v) {
  return scalar(vt::kInt32, v);
}
WValue WValue::u32(std::uint32_t v) {
  return scalar(vt::kUInt32, v);
}
WValue WValue::i64(std::int64_t v) {
  return scalar(vt::kInt64, v);
}
WValue WValue::u64(std::uint64_t v) {
  return scalar(vt::kUInt64, v);
}
WValue WValue::f32(float v) {
  return scalar(vt::kReal32, v);
}
WValue WValue::f64(double v) {
  return scalar(vt::kReal64, v);
}
WValue WValue::boolean(bool v) {
  return scalar(vt::kBool, static_cast<std::uint32_t>(v));
}
WValue WValue::binary(std::span<const std::uint8_t> b) {
  WValue w;
  w.type = vt::kBinary;
  w.bytes.assign(b.begin(), b.end());
  return w;
}
WValue WValue::guid(std::string_view text) {
  std::uint8_t raw[16] = {};
  int n = 0;
  for (char c : text) {
    const int h = hexval(c);
    if (h < 0 || n >= 32) continue;
    raw[n / 2] = static_cast<std::uint8_t>(raw[n / 2] | (n % 2 ? h : h << 4));
    ++n;
  }
  // Data1..Data3 are stored little-endian, Data4 as bytes.
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  WValue w;
  w.type = vt::kGuid;
  w.bytes.resize(16);
  for (int i = 0; i < 16; ++i) w.bytes[kOrder[i]] = raw[i];
  return w;
}
WValue WValue::size_t64(std::uint64_t v) {
  return scalar(vt::kSizeT, v);
}
WValue WValue::filetime(std::uint64_t ft) {
  return scalar(vt::kFileTime, ft);
}
WValue WValue::systime(std::uint16_t y, std::uint16_t mo, std::uint16_t d, std::uint16_t h,
                       std::uint16_t mi, std::uint16_t s, std::uint16_t ms) {
  WValue w;
  w.type = vt::kSysTime;
  for (std::uint16_t v : {y, mo, std::uint16_t{0}, d, h, mi, s, ms}) put16(w.bytes, v);
  return w;
}
WValue WValue::sid(std::string_view text) {
  std::vector<std::uint64_t> parts;
  std::uint64_t cur = 0;
  bool digits = false;
  for (std::size_t i = 2; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '-') {
      if (digits) parts.push_back(cur);
      cur = 0;
      digits = false;
    } else if (text[i] >= '0' && text[i] <= '9') {
      cur = cur * 10 + static_cast<std::uint64_t>(text[i] - '0');
      digits = true;
    }
  }
  WValue w;
  w.type = vt::kSid;
  if (parts.size() < 2) return w;
  w.bytes.push_back(static_cast<std::uint8_t>(parts[0]));
  w.bytes.push_back(static_cast<std::uint8_t>(parts.size() - 2));
  for (int i = 5; i >= 0; --i) w.bytes.push_back(static_cast<std::uint8_t>(parts[1] >> (8 * i)));
  for (std::size_t i = 2; i < parts.size(); ++i)
    put32(w.bytes, static_cast<std::uint32_t>(parts[i]));
  return w;
}
WValue WValue::hex32(std::uint32_t v) {
  return scalar(vt::kHexInt32, v);
}
WValue WValue::hex64(std::uint64_t v) {
  return scalar(vt::kHexInt64, v);
}
WValue WValue::str_array(const std::vector<std::string>& items) {
  WValue w;
  w.type = vt::kString | vt::kArray;
  for (const auto& s : items) {
    for (std::uint16_t u : to_utf16(s)) put16(w.bytes, u);
    put16(w.bytes, 0);
  }
  return w;
}
WValue WValue::u32_array(const std::vector<std::uint32_t>& items) {
  WValue w;
  w.type = vt::kUInt32 | vt::kArray;
  for (std::uint32_t v : items) put32(w.bytes, v);
  return w;
}
WValue WValue::binxml(std::vector<std::uint8_t> fragment) {
  WValue w;
  w.type = vt::kBinXml;
  w.bytes = std::move(fragment);
  return w;
}

std::uint64_t make_filetime(int y, int mo, int d, int h, int mi, int s, int us) {
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s;
  return static_cast<std::uint64_t>((secs + 11644473600LL) * 10000000LL + us * 10LL);
}

// --- ChunkBuilder ---------------------------------------------------------------------------

ChunkBuilder::ChunkBuilder() {
  buf_.assign(512, 0);
}

void ChunkBuilder::u16(std::uint16_t v) {
  put16(buf_, v);
}
void ChunkBuilder::u32(std::uint32_t v) {
  put32(buf_, v);
}
void ChunkBuilder::u64(std::uint64_t v) {
  put64(buf_, v);
}
void ChunkBuilder::utf16(std::string_view utf8) {
  for (std::uint16_t u : to_utf16(utf8)) u16(u);
}

void ChunkBuilder::begin_record(std::uint64_t record_id, std::uint64_t filetime) {
  record_start_ = pos();
  u32(0x00002a2a);
  u32(0);
  u64(record_id);
  u64(filetime);
}

bool ChunkBuilder::end_record() {
  const std::uint32_t size = pos() + 4 - record_start_;
  if (pos() + 4 > kChunkSize) {
    // Does not fit: forget everything this record defined.
    buf_.resize(record_start_);
    std::erase_if(names_, [&](const auto& kv) { return kv.second >= record_start_; });
    std::erase_if(templates_, [&](const auto& kv) { return kv.second >= record_start_; });
    // Bucket chains may run through the removed record: rebuild them from what remains.
    std::fill(buf_.begin() + 128, buf_.begin() + 512, 0);
    std::vector<std::uint32_t> offs;
    for (const auto& kv : names_) offs.push_back(kv.second);
    std::sort(offs.begin(), offs.end());
    for (std::uint32_t off : offs) {
      const std::uint32_t bucket = 128 + 4u * (le16(buf_.data() + off + 4) % 64);
      set32(buf_, off, le32(buf_.data() + bucket));
      set32(buf_, bucket, off);
    }
    offs.clear();
    for (const auto& kv : templates_) offs.push_back(kv.second);
    std::sort(offs.begin(), offs.end());
    for (std::uint32_t def : offs) {
      const std::uint32_t bucket = 384 + 4u * (le32(buf_.data() + def + 4) % 32);
      set32(buf_, def, le32(buf_.data() + bucket));
      set32(buf_, bucket, def);
    }
    return false;
  }
  u32(size);
  set32(buf_, record_start_ + 4, size);
  const std::uint64_t id = le64(buf_.data() + record_start_ + 8);
  if (records_ == 0) first_id_ = id;
  last_id_ = id;
  last_record_ = record_start_;
  ++records_;
  return true;
}

std::vector<std::uint8_t> ChunkBuilder::finish() const {
  std::vector<std::uint8_t> c = buf_;
  const auto free_space = static_cast<std::uint32_t>(c.size());
  c.resize(kChunkSize, 0);
  std::memcpy(c.data(), "ElfChnk", 8);
  set64(c, 8, first_id_);
  set64(c, 16, last_id_);
  set64(c, 24, first_id_);
  set64(c, 32, last_id_);
  set32(c, 40, 128);
  set32(c, 44, last_record_);
  set32(c, 48, free_space);
  set32(c, 52, crc32(std::span(c).subspan(512, free_space - 512)));
  set32(c, 120, 0);
  const std::uint32_t h = crc32(std::span(c).subspan(0, 120));
  set32(c, 124, crc32(std::span(c).subspan(128, 384), h));
  return c;
}

void ChunkBuilder::name_ref(std::string_view name) {
  if (auto it = names_.find(name); it != names_.end()) {
    u32(it->second);
    return;
  }
  const std::uint32_t off = pos() + 4;
  u32(off);
  names_.emplace(std::string(name), off);
  const auto units = to_utf16(name);
  std::uint16_t hash = 0;
  for (std::uint16_t u : units) hash = static_cast<std::uint16_t>(hash * 65599 + u);
  // Chain the name into the chunk's 64-bucket string table, as readers that walk it expect.
  const std::uint32_t bucket = 128 + 4u * (hash % 64);
  u32(le32(buf_.data() + bucket));  // next name in the bucket
  set32(buf_, bucket, off);
  u16(hash);
  u16(static_cast<std::uint16_t>(units.size()));
  for (std::uint16_t u : units) u16(u);
  u16(0);
}

std::uint32_t ChunkBuilder::open_element(std::string_view name, bool has_attributes) {
  const std::uint32_t at = pos();
  u8(has_attributes ? 0x41 : 0x01);
  if (template_depth_ > 0) u16(0xffff);  // dependency id
  u32(0);                                // data size, patched by set_element_size
  name_ref(name);
  if (has_attributes) {
    attr_size_at_ = pos();
    u32(0);  // attribute list size, patched at the close of the start tag
  }
  return at;
}

void ChunkBuilder::patch_attr_size() {
  if (!attr_size_at_) return;
  set32(buf_, attr_size_at_, pos() - attr_size_at_ - 4);
  attr_size_at_ = 0;
}

void ChunkBuilder::set_element_size(std::uint32_t at) {
  const std::uint32_t field = at + (template_depth_ > 0 ? 3 : 1);
  set32(buf_, field, pos() - (field + 4));
}

void ChunkBuilder::attribute(std::string_view name, bool more) {
  u8(more ? 0x46 : 0x06);
  name_ref(name);
}

void ChunkBuilder::text(std::string_view utf8, bool more) {
  u8(more ? 0x45 : 0x05);
  u8(vt::kString);
  const auto units = to_utf16(utf8);
  u16(static_cast<std::uint16_t>(units.size()));
  for (std::uint16_t u : units) u16(u);
}

void ChunkBuilder::substitution(std::uint16_t index, std::uint8_t type, bool optional) {
  u8(optional ? 0x0e : 0x0d);
  u16(index);
  u8(type);
}

void ChunkBuilder::cdata(std::string_view utf8) {
  u8(0x07);
  const auto units = to_utf16(utf8);
  u16(static_cast<std::uint16_t>(units.size()));
  for (std::uint16_t u : units) u16(u);
}

void ChunkBuilder::pi_data(std::string_view utf8) {
  u8(0x0b);
  const auto units = to_utf16(utf8);
  u16(static_cast<std::uint16_t>(units.size()));
  for (std::uint16_t u : units) u16(u);
}

void ChunkBuilder::template_instance(const std::string& key,
                                     const std::function<void(ChunkBuilder&)>& body,
                                     const std::vector<WValue>& values) {
  std::uint32_t id = 2166136261u;
  for (char c : key) id = (id ^ static_cast<std::uint8_t>(c)) * 16777619u;
  u8(0x0c);
  u8(0x01);
  u32(id);
  if (auto it = templates_.find(key); it != templates_.end()) {
    u32(it->second);
  } else {
    const std::uint32_t def = pos() + 4;
    u32(def);
    templates_.emplace(key, def);
    const std::uint32_t bucket = 384 + 4u * (id % 32);
    u32(le32(buf_.data() + bucket));  // next template in the bucket
    set32(buf_, bucket, def);
    u32(id);
    for (int i = 0; i < 12; ++i) u8(static_cast<std::uint8_t>(id >> (i % 4 * 8)) ^ 0x5a);
    const std::uint32_t size_at = pos();
    u32(0);
    begin_template_body();
    if (body) body(*this);
    end_template_body();
    set32(buf_, size_at, pos() - size_at - 4);
  }
  u32(static_cast<std::uint32_t>(values.size()));
  for (const WValue& v : values) {
    u16(static_cast<std::uint16_t>(v.bytes.size()));
    u8(v.type);
    u8(0);
  }
  for (const WValue& v : values) bytes(v.bytes);
}

// --- EvtxWriter -----------------------------------------------------------------------------

namespace {

// Template shape: everything that changes the BinXML of the definition.
std::string shape_key(const EventSpec& e) {
  std::string k =
      e.user_data_element.empty() ? "E|" : "U|" + e.user_data_element + "|" + e.user_data_ns + "|";
  if (e.time_created) k += "T" + std::to_string(e.time_created->type) + "|";
  for (const auto& [name, v] : e.data) {
    k += name;
    k += '\x01';
    k += static_cast<char>(v.type);
    k += '\x02';
  }
  return k;
}

void leaf(ChunkBuilder& c, std::string_view name, std::uint16_t index, std::uint8_t type) {
  const std::uint32_t at = c.open_element(name, false);
  c.close_start();
  c.substitution(index, type, true);
  c.end_element();
  c.set_element_size(at);
}

void attr_element(
    ChunkBuilder& c, std::string_view name,
    std::initializer_list<std::tuple<std::string_view, std::uint16_t, std::uint8_t>> attrs) {
  const std::uint32_t at = c.open_element(name, true);
  std::size_t i = 0;
  for (const auto& [an, index, type] : attrs) {
    c.attribute(an, ++i < attrs.size());
    c.substitution(index, type, true);
  }
  c.close_empty();
  c.set_element_size(at);
}

}  // namespace

bool EvtxWriter::emit(ChunkBuilder& c, const EventSpec& e, std::uint64_t id) {
  c.begin_record(id, e.header_time.value_or(e.time));
  c.fragment_header();
  std::vector<WValue> v;
  v.push_back(WValue::str(e.provider));
  v.push_back(e.provider_guid.empty() ? WValue::null() : WValue::guid(e.provider_guid));
  v.push_back(WValue::u16(e.event_id));
  v.push_back(e.qualifiers ? WValue::u16(*e.qualifiers) : WValue::null());
  v.push_back(WValue::u8(e.version));
  v.push_back(WValue::u8(e.level));
  v.push_back(WValue::u16(e.task));
  v.push_back(WValue::u8(e.opcode));
  v.push_back(WValue::hex64(e.keywords));
  v.push_back(e.time_created.value_or(WValue::filetime(e.time)));
  v.push_back(WValue::u64(id));
  v.push_back(e.activity_id.empty() ? WValue::null() : WValue::guid(e.activity_id));
  v.push_back(WValue::null());
  v.push_back(WValue::u32(e.pid));
  v.push_back(WValue::u32(e.tid));
  v.push_back(WValue::str(e.channel));
  v.push_back(WValue::str(e.computer));
  v.push_back(e.user_sid.empty() ? WValue::null() : WValue::sid(e.user_sid));
  constexpr std::uint16_t kFirstData = 18;
  for (const auto& d : e.data) v.push_back(d.second);

  auto body = [&e](ChunkBuilder& b) {
    b.fragment_header();
    const std::uint32_t ev = b.open_element("Event", true);
    b.attribute("xmlns");
    b.text("http://schemas.microsoft.com/win/2004/08/events/event");
    b.close_start();
    const std::uint32_t sys = b.open_element("System", false);
    b.close_start();
    attr_element(b, "Provider", {{"Name", 0, vt::kString}, {"Guid", 1, vt::kGuid}});
    {
      const std::uint32_t at = b.open_element("EventID", true);
      b.attribute("Qualifiers");
      b.substitution(3, vt::kUInt16, true);
      b.close_start();
      b.substitution(2, vt::kUInt16, false);
      b.end_element();
      b.set_element_size(at);
    }
    leaf(b, "Version", 4, vt::kUInt8);
    leaf(b, "Level", 5, vt::kUInt8);
    leaf(b, "Task", 6, vt::kUInt16);
    leaf(b, "Opcode", 7, vt::kUInt8);
    leaf(b, "Keywords", 8, vt::kHexInt64);
    attr_element(b, "TimeCreated",
                 {{"SystemTime", 9,
                   e.time_created && e.time_created->type != vt::kNull ? e.time_created->type
                                                                       : vt::kFileTime}});
    leaf(b, "EventRecordID", 10, vt::kUInt64);
    attr_element(b, "Correlation",
                 {{"ActivityID", 11, vt::kGuid}, {"RelatedActivityID", 12, vt::kGuid}});
    attr_element(b, "Execution", {{"ProcessID", 13, vt::kUInt32}, {"ThreadID", 14, vt::kUInt32}});
    leaf(b, "Channel", 15, vt::kString);
    leaf(b, "Computer", 16, vt::kString);
    attr_element(b, "Security", {{"UserID", 17, vt::kSid}});
    b.end_element();
    b.set_element_size(sys);
    if (!e.user_data_element.empty()) {
      const std::uint32_t ud = b.open_element("UserData", false);
      b.close_start();
      const std::uint32_t el = b.open_element(e.user_data_element, !e.user_data_ns.empty());
      if (!e.user_data_ns.empty()) {
        b.attribute("xmlns");
        b.text(e.user_data_ns);
      }
      b.close_start();
      for (std::size_t i = 0; i < e.data.size(); ++i)
        leaf(b, e.data[i].first, static_cast<std::uint16_t>(kFirstData + i), e.data[i].second.type);
      b.end_element();
      b.set_element_size(el);
      b.end_element();
      b.set_element_size(ud);
    } else if (!e.data.empty()) {
      const std::uint32_t ed = b.open_element("EventData", false);
      b.close_start();
      for (std::size_t i = 0; i < e.data.size(); ++i) {
        const auto& [name, val] = e.data[i];
        const std::uint32_t at = b.open_element("Data", !name.empty());
        if (!name.empty()) {
          b.attribute("Name");
          b.text(name);
        }
        b.close_start();
        b.substitution(static_cast<std::uint16_t>(kFirstData + i), val.type, true);
        b.end_element();
        b.set_element_size(at);
      }
      b.end_element();
      b.set_element_size(ed);
    }
    b.end_element();
    b.set_element_size(ev);
    b.eof();
  };
  c.template_instance(shape_key(e), body, v);
  c.eof();
  return c.end_record();
}

void EvtxWriter::add(const EventSpec& e) {
  const std::uint64_t id = e.record_id ? e.record_id : next_id_;
  next_id_ = id + 1;
  if (!current_) current_.emplace();
  if (emit(*current_, e, id)) return;
  if (current_->record_count() > 0) {
    chunks_.push_back(current_->finish());
    current_.emplace();
    if (emit(*current_, e, id)) return;
  }
  // A single event larger than a chunk cannot be stored; drop it, as Windows would truncate.
}

void EvtxWriter::add_chunk(std::vector<std::uint8_t> chunk) {
  if (current_ && current_->record_count() > 0) chunks_.push_back(current_->finish());
  current_.reset();
  chunk.resize(kChunkSize, 0);
  chunks_.push_back(std::move(chunk));
}

std::vector<std::uint8_t> EvtxWriter::finish() {
  if (current_ && current_->record_count() > 0) chunks_.push_back(current_->finish());
  current_.reset();
  return make_file(chunks_, next_id_);
}

bool EvtxWriter::write(const std::string& path) {
  const std::vector<std::uint8_t> bytes = finish();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return false;
  return std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size();
}

std::vector<std::uint8_t> make_file(const std::vector<std::vector<std::uint8_t>>& chunks,
                                    std::uint64_t next_record_id) {
  std::vector<std::uint8_t> f(kFileHeaderSize, 0);
  std::memcpy(f.data(), "ElfFile", 8);
  set64(f, 8, 0);
  set64(f, 16, chunks.empty() ? 0 : chunks.size() - 1);
  set64(f, 24, next_record_id);
  set32(f, 32, 128);
  f[36] = 2;  // minor version
  f[38] = 3;  // major version
  f[40] = 0x00;
  f[41] = 0x10;  // header block size 4096
  f[42] = static_cast<std::uint8_t>(chunks.size());
  f[43] = static_cast<std::uint8_t>(chunks.size() >> 8);
  set32(f, 120, 0);  // flags: clean
  set32(f, 124, crc32(std::span(f).subspan(0, 120)));
  for (const auto& c : chunks) f.insert(f.end(), c.begin(), c.end());
  return f;
}

}  // namespace tansa::evtx
