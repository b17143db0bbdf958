// The compiled rule cache (src/sigma/compiled_cache.h): hunt reads it from the user's cache
// folder, so its bytes are only as trustworthy as that folder. Arbitrary bytes as a payload (past
// the checksum, which random bytes never satisfy) must decode or be refused with a reason, never
// crash or size memory by a length they merely claim. Whatever decodes must encode back to the
// same bytes, and a matcher walking it over a few events must read nothing out of bounds (the
// tables' own checks are what make that so).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_events.h"
#include "sigma/compiled_cache.h"
#include "tansa/sigma.h"

using tansa::fuzzing::sample_events;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  namespace cc = tansa::sigma::compiled_cache;
  tansa::sigma::Options options;  // no cache folder: literal databases are compiled, not cached
  auto d = cc::decode_payload(bytes, options);
  if (!d) return 0;
  // What decodes must round-trip (the frame adds a 61-byte header to the payload).
  const std::string file = cc::encode(d->loaded, d->loaded.rejected, *d->tables, {});
  if (file.size() < bytes.size() || file.substr(file.size() - bytes.size()) != bytes) std::abort();
  auto set = tansa::sigma::detail::finish_set(std::move(d->tables), options);
  tansa::sigma::Matcher m(*set);
  std::vector<std::uint32_t> hits;
  for (const auto& e : sample_events()) m.match(e, hits);
  return 0;
}
