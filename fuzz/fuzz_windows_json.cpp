// Arbitrary bytes as a Windows JSON export: every document form must be read or reported, never
// crash, hang or run away with memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/windows_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t fields = 0;
  tansa::formats::read_windows_json(
      text, "fuzz.json", 0, [&](const tansa::Event& e) { fields += e.fields().size(); },
      [](const tansa::Diagnostic&) {});
  (void)tansa::formats::looks_like_windows_json(text);
  return 0;
}
