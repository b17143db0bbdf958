// The facts an investigation reasons over, taken from events as they are read: logons, process
// starts, share and file access, flows, VPN sessions, account changes, log tampering, cloud
// operations. Each keeps a reference to its event. Extraction is a pure function of one event, so
// it runs on the reader threads beside rule matching; the facts go to the case database.
//
// Coverage is the other thing read off every event: for each host and log source, when it logged
// (intervals, split where it fell silent for longer than the gap threshold) and, for EVTX, which
// record ids were seen (runs, whose holes are records that are missing).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tansa/event.h"

namespace tansa::investigate {

enum class FactKind : std::uint8_t {
  Logon,          // Windows 4624/4625/4648, sshd, VPN and cloud sign-ins are Vpn/Cloud
  Process,        // 4688, Sysmon 1, sudo
  FileAccess,     // 5140, 5145, 4663, Sysmon 11
  Flow,           // Zeek conn, FortiGate traffic
  Vpn,            // FortiGate SSL VPN: login failures, tunnel up and down with byte counts
  AccountChange,  // 4720 created, 4726 deleted, 4728/4732/4756 added to a group
  Tamper,         // 1102, 104 log cleared; 4719 audit policy changed
  Cloud,          // Microsoft 365 and other cloud audit operations
  Address,        // a host seen with an address: machine-account logons, Sysmon 3, 5156, DHCP
};
inline constexpr std::size_t kFactKinds = 9;

struct Fact {
  FactKind kind = FactKind::Logon;
  std::int64_t time_ns = 0;
  SourceRef source;
  std::string host;     // where it was logged (Computer, host)
  std::string channel;  // Security, sshd, fortigate, zeek:conn, m365 ...
  std::int64_t event_id = 0;
  std::string outcome;  // success, failure; the VPN action; created, group_add, log_cleared ...
  std::string user;     // the account acting or logging on
  std::string domain;
  std::string target;  // Process: the user it runs as; AccountChange: the account changed
  std::string src_ip;  // where it came from (logon source, flow origin, VPN remote address)
  std::string dst_ip;  // flow responder; VPN tunnel address
  std::string workstation;
  std::string object;  // image, share, file path, cloud object, group name
  std::string detail;  // command line, relative path, key fingerprint, policy change
  std::string extra;   // parent image, auth package or method, country, logon id
  std::string cwd;     // Process: the working directory, where logged (sudo PWD)
  std::int64_t logon_type = 0;
  std::int64_t port = 0;
  std::int64_t bytes_out = 0;  // bytes sent by the origin (flows) or to the VPN client
  std::int64_t bytes_in = 0;
  std::int64_t items = 0;  // Cloud: the mail items a MailItemsAccessed record lists
};

// The facts in one event (usually zero or one).
void extract_facts(const Event& e, std::vector<Fact>& out);

// Fact's text members, each a slot of a FactBatch.
inline constexpr std::array<std::string Fact::*, 13> kFactTexts = {
    &Fact::host,   &Fact::channel, &Fact::outcome, &Fact::user,        &Fact::domain,
    &Fact::target, &Fact::src_ip,  &Fact::dst_ip,  &Fact::workstation, &Fact::object,
    &Fact::detail, &Fact::extra,   &Fact::cwd};
inline constexpr std::size_t kFactTextSlots = kFactTexts.size();
// The slot of a text member.
[[nodiscard]] constexpr std::size_t text_slot(std::string Fact::*m) {
  std::size_t i = 0;
  while (i < kFactTexts.size() && kFactTexts[i] != m) ++i;
  return i;
}

// Facts packed for the trip from a reading thread to the database's writer: the numbers of each
// fact in a row, all their text in one buffer. A batch of thousands of facts is a handful of
// allocations, made and freed by whichever thread holds it, instead of several per fact made on
// one thread and freed on another. Reading a fact back gives the same values add() was given.
class FactBatch {
 public:
  struct Row {
    FactKind kind;
    std::int64_t time_ns, event_id, logon_type, port, bytes_out, bytes_in, items;
    SourceRef source;
    std::array<std::uint32_t, kFactTextSlots> end;  // of each text slot in text_
  };
  void add(const Fact& f);
  void reserve(std::size_t facts, std::size_t bytes) {
    rows_.reserve(facts);
    text_.reserve(bytes);
  }
  // Empties the batch and keeps its memory, for the next batch.
  void clear() {
    rows_.clear();
    text_.clear();
  }
  [[nodiscard]] std::size_t size() const { return rows_.size(); }
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  [[nodiscard]] std::size_t bytes() const { return text_.size(); }
  [[nodiscard]] const Row& row(std::size_t i) const { return rows_[i]; }
  // The text in `slot` (text_slot) of the i-th fact.
  [[nodiscard]] std::string_view text(std::size_t i, std::size_t slot) const {
    const Row& r = rows_[i];
    const std::uint32_t begin = slot ? r.end[slot - 1] : i ? rows_[i - 1].end.back() : 0;
    return std::string_view(text_).substr(begin, r.end[slot] - begin);
  }
  [[nodiscard]] Fact fact(std::size_t i) const;

 private:
  std::vector<Row> rows_;
  std::string text_;
};

// What the analysis needs to know of vendors' words, said here so that it never names them: a VPN
// fact's `outcome` keeps the appliance's own word for the event (the report shows it), and these
// say what it means.
enum class VpnEvent : std::uint8_t { LoginFailed, SessionStart, SessionEnd, Other };
[[nodiscard]] VpnEvent vpn_event(const Fact& f);
// The logged word for a VPN event, to query the vpn table's `action` column with.
[[nodiscard]] std::string vpn_event_word(VpnEvent e);
// A failed logon: Windows, SSH, or a VPN login.
[[nodiscard]] bool failed_logon(const Fact& f);
// A failed cloud sign-in (an operation that is a refused login).
[[nodiscard]] bool failed_cloud_sign_in(const Fact& f);
// The one line the report shows for a fact: "4624 logon type 3 by tanaka from 10.8.0.200 on DC1".
[[nodiscard]] std::string describe(const Fact& f);

// What a detection's matched fields say about addresses: where the event came from, whether a
// destination it names is one the assets file allows, and whether it is a log being cleared or
// the audit policy changed.
struct DetectionAddresses {
  std::vector<std::string> sources;       // canonical
  std::vector<std::string> destinations;  // canonical
  bool tampering = false;
};
[[nodiscard]] DetectionAddresses detection_addresses(
    const std::vector<std::pair<std::string, std::string>>& fields);

// Which host and log source an event counts towards for coverage, and its record id (0: none).
struct StreamOf {
  std::string host, source;
  std::uint64_t record = 0;
};
[[nodiscard]] StreamOf stream_of(const Event& e);

struct Interval {
  std::int64_t start, end;
};
struct RecordRun {
  std::uint64_t first, last;
  std::int64_t first_time, last_time;
};

struct Stream {
  std::string host, source;
  std::uint64_t events = 0;
  std::vector<Interval> active;    // sorted; consecutive ones are more than the threshold apart
  std::vector<RecordRun> records;  // sorted; holes between runs are missing records
  // Per event id counts (Windows), so a coverage check can ask whether 5145 was ever logged.
  std::map<int, std::uint64_t> event_ids;
};

// What kind of log a stream is, by the source names stream_of gives: flow logs (connections with
// bytes sent), the cloud audit log, and streams whose host is a sensor or a service rather than
// one of the environment's machines.
[[nodiscard]] bool flow_source(std::string_view source);
[[nodiscard]] bool cloud_audit_source(std::string_view source);
[[nodiscard]] bool machine_stream(const Stream& s);

// Collects coverage; one per reader thread, merged at the end. Memory follows the number of
// silences and record holes, not the number of events.
class Coverage {
 public:
  explicit Coverage(std::int64_t gap_threshold_ns) : threshold_(gap_threshold_ns) {}
  void add(const StreamOf& s, std::int64_t time_ns, int event_id);
  // add(stream_of(e), e.time_ns, event_id), without building the stream's names when the event
  // names the same host and log as the one before (nearly always, within one file).
  void add_event(const Event& e, int event_id);
  void merge(Coverage& other);
  // The streams with their intervals and runs compacted, sorted by host then source.
  [[nodiscard]] std::vector<Stream> streams();
  [[nodiscard]] std::int64_t threshold() const { return threshold_; }

 private:
  struct Pending {
    Stream stream;
    std::vector<std::int64_t> times;
    std::vector<std::pair<std::uint64_t, std::int64_t>> records;
  };
  void compact(Pending& p) const;
  void add_to(Pending& p, std::uint64_t record, std::int64_t time_ns, int event_id);
  std::int64_t threshold_;
  std::map<std::pair<std::string, std::string>, Pending> streams_;
  // The stream of the last event added by add_event, by the event's own words for it (product,
  // service, host, channel); null when none or after merge().
  struct Last {
    std::string product, service, host, channel;
    Pending* pending = nullptr;  // a node of streams_: stable until merge() clears it
    Last() = default;
    Last(const Last&) {}  // a copy's streams_ are other nodes: it starts again
    Last& operator=(const Last&) {
      pending = nullptr;
      return *this;
    }
  } last_;
};

}  // namespace tansa::investigate
