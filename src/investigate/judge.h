// Judging the intrusion (docs/investigate.md): each judgment reads what tracing found (trace.h),
// the logs' coverage and the assets file, and answers one question with its evidence. None
// changes the intrusion; each can be tested on an Intrusion built by hand.
//
// The safe side, always: an asset is `not_accessed` only when the log that would show an access
// covers the whole window, with file auditing on and no tampering or missing records in it;
// egress counts only external destinations the assets file does not allow; a claim is judged only
// where flow logs cover the window. A judgment that queries the case database returns an error
// when a query fails, never what it found before the failure.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "investigate/analyze.h"
#include "investigate/assets.h"
#include "investigate/casedb.h"
#include "investigate/facts.h"
#include "investigate/trace.h"
#include "tansa/verdicts.h"

namespace tansa::investigate {

// What each log covers, and where it has holes. Silences are gaps only when unusual for their
// source (rhythm.h); what a source covers (`effective`) is its activity joined across its usual
// silences (nights, weekends, a quiet audit log's pauses).
struct LogCoverage {
  std::vector<CoverageFinding> coverage;
  std::vector<GapFinding> gaps;
  std::map<std::pair<std::string, std::string>, std::vector<Interval>> effective;  // (host, source)

  // `s`'s effective coverage (its active intervals when it is not one of the judged streams).
  [[nodiscard]] const std::vector<Interval>& effective_of(const Stream& s) const;
};
[[nodiscard]] LogCoverage judge_coverage(const std::vector<Stream>& streams);

// Who cleared each log or changed the audit policy: the intruder (its session or its own
// account), an administrator (working from an admin host), or unexplained.
[[nodiscard]] std::expected<std::vector<TamperFinding>, std::string> judge_tampering(
    const Intrusion& x, const CaseDb& db, const Assets& assets);

// Was there unauthorized access: yes when the intruder logged on; no when there were only
// attempts, or nothing at all; undetermined when a log was cleared and nobody explains it.
struct AccessAnswer {
  Access answer = Access::Undetermined;
  std::string reason;
};
[[nodiscard]] AccessAnswer answer_access(const Intrusion& x,
                                         const std::vector<TamperFinding>& tampering);

// Each sensitive asset: accessed (events show the intruder touching it), not_accessed (the logs
// that would show an access cover the whole window and none does) or undetermined (why not).
[[nodiscard]] std::vector<AssetFinding> judge_assets(const Intrusion& x,
                                                     const std::vector<Stream>& streams,
                                                     const LogCoverage& logs,
                                                     const std::vector<TamperFinding>& tampering,
                                                     const Assets& assets);

// The host keys that hold the asset: its `hosts`, and the servers of its shares (\\FS1\Share).
[[nodiscard]] std::set<std::string> holders(const SensitiveAsset& asset);
// Whether a share or file access fact names the asset: one of its shares, or a path its globs
// match.
[[nodiscard]] bool names_asset(const SensitiveAsset& asset, const Fact& f);

// Whether a command names one of the asset's files or a folder holding them, and what it names
// ("names \\FS1\Designs"); empty when it does not. A local path counts on `hosts` (the asset's
// host keys; anywhere when empty), a UNC path when its share is the asset's or its host holds it.
[[nodiscard]] std::string command_touches(const SensitiveAsset& asset,
                                          const std::set<std::string>& hosts, const Fact& f);

// What left: bytes to external destinations (not the allowed ones) from the intruder's VPN
// sessions, the hosts it held, any internal host to destinations its commands named, its own
// addresses, and its VPN sessions' byte counts.
[[nodiscard]] std::expected<EgressFinding, std::string> judge_egress(
    const Intrusion& x, const CaseDb& db, const Assets& assets, const std::vector<Stream>& streams,
    const LogCoverage& logs);

// The documents the intruder is seen reading, in total, per source and per asset (each asset's
// `documents` is set), and the reads the logs cannot show.
[[nodiscard]] DocumentCount judge_documents(const Intrusion& x, const std::vector<Stream>& streams,
                                            const Assets& assets,
                                            std::vector<AssetFinding>& findings);

// The attacker's claim (a size, a number of documents, or both) against what left and what was
// read: nullopt without a claim. A size is consistent when the egress reaches half of it,
// inconsistent when flow logs cover the window and it does not. A number of documents is
// consistent when the documents seen read reach half of it; inconsistent only when the file-level
// logs cover the window for every asset and egress could not carry the claim (below the claimed
// documents at kMinDocumentBytes each), or there was no intrusion; undetermined otherwise.
[[nodiscard]] std::optional<ClaimFinding> judge_claim(const Claim& claim, bool intrusion,
                                                      const EgressFinding& egress,
                                                      const DocumentCount& documents,
                                                      const std::vector<AssetFinding>& assets);

// A strong detection with its rule's tags: ATT&CK technique tags say what it shows (t1558.003
// Kerberoasting, t1003.006 DCSync, t1110 guessing) without naming a product.
struct TaggedDetection {
  DetectionRef ref;
  std::vector<std::string> tags;  // lower case, as "attack.t1558.003"
};
// The high and critical detections among `detections`, with their tags.
[[nodiscard]] std::vector<TaggedDetection> tagged(const std::vector<Detection>& detections,
                                                  const std::vector<RuleInfo>& rules);

// How the intruder got in, one entry per wave in time order (docs/investigate.md): the
// intruder's successful accesses from outside (VPN sessions, SSH and remote-desktop logons from
// its external addresses, cloud operations from a new address), each starting a wave when its
// address or (except cloud) its account is new to the intrusion; each entry's vector from what
// came before it. An `unknown` entry first when the intrusion had access and began before any
// entry the logs show. Empty without an intruder's access. An error when a query fails.
[[nodiscard]] std::expected<std::vector<EntryPoint>, std::string> judge_entry(
    const Intrusion& x, const CaseDb& db, const Assets& assets, const std::vector<Stream>& streams,
    const std::vector<TaggedDetection>& detections);

// What the logs show let the intruder in, move or stay unseen: one Weakness per kind, each with
// the events that show it, never without. Missing file auditing and flow logs are reported
// without an intrusion too; the other kinds only with one.
struct WeaknessInput {
  const Intrusion* intrusion = nullptr;
  const CaseDb* db = nullptr;
  const Assets* assets = nullptr;
  const std::vector<Stream>* streams = nullptr;
  const std::vector<TaggedDetection>* detections = nullptr;
  const std::vector<EntryPoint>* entries = nullptr;
  const std::vector<TamperFinding>* tampering = nullptr;
  const EgressFinding* egress = nullptr;
  std::int64_t input_last = 0;  // the end of the input, for how long the intrusion went unseen
};
[[nodiscard]] std::expected<std::vector<Weakness>, std::string> judge_weaknesses(
    const WeaknessInput& in);

// Whether an account name is a service or shared account's by its name: svc-*, *_svc, service*,
// and the usual shared names (root, admin, administrator, deploy, backup, ...).
[[nodiscard]] bool service_account(std::string_view account);

}  // namespace tansa::investigate
