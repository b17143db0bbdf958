// The parsed-rule cache and the remembered rule digests (src/sigma/rule_cache.h): hunt reads it from the user's cache folder, so
// its bytes are only as trustworthy as that folder. Arbitrary bytes read as a whole cache file and
// as a bare payload (past the checksum, which random bytes never satisfy) must decode or be
// refused with a reason, never crash or size memory by a length they merely claim; whatever
// decodes must encode back to the same bytes and compile without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sigma/ast.h"
#include "sigma/rule_cache.h"
#include "tansa/sigma.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  namespace rc = tansa::sigma::rule_cache;

  // The whole file, under the key it claims (so the key check passes and the frame is read).
  rc::Key key;
  if (bytes.size() >= 28)
    for (int k = 0; k < 8; ++k) {
      key.a |= std::uint64_t{static_cast<unsigned char>(bytes[12 + k])} << (8 * k);
      key.b |= std::uint64_t{static_cast<unsigned char>(bytes[20 + k])} << (8 * k);
    }
  (void)rc::decode(bytes, key);
  // The same bytes as a file of remembered rule digests: decoded or refused, and what decodes
  // encodes back to the same bytes.
  if (auto d = rc::decode_digests(bytes); d && rc::encode_digests(*d) != bytes) std::abort();

  // The payload alone: every bound checked without the checksum's help.
  auto r = rc::decode_payload(bytes);
  if (!r) return 0;
  const std::string file = rc::encode(*r, key);
  if (file.empty() || file.substr(52) != bytes) std::abort();  // what decodes must round-trip
  auto again = rc::decode(file, key);
  if (!again) std::abort();
  // Rules from a cache reach the compiler as the loader's would: it must refuse what it cannot
  // use, never crash on it.
  tansa::sigma::Options options;
  options.prefilter = false;
  std::vector<tansa::sigma::Rejection> rejected;
  auto set = tansa::sigma::RuleSet::compile(r->rules, options, rejected);
  (void)set;
  return 0;
}
