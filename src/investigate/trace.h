// Tracing the intrusion (docs/investigate.md): seeds (strong detections and the user's --seed)
// name attacker addresses; the intrusion spreads from them through VPN sessions, logons,
// sessions' logon ids, accounts the intruder created and hosts it reached, later waves from new
// addresses, and leads tied to it, until nothing new is found. What it finds is an `Intrusion`:
// plain data that the judgments (judge.h) read and never change.
//
// Tracing answers no question by itself: it says who, where and when, with the events behind each,
// and the judgments decide what the logs can and cannot show about it.
#pragma once

#include <cstdint>
#include <expected>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "investigate/analyze.h"
#include "investigate/assets.h"
#include "investigate/casedb.h"
#include "investigate/facts.h"

namespace tansa::investigate {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kAlways = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kHour = 3600LL * 1000000000;
inline constexpr std::size_t kMaxEvidence = 25;  // per answer; the case database has them all

// A host seen with an address.
struct Binding {
  std::string host_key, name;
  std::int64_t first = 0, last = 0;                      // sightings
  std::int64_t valid_from = kAlways, valid_to = kNever;  // when the address is taken to be its
  std::optional<Evidence> evidence;                      // an event that shows it
};

// Host name <-> address, learned from the logs (and the assets file's `addresses`).
struct AddressBook {
  std::map<std::string, std::vector<Binding>> by_address;  // sorted by first sighting
  std::map<std::string, std::set<std::string>> by_host;    // host key -> addresses

  // The binding that held `ip` at `t`, if the logs or the assets file say.
  [[nodiscard]] const Binding* host_at(const std::string& ip, std::int64_t t) const;
  // When host `hk` had `ip`: {kNever, kAlways} when it never did.
  [[nodiscard]] std::pair<std::int64_t, std::int64_t> validity(const std::string& hk,
                                                               const std::string& ip) const;
  // The client a logon came from: its workstation name, else the host that had its address, else
  // the address.
  [[nodiscard]] std::string client_of(const Fact& logon) const;
};

// A VPN session's tunnel address over the session's time: logons and flows from it are the
// intruder's.
struct Window {
  std::string ip;
  std::int64_t start = 0, end = 0;
};

struct Intrusion {
  // What the logs cover as a whole (every stream's activity); kNever/kAlways when nothing.
  std::int64_t input_first = kNever, input_last = kAlways;
  // The first and last malicious event; kNever/kAlways when no intrusion was found.
  std::int64_t first = kNever, last = kAlways;
  bool access = false;  // a successful logon, VPN session or cloud operation of the intruder
  std::vector<DetectionRef> detections;  // the strong detections that seeded it

  std::map<std::string, Entity> sources;    // by address
  std::map<std::string, Entity> accounts;   // by account_key
  std::map<std::string, Entity> hosts;      // by host_key
  std::map<std::string, std::string> ties;  // source address -> what tied it, when no session did
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Edge> edges;

  std::set<std::string> own;                               // accounts it created, or seeds
  std::map<std::string, std::int64_t> held_hosts;          // host key -> first malicious logon
  std::set<std::pair<std::string, std::string>> sessions;  // (host key, logon id) it held
  std::vector<Window> windows;                             // its VPN sessions' tunnel addresses
  std::vector<std::pair<std::string, Fact>> tunnels_down;  // remote address, session end
  std::vector<Fact> cloud, files, processes;  // its cloud operations, file access, commands
  AddressBook addresses;

  [[nodiscard]] bool found() const { return first != kNever; }
  // The window the judgments look at: the intrusion, or the whole input without one (0 when the
  // input is empty).
  [[nodiscard]] std::pair<std::int64_t, std::int64_t> window() const;
  // Whether the intruder held the session `logon_id` on `host`.
  [[nodiscard]] bool held(const std::string& host, const std::string& logon_id) const;
  // Whether an action by `user` in session `logon_id` on `host` was the intruder's.
  [[nodiscard]] bool by_intruder(const std::string& host, const std::string& logon_id,
                                 const std::string& user) const;
};

// Traces the intrusion through the case database. An error when a query failed: an intrusion
// traced over missing facts could read as no intrusion.
[[nodiscard]] std::expected<Intrusion, std::string> trace(const AnalysisInput& in);

// Helpers the judgments share with tracing.
[[nodiscard]] Evidence evidence_of(const Fact& f);
[[nodiscard]] Evidence evidence_of(const Fact& f, std::string what);
[[nodiscard]] std::string lower(std::string s);

}  // namespace tansa::investigate
