// The investigation's own readings of untrusted text: the assets file (YAML, sizes, durations,
// globs) and fact extraction and coverage over events from the syslog and key=value readers.
// Nothing may crash, hang or grow without bound.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "formats/keyvalue.h"
#include "formats/syslog.h"
#include "investigate/assets.h"
#include "investigate/facts.h"
#include "io/byte_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  namespace inv = tansa::investigate;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 3 == 0) {
    auto a = inv::parse_assets(text);
    if (a) {
      for (const auto& s : a->sensitive)
        for (const auto& p : s.paths) (void)inv::glob_match(p, text.substr(0, 256));
      (void)a->external(text.substr(0, 64));
    }
    (void)inv::parse_size(text.substr(0, 64));
    (void)tansa::parse_duration(text.substr(0, 64));
    const auto half = text.size() / 2;
    (void)inv::glob_match(text.substr(0, std::min<std::size_t>(half, 64)), text.substr(half, 512));
    (void)inv::account_key(text);
    (void)inv::host_key(text);
    return 0;
  }
  static const std::string path = "/tmp/tansa_fuzz_investigate_" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  auto src = tansa::io::ByteSource::open(path);
  if (!src) return 0;
  inv::Coverage coverage(3600LL * 1000000000);
  std::vector<inv::Fact> facts;
  auto emit = [&](const tansa::Event& e) {
    inv::extract_facts(e, facts);
    coverage.add(inv::stream_of(e), e.time_ns, 0);
  };
  auto diag = [](const tansa::Diagnostic&) {};
  tansa::formats::SyslogOptions opt;
  opt.reference_ns = 1704423612000000000LL;
  tansa::io::LineReader lines(**src, 4096);
  if (data[0] % 3 == 1)
    (void)tansa::formats::read_syslog(lines, "f", 0, opt, emit, diag);
  else
    (void)tansa::formats::read_keyvalue(lines, "f", 0, opt, emit, diag);
  (void)coverage.streams();
  return 0;
}
