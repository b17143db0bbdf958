#include "sigma/rule_cache.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "sigma/ast.h"
#include "sigma/cache_codec.h"

#ifndef TANSA_VERSION
#define TANSA_VERSION "unknown"
#endif

namespace tansa::sigma::rule_cache {

namespace {

using codec::Reader;
using codec::Writer;

constexpr std::string_view kMagic = "tansa-rules\n";
// Bumped whenever the payload's layout or the loader's reading of rules changes.
constexpr std::uint64_t kFormat = 1;

Key checksum(std::string_view payload) {
  Hash h;
  h.bytes(payload);
  return {h.a(), h.b()};
}

std::uint64_t read_u64(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k)
    v |= std::uint64_t{static_cast<unsigned char>(s[at + static_cast<std::size_t>(k)])} << (8 * k);
  return v;
}

}  // namespace

Hash key_start(const Options& options) {
  Hash h;
  h.bytes(TANSA_VERSION);
  h.word(kFormat);
  // The running binary: a rebuilt tansa (whose loader may read rules differently) never takes
  // an older build's file for its own.
  struct stat st {};
  if (::stat("/proc/self/exe", &st) == 0) {
    h.word(static_cast<std::uint64_t>(st.st_size));
    h.word(static_cast<std::uint64_t>(st.st_mtim.tv_sec));
    h.word(static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
    h.word(static_cast<std::uint64_t>(st.st_ino));
  }
  h.word(options.placeholders.size());
  for (const auto& [name, values] : options.placeholders) {
    h.bytes(name);
    h.word(values.size());
    for (const auto& v : values) h.bytes(v);
  }
  return h;
}

std::string frame(std::string_view magic, Key key, std::string_view payload) {
  const Key sum = checksum(payload);
  Writer f;
  f.out.reserve(magic.size() + 40 + payload.size());
  f.out += magic;
  f.u64(key.a);
  f.u64(key.b);
  f.u64(payload.size());
  f.u64(sum.a);
  f.u64(sum.b);
  f.out += payload;
  return std::move(f.out);
}

std::expected<std::string_view, Error> unframe(std::string_view file, std::string_view magic,
                                               Key key) {
  auto damaged = [](std::string reason) {
    return std::unexpected(Error{Error::Kind::Damaged, std::move(reason)});
  };
  const std::size_t m = magic.size(), header = m + 40;
  if (file.size() < m || file.substr(0, m) != magic)
    return damaged("not a tansa rule cache of this kind (foreign file)");
  if (file.size() < header) return damaged("truncated header");
  const Key stored{read_u64(file, m), read_u64(file, m + 8)};
  if (stored != key)
    return std::unexpected(Error{Error::Kind::Stale, "made for other rule files or another tansa"});
  const std::uint64_t length = read_u64(file, m + 16);
  if (length != file.size() - header)
    return damaged(
        fmt::format("truncated or extended: the payload should be {} bytes, {} are there", length,
                    file.size() - header));
  const std::string_view payload = file.substr(header);
  if (checksum(payload) != Key{read_u64(file, m + 24), read_u64(file, m + 32)})
    return damaged("checksum mismatch (corrupt)");
  return payload;
}

std::string encode(const LoadResult& result, Key key) {
  Writer w;
  w.u64(result.documents);
  w.u64(result.filters);
  w.u64(result.correlations);
  w.count(result.rules.size());
  for (const auto& r : result.rules) w.rule(*r);
  w.count(result.rejected.size());
  for (const auto& r : result.rejected) w.rejection(r);
  w.count(result.correlation_rules.size());
  for (const auto& c : result.correlation_rules) w.correlation(*c);
  if (!w.ok || w.out.size() > UINT32_MAX) return {};
  return frame(kMagic, key, w.out);
}

std::expected<LoadResult, std::string> decode_payload(std::string_view payload) {
  Reader r(payload);
  LoadResult out;
  out.documents = r.u64();
  out.filters = r.u64();
  out.correlations = r.u64();
  const std::size_t rules = r.count(53);
  out.rules.reserve(rules);
  for (std::size_t k = 0; k < rules && r.ok; ++k) {
    Rule rule = r.rule();
    if (r.ok) out.rules.push_back(std::make_shared<const Rule>(std::move(rule)));
  }
  const std::size_t rejected = r.count(20);
  for (std::size_t k = 0; k < rejected && r.ok; ++k) {
    Rejection x = r.rejection();
    if (r.ok) out.rejected.push_back(std::move(x));
  }
  const std::size_t correlations = r.count(64);
  for (std::size_t k = 0; k < correlations && r.ok; ++k) {
    CorrelationRule c = r.correlation();
    if (r.ok)
      out.correlation_rules.push_back(std::make_shared<const CorrelationRule>(std::move(c)));
  }
  if (r.ok && !r.done()) r.fail("bytes after the last rule");
  if (!r.ok) return std::unexpected(r.why);
  return out;
}

std::expected<LoadResult, Error> decode(std::string_view file, Key key) {
  auto payload = unframe(file, kMagic, key);
  if (!payload) return std::unexpected(payload.error());
  auto r = decode_payload(*payload);
  if (!r) return std::unexpected(Error{Error::Kind::Damaged, "corrupt: " + r.error()});
  return std::move(*r);
}

namespace {
constexpr std::string_view kDigestsMagic = "tansa-rule-digests\n";
// The frame's key: the layout's version (the digests do not depend on anything else).
constexpr Key kDigestsKey{0x7461'6e73'6164'6731ULL, 1};
}  // namespace

std::string encode_digests(const Digests& d) {
  Writer w;
  w.i64(d.hashed_from_ns);
  w.count(d.files.size());
  for (const auto& f : d.files) {
    w.str(f.path);
    w.u64(f.dev);
    w.u64(f.ino);
    w.u64(f.size);
    w.i64(f.mtime_ns);
    w.i64(f.ctime_ns);
    w.u64(f.digest.a);
    w.u64(f.digest.b);
  }
  if (w.out.size() > UINT32_MAX) return {};
  return frame(kDigestsMagic, kDigestsKey, w.out);
}

std::expected<Digests, Error> decode_digests(std::string_view file) {
  auto payload = unframe(file, kDigestsMagic, kDigestsKey);
  if (!payload) return std::unexpected(payload.error());
  Reader r(*payload);
  Digests d;
  d.hashed_from_ns = r.i64();
  r.elements(d.files, r.count(4 + 7 * 8), [&] {
    FileDigest f;
    f.path = r.str();
    f.dev = r.u64();
    f.ino = r.u64();
    f.size = r.u64();
    f.mtime_ns = r.i64();
    f.ctime_ns = r.i64();
    f.digest.a = r.u64();
    f.digest.b = r.u64();
    return f;
  });
  if (r.ok && !r.done()) r.fail("bytes after the last file");
  if (!r.ok) return std::unexpected(Error{Error::Kind::Damaged, "corrupt: " + r.why});
  return d;
}

bool write_atomic(const std::string& path, std::string_view bytes) {
  // A name no other process or thread writes: two runs may fill the cache at once.
  const std::string tmp = fmt::format("{}.{}.{}.tmp", path, ::getpid(),
                                      std::hash<std::thread::id>{}(std::this_thread::get_id()));
  bool ok;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    ok = static_cast<bool>(out);
  }
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);  // whole or not at all
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace tansa::sigma::rule_cache
