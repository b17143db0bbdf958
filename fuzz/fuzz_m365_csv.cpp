// Arbitrary bytes as a Microsoft 365 audit export (CSV with AuditData JSON): every row is read or
// reported, quoted fields spanning lines stay bounded, nothing crashes or runs away with memory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "formats/m365_csv.h"
#include "io/byte_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/tansa_fuzz_m365_csv_" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  // Every input gets the export's header, so the fuzzer spends its time on rows.
  static const std::string header =
      "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\r\n";
  std::fwrite(header.data(), 1, header.size(), f);
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto src = tansa::io::ByteSource::open(path);
  if (!src) return 0;
  std::size_t n = 0;
  tansa::io::LineReader lines(**src, 1 << 16);
  (void)tansa::formats::read_m365_csv(
      lines, "f", 0, [&](const tansa::Event& e) { n += e.fields().size(); },
      [](const tansa::Diagnostic&) {});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tansa::formats::looks_like_m365_csv(text);
  std::vector<std::string> fields;
  (void)tansa::formats::split_csv_record(text, fields);
  return 0;
}
