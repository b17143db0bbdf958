// Arbitrary bytes as a syslog, key=value, Zeek TSV or JSON log (the first byte picks the reader,
// the rest is the file, possibly gzip- or zstd-compressed): every line must be read or reported,
// never crash, hang or run away with memory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "formats/json_logs.h"
#include "formats/keyvalue.h"
#include "formats/syslog.h"
#include "formats/zeek.h"
#include "io/byte_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const std::string path = "/tmp/tansa_fuzz_text_" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  auto src = tansa::io::ByteSource::open(path);
  if (!src) return 0;
  std::size_t n = 0;
  auto emit = [&](const tansa::Event& e) { n += e.fields().size(); };
  auto diag = [](const tansa::Diagnostic&) {};
  tansa::formats::SyslogOptions opt;
  opt.reference_ns = 1704423612000000000LL;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      tansa::io::LineReader lines(**src, 4096);
      (void)tansa::formats::read_syslog(lines, "f", 0, opt, emit, diag);
      (void)tansa::formats::looks_like_syslog(text);
      break;
    }
    case 1: {
      tansa::io::LineReader lines(**src, 4096);
      (void)tansa::formats::read_keyvalue(lines, "f", 0, opt, emit, diag);
      (void)tansa::formats::looks_like_keyvalue(text);
      break;
    }
    case 2: {
      tansa::io::LineReader lines(**src, 4096);
      (void)tansa::formats::read_zeek_tsv(lines, "f", 0, emit, diag);
      break;
    }
    default: {
      tansa::formats::JsonLogsOptions o;
      o.max_document_bytes = 1 << 20;
      (void)tansa::formats::read_json_logs(**src, "f", 0, o, emit, diag);
      (void)tansa::formats::looks_like_json_logs(text);
      break;
    }
  }
  (void)tansa::io::decompress_head(text, 4096);
  return 0;
}
