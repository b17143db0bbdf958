// The parsed rule set kept between runs, so that a warm start never runs yaml-cpp.
//
// What is cached is what load_rules() makes of the rule files' text: the rules (filters already
// applied), the correlations and the rejected documents, with the document counts. Listing the
// folders and reading the files happens on every run (their bytes are the key); compiling the
// rules happens on every run too (its Vectorscan databases have their own cache, compiler.cpp).
//
// What the cache promises:
// - Keyed by everything the result depends on: every rule file's path and bytes (a 128-bit hash),
//   the placeholders, tansa's version and cache format, and the running binary's identity (its
//   size and modification time, so a rebuilt or upgraded tansa never reads an older one's file).
//   A changed rule file gives another key: the file is parsed again and the cache rewritten.
// - Never trusted blindly: the file carries a magic, its key, its payload's length and a 128-bit
//   checksum of the payload; every length and count read from it is checked against the bytes
//   that remain before it sizes anything, every enum against its range, nesting is bounded, and
//   the payload must be consumed exactly. A file failing any of it is ignored with a note (a
//   damaged, truncated or foreign cache file), the rules are parsed from their files and the
//   cache file is replaced. Decoding never throws and never crashes (fuzz/fuzz_rule_cache.cpp).
// - Written whole or not at all: a temporary file in the same folder, then rename().
//
// File layout (integers little-endian):
//   "tansa-rules\n" (12 bytes), key (2 x u64), payload length (u64), checksum (2 x u64), payload
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "tansa/hash128.h"
#include "tansa/sigma.h"

namespace tansa::sigma::rule_cache {

// The keys' and checksums' hash (two 64-bit lanes: 128 bits). Not cryptographic: it tells a
// changed or damaged file apart, it does not stand against a forger who can write to the cache
// folder (who could change the rules themselves).
using Hash = tansa::Hash128;

struct Key {
  std::uint64_t a = 0, b = 0;
  friend bool operator==(const Key&, const Key&) = default;
};

// The key's part that does not depend on the rule files: tansa's version, the cache format, the
// running binary's identity, the placeholders. The caller adds each file's path and bytes.
[[nodiscard]] Hash key_start(const Options& options);

// The whole cache file for `result` under `key`; empty when it cannot be encoded faithfully
// (nesting deeper than the decoder accepts), in which case nothing is cached.
[[nodiscard]] std::string encode(const LoadResult& result, Key key);

// A whole cache file. An error says why it cannot be used: Stale (another key: the rules
// changed; nothing wrong with the file) or Damaged (with the reason: foreign, truncated,
// corrupt).
struct Error {
  enum class Kind : std::uint8_t { Stale, Damaged } kind;
  std::string reason;
};
[[nodiscard]] std::expected<LoadResult, Error> decode(std::string_view file, Key key);

// The payload alone, without the frame's checks (for the fuzz target, which could not get past
// the checksum otherwise): every bound is still checked.
[[nodiscard]] std::expected<LoadResult, std::string> decode_payload(std::string_view payload);

// What each rule file's bytes hashed to, with the file's identity and times when it was hashed:
// a warm start takes a file's digest from here, without opening it, when its device, inode,
// size, modification and change times are all as recorded, and the file last changed more than
// a second before `hashed_from_ns` (the wall-clock time the hashing run began: a file changed
// within the timestamps' granularity of its hashing is hashed again). The caches stay keyed by
// the files' bytes; this only remembers what those bytes hashed to.
struct FileDigest {
  std::string path;
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  Key digest;
};
struct Digests {
  std::int64_t hashed_from_ns = 0;
  std::vector<FileDigest> files;
};
[[nodiscard]] std::string encode_digests(const Digests& d);
[[nodiscard]] std::expected<Digests, Error> decode_digests(std::string_view file);

// A cache file's frame around `payload`: `magic`, the key, the payload's length and its checksum,
// then the payload. unframe() checks all of it and gives the payload: Stale for another key,
// Damaged (foreign, truncated, extended, corrupt) for anything else that is wrong.
[[nodiscard]] std::string frame(std::string_view magic, Key key, std::string_view payload);
[[nodiscard]] std::expected<std::string_view, Error> unframe(std::string_view file,
                                                             std::string_view magic, Key key);

// Writes `bytes` to `path` through a temporary file in the same folder and rename(); false when
// it could not (the temporary file is removed).
bool write_atomic(const std::string& path, std::string_view bytes);

}  // namespace tansa::sigma::rule_cache
