// The answers to the incident questions, reasoned from the case database (docs/investigate.md):
// seeds (strong detections and the user's --seed) name attacker addresses; the intrusion spreads
// from them through VPN sessions, logons, sessions' logon ids, accounts the intruder created and
// hosts it reached, until nothing new is found. Every answer keeps the events behind it, and an
// asset is "not_accessed" only when the log that would show an access covers the whole window.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "geo/geoip.h"
#include "investigate/assets.h"
#include "investigate/casedb.h"
#include "investigate/facts.h"
#include "tansa/detection.h"
#include "tansa/verdicts.h"

namespace tansa::investigate {

struct Evidence {
  std::int64_t time_ns = 0;
  SourceRef source;
  std::string what;  // one line: "4624 logon type 3 by tanaka from 10.8.0.200 on DC1"
};

struct DetectionRef {
  std::string rule_id, title, level, host;
  std::int64_t time_ns = 0;
  SourceRef source;
};

struct Entity {
  std::string name;
  std::int64_t first = 0, last = 0;
  std::string note;  // a source's country; an account's role ("created by the intruder")
  std::string tie;   // what tied it to the intrusion when no detection or session did (a wave)
  std::vector<Evidence> evidence;
  geo::Place place;  // a source's country and AS, with where each came from (places.h)
};

struct Edge {
  std::string from_host, to_host, account, logon_type;
  std::int64_t first_time = 0;
  std::vector<Evidence> evidence;
};

struct CoverageRef {
  std::string host, source;
  std::int64_t from = 0, to = 0;
};

struct AssetFinding {
  std::string name, label;
  AssetVerdict verdict = AssetVerdict::Undetermined;
  std::string reason;
  // Why the file-level logs cannot show every access in the window (empty when they can): the
  // same test as `not_accessed`, made whatever the verdict, for the claim check.
  std::string unlogged;
  std::uint64_t documents = 0;  // distinct documents the intruder is seen reading in it
  std::vector<CoverageRef> coverage;
  std::vector<Evidence> evidence;
};

struct Destination {
  std::string address;
  std::uint64_t bytes = 0;
  std::int64_t first = 0, last = 0;
  std::vector<Evidence> evidence;
};

struct EgressFinding {
  std::uint64_t total_bytes = 0;
  std::vector<Destination> destinations;
  std::int64_t first = 0, last = 0;
  bool flow_logs = false;  // a flow source covers the intrusion window
  std::string note;
};

// Documents the intruder is seen reading, copying or downloading: distinct files by share access
// (5145), object access (4663), and cloud file operations and mail items. A lower bound: a tool
// reading a folder locally leaves no per-file trace without object-access auditing.
struct DocumentSource {
  std::string source;  // "5145 share access on FS1", "FileDownloaded (Microsoft 365)"
  std::uint64_t documents = 0;
};
struct DocumentCount {
  std::uint64_t total = 0;
  std::vector<DocumentSource> sources;
  // Reads the count cannot include: "local reads on FS1 are not audited" (a command the intruder
  // ran names an asset's folder on a host without object-access auditing).
  std::vector<std::string> unlogged;
};

// Below this, one document is not counted as carrying the claim: egress smaller than the claimed
// documents at this size cannot have carried them (docs/investigate.md).
inline constexpr std::uint64_t kMinDocumentBytes = 10000;

struct ClaimFinding {
  std::optional<std::uint64_t> claimed_bytes, claimed_documents;
  std::uint64_t observed_bytes = 0, observed_documents = 0;
  std::vector<DocumentSource> document_sources;
  ClaimVerdict verdict = ClaimVerdict::Undetermined;
  // Each part's own verdict, when claimed; `verdict` is the worse (inconsistent, then
  // undetermined).
  std::optional<ClaimVerdict> bytes_verdict, documents_verdict;
  std::string reason;
};

struct TamperFinding {
  std::string kind, host, channel, user;  // kind: log_cleared, audit_policy_changed
  Attribution attribution = Attribution::Unexplained;
  std::int64_t start = 0, end = 0;
  std::vector<Evidence> evidence;
};

struct GapFinding {
  GapKind kind = GapKind::Silence;
  std::string host, channel, detail;
  std::int64_t start = 0, end = 0;
};

struct CoverageFinding {
  std::string host, source;
  std::int64_t first = 0, last = 0;
  std::uint64_t events = 0;
};

// Where an entry came from. `country_from` says who gave the country: "log" (the appliance's own
// field, such as a VPN log's source country), later a GeoIP database; empty with no country.
struct EntrySource {
  std::string address, country, country_from;
};

// How the intruder got in, for one wave (judge_entry): when, by which way, through which appliance
// or host, with which account, from where, and why the logs say so.
struct EntryPoint {
  std::int64_t time = 0;
  EntryVector vector = EntryVector::Unknown;
  std::string via_host, account;
  EntrySource source;
  std::string reason;
  std::vector<Evidence> evidence;
};

// A condition the logs show that let the intruder in, move or stay unseen (judge_weaknesses).
// Never without evidence; `advice` is one sentence a defender can act on.
struct Weakness {
  WeaknessKind kind = WeaknessKind::UnseenDwell;
  std::string detail, advice;
  std::vector<Evidence> evidence;
};

struct Findings {
  Access unauthorized_access = Access::Undetermined;
  std::string reason;
  std::vector<DetectionRef> detections;  // those that justify the answer
  std::optional<std::int64_t> first_malicious, last_malicious;
  double dwell_days = 0;
  std::vector<Entity> sources, accounts, hosts;
  std::vector<Edge> lateral_movement;
  std::vector<AssetFinding> assets;
  EgressFinding egress;
  DocumentCount documents;
  std::optional<ClaimFinding> claim;
  std::vector<TamperFinding> tampering;
  std::vector<GapFinding> gaps;
  std::vector<CoverageFinding> coverage;
  std::vector<EntryPoint> initial_access;  // one per wave, in time order
  std::vector<Weakness> weaknesses;
  std::vector<std::string> files;  // evidence references index this
  std::int64_t input_first = 0, input_last = 0;
};

struct Seed {
  std::string kind, value;  // ip, user, host
};

struct AnalysisInput {
  const CaseDb* db = nullptr;
  const Assets* assets = nullptr;
  std::vector<Seed> seeds;
  Claim claim;
  std::vector<Detection> detections;  // high and critical, in time order
  const std::vector<RuleInfo>* rules = nullptr;
  std::vector<Stream> streams;
  std::vector<std::string> files;
};

// An error when the case database failed part-way: the answers would rest on missing facts.
[[nodiscard]] std::expected<Findings, std::string> analyze(const AnalysisInput& in);

}  // namespace tansa::investigate
