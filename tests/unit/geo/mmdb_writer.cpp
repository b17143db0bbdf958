#include "mmdb_writer.h"

#include <fstream>
#include <stdexcept>

#include "tansa/net.h"

namespace tansa::geo::testing {

namespace {

void control(std::string& out, int type, std::size_t size) {
  std::string head;
  const int base = type <= 7 ? type : 0;
  std::uint8_t first = static_cast<std::uint8_t>(base << 5);
  std::string size_bytes;
  if (size < 29) {
    first |= static_cast<std::uint8_t>(size);
  } else if (size < 29 + 256) {
    first |= 29;
    size_bytes.push_back(static_cast<char>(size - 29));
  } else if (size < 285 + 65536) {
    first |= 30;
    const std::size_t s = size - 285;
    size_bytes.push_back(static_cast<char>(s >> 8));
    size_bytes.push_back(static_cast<char>(s & 0xff));
  } else {
    first |= 31;
    const std::size_t s = size - 65821;
    size_bytes.push_back(static_cast<char>(s >> 16));
    size_bytes.push_back(static_cast<char>((s >> 8) & 0xff));
    size_bytes.push_back(static_cast<char>(s & 0xff));
  }
  out.push_back(static_cast<char>(first));
  if (type > 7) out.push_back(static_cast<char>(type - 7));
  out += size_bytes;
}

void encode_uint(std::string& out, int type, std::uint64_t n) {
  std::string b;
  for (; n; n >>= 8) b.insert(b.begin(), static_cast<char>(n & 0xff));
  control(out, type, b.size());
  out += b;
}

void encode_string(std::string& out, const std::string& s) {
  control(out, 2, s.size());
  out += s;
}

void encode(std::string& out, const MmdbValue& v) {
  switch (v.kind) {
    case MmdbValue::Kind::String:
      encode_string(out, v.text);
      break;
    case MmdbValue::Kind::Uint32:
      encode_uint(out, 6, v.number);
      break;
    case MmdbValue::Kind::Map:
      control(out, 7, v.entries.size());
      for (const auto& [k, x] : v.entries) {
        encode_string(out, k);
        encode(out, x);
      }
      break;
  }
}

}  // namespace

MmdbWriter::MmdbWriter(std::string database_type, int ip_version, std::uint64_t build_epoch)
    : type_(std::move(database_type)), ip_version_(ip_version), epoch_(build_epoch) {}

void MmdbWriter::insert(const std::string& network, const MmdbValue& value) {
  const auto net = Network::parse(network);
  if (!net) throw std::invalid_argument("not a network: " + network);
  std::vector<bool> bits;
  const int family_bits = net->net.family == 4 ? 32 : 128;
  if (ip_version_ == 6 && net->net.family == 4) bits.assign(96, false);
  if (ip_version_ == 4 && net->net.family == 6) throw std::invalid_argument("IPv6 in IPv4 db");
  for (int i = 0; i < family_bits && i < net->prefix; ++i)
    bits.push_back((net->net.bytes[static_cast<std::size_t>(i / 8)] >> (7 - i % 8)) & 1);
  const std::uint32_t offset = static_cast<std::uint32_t>(data_.size());
  encode(data_, value);
  std::uint32_t node = 0;
  for (std::size_t depth = 0; depth < bits.size(); ++depth) {
    Record& r = bits[depth] ? nodes_[node].second : nodes_[node].first;
    if (depth + 1 == bits.size()) {
      r = {Record::Kind::Data, offset};
      return;
    }
    if (r.kind != Record::Kind::Node) {  // an empty or data record splits into a node
      const Record keep = r;
      nodes_.push_back({keep, keep});
      // `r` may dangle after push_back: index again.
      Record& again = bits[depth] ? nodes_[node].second : nodes_[node].first;
      again = {Record::Kind::Node, static_cast<std::uint32_t>(nodes_.size() - 1)};
    }
    node = (bits[depth] ? nodes_[node].second : nodes_[node].first).index;
  }
}

std::string MmdbWriter::bytes() const {
  const auto count = static_cast<std::uint32_t>(nodes_.size());
  auto value = [&](const Record& r) -> std::uint32_t {
    switch (r.kind) {
      case Record::Kind::Empty:
        return count;
      case Record::Kind::Node:
        return r.index;
      case Record::Kind::Data:
        return count + 16 + r.index;
    }
    return count;
  };
  std::string out;
  for (const auto& [l, r] : nodes_)
    for (std::uint32_t v : {value(l), value(r)}) {
      out.push_back(static_cast<char>((v >> 16) & 0xff));
      out.push_back(static_cast<char>((v >> 8) & 0xff));
      out.push_back(static_cast<char>(v & 0xff));
    }
  out.append(16, '\0');
  out += data_;
  out += std::string("\xAB\xCD\xEF", 3) + "MaxMind.com";
  std::string md;
  control(md, 7, 9);
  encode_string(md, "binary_format_major_version");
  encode_uint(md, 5, 2);
  encode_string(md, "binary_format_minor_version");
  encode_uint(md, 5, 0);
  encode_string(md, "build_epoch");
  encode_uint(md, 9, epoch_);
  encode_string(md, "database_type");
  encode_string(md, type_);
  encode_string(md, "description");
  control(md, 7, 1);
  encode_string(md, "en");
  encode_string(md, "tansa test database");
  encode_string(md, "ip_version");
  encode_uint(md, 5, static_cast<std::uint64_t>(ip_version_));
  encode_string(md, "languages");
  control(md, 11, 1);
  encode_string(md, "en");
  encode_string(md, "node_count");
  encode_uint(md, 6, count);
  encode_string(md, "record_size");
  encode_uint(md, 5, 24);
  return out + md;
}

void MmdbWriter::write(const std::string& path) const {
  std::ofstream f(path, std::ios::binary);
  const std::string b = bytes();
  f.write(b.data(), static_cast<std::streamsize>(b.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

MmdbValue MmdbWriter::country(const std::string& iso, const std::string& name) {
  return MmdbValue::map(
      {{"country", MmdbValue::map({{"iso_code", MmdbValue::str(iso)},
                                   {"names", MmdbValue::map({{"en", MmdbValue::str(name)}})}})}});
}

MmdbValue MmdbWriter::asn(std::uint32_t number, const std::string& org) {
  return MmdbValue::map({{"autonomous_system_number", MmdbValue::u32(number)},
                         {"autonomous_system_organization", MmdbValue::str(org)}});
}

}  // namespace tansa::geo::testing
