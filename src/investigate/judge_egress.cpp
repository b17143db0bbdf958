#include <algorithm>
#include <map>
#include <set>

#include "investigate/commands.h"
#include "investigate/judge.h"
#include "investigate/queries.h"
#include "investigate/rhythm.h"
#include "tansa/net.h"

namespace tansa::investigate {

std::expected<EgressFinding, std::string> judge_egress(const Intrusion& x, const CaseDb& db,
                                                       const Assets& assets,
                                                       const std::vector<Stream>& streams,
                                                       const LogCoverage& logs) {
  namespace q = queries;
  Queries qs(db);
  EgressFinding e;
  const auto [ws, we] = x.window();
  for (const Stream& s : streams)
    if (flow_source(s.source))
      for (const Interval& i : logs.effective_of(s))
        if (covers(i, ws, we, assets.gap_threshold_ns)) e.flow_logs = true;
  std::map<std::string, Destination> dest;
  std::set<SourceRef> seen;
  auto add = [&](const std::string& to, std::int64_t bytes, const Fact& f) {
    if (!seen.insert(f.source).second || bytes <= 0) return;
    Destination& d = dest[to];
    if (d.address.empty()) {
      d.address = to;
      d.first = d.last = f.time_ns;
    }
    d.bytes += static_cast<std::uint64_t>(bytes);
    d.first = std::min(d.first, f.time_ns);
    d.last = std::max(d.last, f.time_ns);
    if (d.evidence.size() < kMaxEvidence) d.evidence.push_back(evidence_of(f));
  };
  auto flow = [&](const Fact& f) {
    if (assets.external(f.dst_ip) && !assets.allowed_destination(f.dst_ip))
      add(f.dst_ip, f.bytes_out, f);
  };
  if (x.found()) {
    for (const Window& w : x.windows)
      qs.each(q::kFlowsFromBetween, {w.ip, std::to_string(w.start), std::to_string(w.end)}, flow);
    // Every host the intruder held, from when it was first held to the intrusion's end, by
    // the addresses the logs (or the assets file) show it had in that time.
    for (const auto& [hk, since] : x.held_hosts) {
      auto ips = x.addresses.by_host.find(hk);
      if (ips == x.addresses.by_host.end()) continue;
      for (const auto& ip : ips->second) {
        const auto [from, to] = x.addresses.validity(hk, ip);
        const std::int64_t a = std::max(since, from), b = std::min(we, to);
        if (a > b) continue;
        qs.each(q::kFlowsFromBetween, {ip, std::to_string(a), std::to_string(b)}, flow);
      }
    }
    // Destinations the intruder named in a command (rclone, scp, curl ...) are exfiltration
    // targets: flows to them count from any internal host, within the intrusion.
    std::set<std::string> named;
    for (const Fact& p : x.processes)
      for (const std::string& d : command_destinations(p.detail))
        if (const std::string ip = canonical_ip(d); assets.external(ip) && named.insert(ip).second)
          qs.each(q::kFlowsToBetween, {ip, std::to_string(ws), std::to_string(we)},
                  [&](const Fact& f) {
                    if (assets.internal(f.src_ip)) flow(f);
                  });
    for (const auto& [ip, s] : x.sources) qs.each(q::kFlowsTo, {ip}, flow);
    for (const auto& [remote, down] : x.tunnels_down) add(remote, down.bytes_out, down);
  }
  if (qs.failed()) return std::unexpected(qs.failure());
  for (auto& [k, d] : dest) {
    e.total_bytes += d.bytes;
    if (e.destinations.empty() || d.first < e.first) e.first = d.first;
    if (e.destinations.empty() || d.last > e.last) e.last = d.last;
    e.destinations.push_back(std::move(d));
  }
  std::sort(e.destinations.begin(), e.destinations.end(),
            [](const Destination& a, const Destination& b) { return a.bytes > b.bytes; });
  if (!e.flow_logs)
    e.note =
        "no flow log (Zeek conn, FortiGate traffic) covers the intrusion window: egress "
        "beyond VPN session counts is unknown";
  return e;
}

}  // namespace tansa::investigate
