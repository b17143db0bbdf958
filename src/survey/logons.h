// One table of authentication across sources (`tansa logons`): Windows logons (4624, 4625, 4648,
// 4776, 4768, 4771), remote desktop (TerminalServices 1149, 21, 22, 25), VPN logins and failures,
// SSH, and cloud sign-ins. Rows are grouped by what a responder compares: the account, where it
// came from (address and workstation), the host it logged on to, how (logon type, method), and
// the outcome, with a count and the first and last time. Collected per reading lane and merged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "engine/engine.h"
#include "geo/geoip.h"
#include "tansa/net.h"

namespace tansa::survey {

struct LogonRow {
  std::string kind;         // windows, rdp, ssh, vpn, cloud
  std::string account;      // as logged, with its domain when one is given (CORP\tanaka)
  std::string source;       // the client's address, canonical
  std::string workstation;  // the client's name, when logged
  std::string target;       // the host (or appliance, or cloud service) logged on to
  std::string type;         // logon type 3, 10 ...; kerberos; RDP; ssh password; vpn
  std::string outcome;      // success, failure, explicit (4648: credentials used explicitly)
  std::uint64_t count = 0;
  std::int64_t first = 0, last = 0;
  std::vector<int> event_ids;  // the Windows event ids behind the row
  std::string log_country;     // the log's own country for the source (FortiGate srccountry)
  geo::Place place;            // the source's country and AS (place_rows), when external
};

// Fills each row's place from its source address, the log's own country winning.
void place_rows(std::vector<LogonRow>& rows, const geo::Resolver& resolver);

// Which rows to keep: failures only, one account, sources in a network.
struct LogonFilter {
  bool failed_only = false;
  std::string account;            // empty: all; else compared without domain, any case
  std::optional<Network> source;  // empty: all
  [[nodiscard]] bool keeps(const LogonRow& r) const;
};

class LogonsHook final : public engine::EventHook {
 public:
  void on_event(const Event& e) override;

 private:
  friend class LogonsCollector;
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string,
                         std::string, std::string>;
  void add(LogonRow row);  // merged into its group's row
  std::map<Key, LogonRow> rows_;
};

class LogonsCollector {
 public:
  [[nodiscard]] engine::HookFactory hooks() const;
  // Every lane's rows merged, filtered, sorted by first time.
  [[nodiscard]] std::vector<LogonRow> finish(
      const std::vector<std::unique_ptr<engine::EventHook>>& lanes,
      const LogonFilter& filter) const;
};

// The authentication an event shows, if any (exposed for tests).
[[nodiscard]] std::optional<LogonRow> logon_of(const Event& e, int& event_id);

}  // namespace tansa::survey
