// How many documents the intruder is seen reading (docs/investigate.md, "Documents and claims"),
// and the attacker's claim against it and against the egress.
#include <algorithm>
#include <map>
#include <set>

#include "investigate/judge.h"
#include "tansa/event.h"

namespace tansa::investigate {

namespace {

// Cloud operations that read or take a file (SharePoint, OneDrive).
bool cloud_file_read(std::string_view op) {
  static constexpr std::string_view kOps[] = {"FileAccessed",           "FileDownloaded",
                                              "FileSyncDownloadedFull", "FilePreviewed",
                                              "FileAccessedExtended",   "FileCopied"};
  return std::find(std::begin(kOps), std::end(kOps), op) != std::end(kOps);
}

// A share's name without the server part (\\*\Designs, \\FS1\Designs: designs).
std::string share_name(std::string_view share) {
  const auto slash = share.find_last_of('\\');
  return lower(std::string(slash == std::string_view::npos ? share : share.substr(slash + 1)));
}

// The last path element of a document's key or path.
std::string file_name(std::string_view path) {
  const auto cut = path.find_last_of("\\/|");
  return std::string(cut == std::string_view::npos ? path : path.substr(cut + 1));
}

// A program, script or archive: what an intruder brings or packs, not a document it took.
bool own_file(std::string_view name) {
  static constexpr std::string_view kExt[] = {".exe", ".dll", ".ps1", ".bat", ".cmd", ".vbs",
                                              ".js",  ".zip", ".7z",  ".rar", ".tar", ".gz",
                                              ".tgz", ".cab", ".tmp", ".lnk", ".pf"};
  for (std::string_view e : kExt)
    if (name.ends_with(e)) return true;
  return false;
}

// One document a fact shows read, as a key that is the same for every event about the same file
// (empty: none), and the source it is counted under.
struct Read {
  std::string key, source;
};

void reads_of(const Fact& f, std::vector<Read>& out) {
  if (f.kind == FactKind::FileAccess) {
    if (f.event_id == 5145) {
      std::string_view rel = f.detail;
      while (!rel.empty() && (rel.front() == '\\' || rel.front() == '/')) rel.remove_prefix(1);
      if (rel.empty()) return;  // the share's root folder
      out.push_back({host_key(f.host) + "|" + share_name(f.object) + "\\" + lower(std::string(rel)),
                     "5145 share access on " + f.host});
    } else if (f.event_id == 4663 && !f.detail.empty()) {
      out.push_back({host_key(f.host) + "|" + lower(f.detail), "4663 object access on " + f.host});
    }
    return;
  }
  if (f.kind != FactKind::Cloud) return;
  if (cloud_file_read(f.outcome) && !f.object.empty()) {
    out.push_back({"cloud|" + lower(f.object), f.outcome + " (" + f.host + ")"});
  } else if (f.outcome == "MailItemsAccessed") {
    const std::string source = "MailItemsAccessed (" + f.host + ")";
    std::string_view ids = f.object;
    bool listed = false;
    while (!ids.empty()) {
      const auto nl = ids.find('\n');
      const std::string_view id = ids.substr(0, nl);
      if (!id.empty()) {
        out.push_back({"mail|" + std::string(id), source});
        listed = true;
      }
      if (nl == std::string_view::npos) break;
      ids.remove_prefix(nl + 1);
    }
    // A record that lists no message id still shows at least one item, or the count it gives.
    if (!listed)
      for (std::int64_t i = 0, n = std::max<std::int64_t>(1, f.items); i < n && i < 100000; ++i)
        out.push_back({"mail|" + std::to_string(f.source.file) + ":" +
                           std::to_string(f.source.position) + "#" + std::to_string(i),
                       source});
  }
}

}  // namespace

DocumentCount judge_documents(const Intrusion& x, const std::vector<Stream>& streams,
                              const Assets& assets, std::vector<AssetFinding>& findings) {
  DocumentCount out;
  std::set<std::string> seen;
  std::map<std::string, std::set<std::string>> per_asset;
  std::map<std::string, std::uint64_t> per_source;
  std::vector<std::string> order;  // sources in the order first counted
  std::vector<Read> reads;
  auto count = [&](const Fact& f) {
    reads.clear();
    reads_of(f, reads);
    for (const Read& r : reads) {
      for (const SensitiveAsset& a : assets.sensitive) {
        bool in = f.kind == FactKind::FileAccess && names_asset(a, f);
        if (f.kind == FactKind::Cloud)
          for (const auto& u : a.urls) in = in || url_match(u, f.object);
        if (in) per_asset[a.name].insert(r.key);
      }
      if (!seen.insert(r.key).second) continue;
      if (per_source[r.source]++ == 0) order.push_back(r.source);
    }
  };
  for (const Fact& f : x.files) count(f);
  for (const Fact& f : x.cloud) count(f);
  // Files the intruder's processes created (Sysmon 11) are copies: each counts once, and not when a
  // file of the same name was already counted read (the copy of a file read from a share), nor
  // when it is the intruder's own program, script or archive.
  std::set<std::string> names;
  for (const auto& key : seen) names.insert(file_name(key));
  for (const Fact& f : x.files) {
    if (f.kind != FactKind::FileAccess || f.event_id != 11 || f.detail.empty()) continue;
    const std::string name = file_name(lower(f.detail));
    if (name.empty() || own_file(name) || !names.insert(name).second) continue;
    const std::string key = host_key(f.host) + "|" + lower(f.detail),
                      source = "Sysmon 11 file created on " + f.host;
    if (!seen.insert(key).second) continue;
    for (const SensitiveAsset& a : assets.sensitive)
      if (names_asset(a, f)) per_asset[a.name].insert(key);
    if (per_source[source]++ == 0) order.push_back(source);
  }
  out.total = seen.size();
  for (const auto& s : order) out.sources.push_back({s, per_source[s]});
  for (AssetFinding& af : findings)
    if (auto it = per_asset.find(af.name); it != per_asset.end()) af.documents = it->second.size();

  // A command of the intruder that names an asset's folder on the host holding it reads files no
  // share access event shows; only object-access auditing (4663) there would.
  std::set<std::string> noted;
  for (const SensitiveAsset& a : assets.sensitive) {
    const std::set<std::string> hosts = holders(a);
    for (const Fact& p : x.processes) {
      const std::string why = command_touches(a, hosts, p);
      if (why.empty() || why.starts_with("names \\\\")) continue;
      const std::string hk = host_key(p.host);
      const bool audited = std::any_of(streams.begin(), streams.end(), [&](const Stream& s) {
        auto n = s.event_ids.find(4663);
        return host_key(s.host) == hk && n != s.event_ids.end() && n->second > 0;
      });
      if (!audited && noted.insert(hk).second)
        out.unlogged.push_back("local reads on " + p.host + " are not audited (" + why + ")");
    }
  }
  return out;
}

namespace {

ClaimVerdict worse(ClaimVerdict a, ClaimVerdict b) {
  auto rank = [](ClaimVerdict v) {
    return v == ClaimVerdict::Inconsistent ? 2 : v == ClaimVerdict::Undetermined ? 1 : 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace

std::optional<ClaimFinding> judge_claim(const Claim& claim, bool intrusion, const EgressFinding& e,
                                        const DocumentCount& documents,
                                        const std::vector<AssetFinding>& assets) {
  if (claim.empty()) return std::nullopt;
  ClaimFinding c;
  c.claimed_bytes = claim.bytes;
  c.claimed_documents = claim.documents;
  c.observed_bytes = e.total_bytes;
  c.observed_documents = documents.total;
  c.document_sources = documents.sources;
  std::vector<std::string> reasons;
  if (claim.bytes) {
    if (!e.flow_logs) {
      c.bytes_verdict = ClaimVerdict::Undetermined;
      reasons.push_back("no flow source covers the intrusion window");
    } else if (c.observed_bytes * 2 >= *claim.bytes) {
      c.bytes_verdict = ClaimVerdict::Consistent;
      reasons.push_back("observed egress is at least half the claim");
    } else {
      c.bytes_verdict = ClaimVerdict::Inconsistent;
      reasons.push_back(
          "observed egress is less than half the claim, and flow logs cover the window");
    }
  }
  if (claim.documents) {
    const std::uint64_t want = *claim.documents;
    const std::string seen = documents.total == 0
                                 ? std::string("no document seen read")
                                 : "at least " + count_text(documents.total) + " document" +
                                       (documents.total == 1 ? "" : "s") + " seen read";
    // What keeps the file-level logs from showing every read in the window.
    std::vector<std::string> unlogged = documents.unlogged;
    if (assets.empty())
      unlogged.push_back("the assets file names no sensitive asset whose logs could be checked");
    for (const AssetFinding& a : assets)
      if (!a.unlogged.empty()) unlogged.push_back(a.name + ": " + a.unlogged);
    const std::uint64_t carriable = e.total_bytes / kMinDocumentBytes;
    const bool egress_small = e.flow_logs && carriable < want;
    if (documents.total * 2 >= want) {
      c.documents_verdict = ClaimVerdict::Consistent;
      reasons.push_back(seen + ", at least half the claim");
    } else if (unlogged.empty() && (!intrusion || egress_small)) {
      c.documents_verdict = ClaimVerdict::Inconsistent;
      reasons.push_back(!intrusion ? "no intrusion, and the file-level logs cover the whole input"
                                   : seen + "; file-level logs cover the intrusion window; " +
                                         human_bytes(e.total_bytes) + " left, too little for " +
                                         count_text(want) + " documents of " +
                                         human_bytes(kMinDocumentBytes));
    } else {
      c.documents_verdict = ClaimVerdict::Undetermined;
      std::string why = seen;
      if (!e.flow_logs)
        why += "; no flow log covers the intrusion window, so what left is unknown";
      else if (!egress_small)
        why += "; " + human_bytes(e.total_bytes) + " left, enough for " + count_text(carriable) +
               " documents of " + human_bytes(kMinDocumentBytes);
      for (const auto& u : unlogged) why += "; " + u;
      reasons.push_back(why);
    }
    // The count is a lower bound whenever reads may go unlogged.
    if (c.documents_verdict == ClaimVerdict::Consistent)
      for (const auto& u : documents.unlogged)
        reasons.back() += "; the count is a lower bound: " + u;
  }
  c.verdict = c.bytes_verdict ? *c.bytes_verdict : *c.documents_verdict;
  if (c.documents_verdict) c.verdict = worse(c.verdict, *c.documents_verdict);
  c.reason =
      reasons.size() == 2 ? "size: " + reasons[0] + "; documents: " + reasons[1] : reasons.front();
  return c;
}

}  // namespace tansa::investigate
