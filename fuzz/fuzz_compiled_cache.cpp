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

#include "sigma/compiled_cache.h"
#include "tansa/sigma.h"

namespace {

const std::vector<tansa::Event>& events() {
  static const std::vector<tansa::Event> all = [] {
    std::vector<tansa::Event> out;
    tansa::Event win;
    win.add_string(tansa::field_id("Channel"), "Microsoft-Windows-Sysmon/Operational");
    win.add_int(tansa::field_id("EventID"), 1);
    win.add_string(tansa::field_id("Image"), "C:\\Windows\\System32\\cmd.exe");
    win.add_string(tansa::field_id("CommandLine"), "cmd.exe /c whoami -all");
    win.add_string(tansa::field_id("DestinationIp"), "10.1.2.3");
    out.push_back(std::move(win));
    tansa::Event sec;
    sec.add_string(tansa::field_id("Channel"), "Security");
    sec.add_int(tansa::field_id("EventID"), 4688);
    sec.add_string(tansa::field_id("NewProcessName"), "C:\\Windows\\System32\\cmd.exe");
    out.push_back(std::move(sec));
    tansa::Event ssh;
    ssh.logsource = {"linux", "", "sshd"};
    ssh.add_string(tansa::field_id("message"),
                   "Failed password for root from 203.0.113.7 port 22 ssh2");
    out.push_back(std::move(ssh));
    return out;
  }();
  return all;
}

}  // namespace

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
  for (const auto& e : events()) m.match(e, hits);
  return 0;
}
