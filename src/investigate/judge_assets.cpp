#include <algorithm>

#include "investigate/commands.h"
#include "investigate/judge.h"
#include "investigate/rhythm.h"

namespace tansa::investigate {

std::string command_touches(const SensitiveAsset& asset, const std::set<std::string>& hosts,
                            const Fact& f) {
  if (f.detail.empty() || !command_reads_files(f.detail)) return {};
  const bool on_host = hosts.empty() || hosts.contains(host_key(f.host));
  for (const std::string& p : command_paths(f.detail, f.cwd)) {
    if (p.starts_with("\\\\")) {
      std::string_view unc(p);
      unc.remove_prefix(2);
      const std::string_view server = unc.substr(0, unc.find('\\'));
      const std::string_view rest = unc.find('\\') == std::string_view::npos
                                        ? std::string_view()
                                        : unc.substr(unc.find('\\') + 1);
      for (const auto& share : asset.shares) {
        const std::string sl = lower(share), pl = lower(p);
        if (pl == sl || pl.starts_with(sl + "\\") || sl.starts_with(pl + "\\")) return "names " + p;
      }
      if (hosts.contains(host_key(server)))
        for (const auto& g : asset.paths)
          if (path_reads(g, rest)) return "names " + p;
      continue;
    }
    if (!on_host) continue;
    for (const auto& g : asset.paths)
      if (path_reads(g, p)) return "names " + p;
  }
  return {};
}

namespace {

const Stream* stream(const std::vector<Stream>& streams, const std::string& hk,
                     const std::string& source) {
  for (const Stream& s : streams)
    if (host_key(s.host) == hk && s.source == source) return &s;
  return nullptr;
}

}  // namespace

std::set<std::string> holders(const SensitiveAsset& asset) {
  std::set<std::string> hosts;
  for (const auto& h : asset.hosts) hosts.insert(host_key(h));
  for (const auto& s : asset.shares) {
    std::string_view v = s;
    while (!v.empty() && v.front() == '\\') v.remove_prefix(1);
    if (!v.empty()) hosts.insert(host_key(v.substr(0, v.find('\\'))));
  }
  return hosts;
}

bool names_asset(const SensitiveAsset& asset, const Fact& f) {
  for (const auto& s : asset.shares) {
    std::string a = lower(s), b = lower(f.object);
    auto tail = [](const std::string& x) { return x.substr(x.rfind('\\') + 1); };
    if (a == b || (b.starts_with("\\\\*\\") && tail(a) == tail(b))) return true;
  }
  for (const auto& p : asset.paths)
    if (glob_match(p, f.detail) || glob_match(p, f.object + "\\" + f.detail)) return true;
  return false;
}

namespace {

// The events that show the intruder touching the asset.
std::vector<Evidence> touches(const Intrusion& x, const SensitiveAsset& asset,
                              const std::set<std::string>& hosts) {
  std::vector<Evidence> out;
  for (const Fact& f : x.files)
    if (names_asset(asset, f) && out.size() < kMaxEvidence) out.push_back(evidence_of(f));
  for (const Fact& f : x.cloud)
    for (const auto& u : asset.urls)
      if (url_match(u, f.object) && out.size() < kMaxEvidence) out.push_back(evidence_of(f));
  // Commands the intruder ran that read the asset's files (tar, rsync, scp, robocopy ...).
  for (const Fact& f : x.processes) {
    if (out.size() >= kMaxEvidence) break;
    if (const std::string why = command_touches(asset, hosts, f); !why.empty())
      out.push_back(evidence_of(f, describe(f) + " (" + why + ")"));
  }
  return out;
}

// Why the logs cannot show that the asset was not accessed in [ws, we] (empty when they can),
// and the coverage that shows it.
std::string not_shown(const SensitiveAsset& asset, const std::set<std::string>& hosts,
                      std::int64_t ws, std::int64_t we, const std::vector<Stream>& streams,
                      const LogCoverage& logs, const std::vector<TamperFinding>& tampering,
                      const Assets& assets, std::vector<CoverageRef>& coverage) {
  const bool file_side = !asset.shares.empty() || !asset.paths.empty();
  if (file_side && hosts.empty()) return "the assets file names no host that holds it";
  for (const auto& hk : file_side ? hosts : std::set<std::string>{}) {
    const Stream* s = stream(streams, hk, "Security");
    if (!s) return "no Security log from " + hk + " in the input";
    const std::vector<Interval>& active = logs.effective_of(*s);
    auto cover = std::find_if(active.begin(), active.end(), [&](const Interval& i) {
      return covers(i, ws, we, assets.gap_threshold_ns);
    });
    if (cover == active.end())
      return "the Security log of " + s->host + " does not cover the whole window (" +
             format_time(ws) + " to " + format_time(we) + ")";
    auto n5145 = s->event_ids.find(5145);
    if (n5145 == s->event_ids.end() || n5145->second == 0)
      return "no 5145 (share file access) events from " + s->host +
             ": file share auditing appears to be off";
    for (const auto& t : tampering)
      if (host_key(t.host) == hk && t.start >= ws && t.start <= we)
        return t.kind + " on " + s->host + " at " + format_time(t.start);
    for (std::size_t i = 1; i < s->records.size(); ++i)
      if (s->records[i].first_time >= ws && s->records[i - 1].last_time <= we)
        return "records missing from the Security log of " + s->host;
    coverage.push_back(CoverageRef{s->host, "Security 5145", cover->start, cover->end});
  }
  if (!asset.urls.empty()) {
    const Stream* m = nullptr;
    for (const Stream& s : streams)
      if (cloud_audit_source(s.source)) {
        for (const Interval& i : logs.effective_of(s))
          if (covers(i, ws, we, assets.gap_threshold_ns)) {
            m = &s;
            coverage.push_back(CoverageRef{"m365", s.source, i.start, i.end});
          }
      }
    if (!m) return "the Microsoft 365 audit log is missing or does not cover the whole window";
  }
  return {};
}

}  // namespace

std::vector<AssetFinding> judge_assets(const Intrusion& x, const std::vector<Stream>& streams,
                                       const LogCoverage& logs,
                                       const std::vector<TamperFinding>& tampering,
                                       const Assets& assets) {
  const auto [ws, we] = x.window();
  std::vector<AssetFinding> out;
  for (const SensitiveAsset& asset : assets.sensitive) {
    AssetFinding af;
    af.name = asset.name;
    af.label = asset.label;
    const std::set<std::string> hosts = holders(asset);
    af.evidence = touches(x, asset, hosts);
    af.unlogged = not_shown(asset, hosts, ws, we, streams, logs, tampering, assets, af.coverage);
    if (!af.unlogged.empty() || !af.evidence.empty()) af.coverage.clear();
    if (!af.evidence.empty()) {
      af.verdict = AssetVerdict::Accessed;
      af.reason = "events show the intruder touching it";
    } else if (af.unlogged.empty()) {
      af.verdict = AssetVerdict::NotAccessed;
      af.reason = "the logs that would show an access cover the whole window, and none does";
    } else {
      af.verdict = AssetVerdict::Undetermined;
      af.reason = af.unlogged;
    }
    out.push_back(std::move(af));
  }
  return out;
}

}  // namespace tansa::investigate
