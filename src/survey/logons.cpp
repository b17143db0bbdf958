#include "survey/logons.h"

#include <algorithm>

#include "investigate/assets.h"
#include "investigate/facts.h"
#include "survey/metrics.h"

namespace tansa::survey {

namespace {

namespace inv = tansa::investigate;

const FieldId kChannel = field_id("Channel"), kComputer = field_id("Computer"),
              kTargetUser = field_id("TargetUserName"),
              kTargetDomain = field_id("TargetDomainName"), kIpAddress = field_id("IpAddress"),
              kStatus = field_id("Status"), kParam1 = field_id("Param1"),
              kParam2 = field_id("Param2"), kParam3 = field_id("Param3"), kUser = field_id("User"),
              kAddress = field_id("Address");

std::string_view text(const Event& e, FieldId id) {
  const Value* v = e.get(id);
  return v ? v->text : std::string_view();
}

// Windows writes "-" for nothing.
std::string clean(std::string_view s) {
  return s == "-" ? std::string() : std::string(s);
}

std::string with_domain(const std::string& domain, const std::string& user) {
  if (domain.empty() || user.empty() || user.find('\\') != std::string::npos ||
      user.find('@') != std::string::npos)
    return user;
  return domain + "\\" + user;
}

bool ok_status(std::string_view s) {
  return s.empty() || s == "0x0" || s == "0";
}

// Kerberos and remote desktop, which the investigation's facts do not carry.
std::optional<LogonRow> windows_extra(const Event& e, int id) {
  const std::string_view channel = text(e, kChannel);
  LogonRow r;
  r.target = std::string(text(e, kComputer));
  if (channel == "Security" && (id == 4768 || id == 4771)) {
    r.kind = "windows";
    r.type = "kerberos";
    r.account = with_domain(clean(text(e, kTargetDomain)), clean(text(e, kTargetUser)));
    r.source = canonical_ip(clean(text(e, kIpAddress)));
    r.outcome = id == 4768 && ok_status(text(e, kStatus)) ? "success" : "failure";
    return r;
  }
  if (channel == "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational" &&
      id == 1149) {
    r.kind = "rdp";
    r.type = "RDP authentication";
    r.account = with_domain(clean(text(e, kParam2)), clean(text(e, kParam1)));
    r.source = canonical_ip(clean(text(e, kParam3)));
    r.outcome = "success";
    return r;
  }
  if (channel == "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational" &&
      (id == 21 || id == 22 || id == 25)) {
    r.kind = "rdp";
    r.type = id == 25 ? "RDP reconnect" : "RDP session";
    r.account = clean(text(e, kUser));
    const std::string address = clean(text(e, kAddress));
    r.source = address == "LOCAL" ? std::string() : canonical_ip(address);
    r.outcome = "success";
    return r;
  }
  return std::nullopt;
}

std::optional<LogonRow> from_fact(const inv::Fact& f) {
  LogonRow r;
  r.target = f.host;
  r.source = f.src_ip;
  r.account = f.user;
  switch (f.kind) {
    case inv::FactKind::Logon:
      if (f.channel == "sshd") {
        r.kind = "ssh";
        r.type = f.extra.empty() ? "ssh" : "ssh " + f.extra;
        r.outcome = f.outcome;
        return r;
      }
      r.kind = "windows";
      r.workstation = f.workstation;
      if (f.event_id == 4776) {
        r.type = "NTLM validation";
        r.outcome = f.outcome;
        return r;
      }
      r.account = with_domain(f.domain, f.user);
      r.type = f.logon_type ? "logon type " + std::to_string(f.logon_type) : "";
      if (f.event_id == 4648) {
        r.account = f.target;
        r.type = "explicit credentials";
        r.outcome = "explicit";
        if (!f.object.empty()) r.target = f.object;
        return r;
      }
      r.outcome = f.outcome;
      return r;
    case inv::FactKind::Vpn:
      r.kind = "vpn";
      r.type = "vpn";
      switch (inv::vpn_event(f)) {
        case inv::VpnEvent::LoginFailed:
          r.outcome = "failure";
          r.log_country = f.extra;  // srccountry
          return r;
        case inv::VpnEvent::SessionStart:
          r.outcome = "success";
          r.log_country = f.extra;
          return r;
        default:
          return std::nullopt;
      }
    case inv::FactKind::Cloud:
      r.kind = "cloud";
      r.type = "sign-in";
      if (f.outcome == "UserLoggedIn") {
        r.outcome = "success";
        return r;
      }
      if (inv::failed_cloud_sign_in(f)) {
        r.outcome = "failure";
        return r;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<LogonRow> logon_of(const Event& e, int& id) {
  id = e.logsource.product.empty() ? windows_event_id(e) : 0;
  if (id) {
    if (auto r = windows_extra(e, id)) {
      r->first = r->last = e.time_ns;
      r->count = 1;
      return r;
    }
  }
  std::vector<inv::Fact> facts;
  inv::extract_facts(e, facts);
  for (const inv::Fact& f : facts)
    if (auto r = from_fact(f)) {
      r->first = r->last = e.time_ns;
      r->count = 1;
      return r;
    }
  return std::nullopt;
}

bool LogonFilter::keeps(const LogonRow& r) const {
  if (failed_only && r.outcome != "failure") return false;
  if (!account.empty() && inv::account_key(r.account) != inv::account_key(account)) return false;
  if (source) {
    const auto ip = parse_ip(r.source);
    if (!ip || !source->contains(*ip)) return false;
  }
  return true;
}

void LogonsHook::on_event(const Event& e) {
  int id = 0;
  if (auto r = logon_of(e, id)) {
    if (id) r->event_ids.push_back(id);
    add(std::move(*r));
  }
}

void LogonsHook::add(LogonRow row) {
  Key k{row.kind, row.account, row.source, row.workstation, row.target, row.type, row.outcome};
  auto [it, fresh] = rows_.try_emplace(std::move(k));
  LogonRow& r = it->second;
  if (fresh) {
    r = std::move(row);
    return;
  }
  r.count += row.count;
  r.first = std::min(r.first, row.first);
  r.last = std::max(r.last, row.last);
  for (int id : row.event_ids)
    if (std::find(r.event_ids.begin(), r.event_ids.end(), id) == r.event_ids.end())
      r.event_ids.push_back(id);
  if (r.log_country.empty()) r.log_country = std::move(row.log_country);
}

engine::HookFactory LogonsCollector::hooks() const {
  return [](unsigned) { return std::make_unique<LogonsHook>(); };
}

std::vector<LogonRow> LogonsCollector::finish(
    const std::vector<std::unique_ptr<engine::EventHook>>& lanes, const LogonFilter& filter) const {
  LogonsHook all;
  for (const auto& lane : lanes)
    for (auto& [k, r] : static_cast<LogonsHook&>(*lane).rows_) all.add(r);
  std::vector<LogonRow> out;
  for (auto& [k, r] : all.rows_)
    if (filter.keeps(r)) {
      std::sort(r.event_ids.begin(), r.event_ids.end());
      out.push_back(std::move(r));
    }
  std::stable_sort(out.begin(), out.end(), [](const LogonRow& a, const LogonRow& b) {
    return a.first != b.first ? a.first < b.first : a.last < b.last;
  });
  return out;
}

void place_rows(std::vector<LogonRow>& rows, const geo::Resolver& resolver) {
  for (LogonRow& r : rows)
    r.place = resolver.lookup(r.source, r.log_country, r.log_country.empty() ? "" : "srccountry");
}

}  // namespace tansa::survey
