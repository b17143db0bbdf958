// The syslog listener's TCP framing (src/watch/framing.h): whatever bytes a sender writes, and
// however the network splits them, the framer must cut the same messages, none longer than its
// bound, with bounded memory; each message then goes through the syslog reader as the listener
// does. The first input byte chooses the mode and two split points; the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/syslog.h"
#include "tansa/event.h"
#include "watch/framing.h"

namespace {

constexpr std::size_t kMax = 256;

std::vector<std::string> frame(tansa::watch::Framer::Mode mode,
                               const std::vector<std::string_view>& reads) {
  tansa::watch::Framer f(mode, kMax);
  std::vector<std::string> out;
  auto on = [&](std::string_view m) {
    if (m.size() > kMax) std::abort();  // the bound holds
    out.emplace_back(m);
  };
  for (std::string_view r : reads) {
    f.feed(r, on);
    if (f.buffered() > kMax + 16) std::abort();  // memory stays bounded
  }
  f.finish(on);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const auto mode = (data[0] & 1) ? tansa::watch::Framer::Mode::Lines
                                  : tansa::watch::Framer::Mode::Syslog;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::size_t a = data[1] % (stream.size() + 1), b = data[2] % (stream.size() + 1);
  if (a > b) std::swap(a, b);
  const auto whole = frame(mode, {stream});
  const auto split = frame(mode, {stream.substr(0, a), stream.substr(a, b - a), stream.substr(b)});
  if (whole != split) std::abort();  // the network's splits never change the messages

  tansa::formats::SyslogOptions o;
  o.year = 2024;
  o.reference_ns = 1'700'000'000'000'000'000;
  tansa::Event e;
  for (const std::string& m : whole) (void)tansa::formats::parse_syslog_line(m, o, e);
  return 0;
}
