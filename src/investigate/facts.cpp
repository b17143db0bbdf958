#include "investigate/facts.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "tansa/net.h"

namespace tansa::investigate {

namespace {

constexpr std::size_t kMaxMailItemText = 64 * 1024;

// Field ids are looked up once; the table is process-wide and append-only.
struct Id {
  FieldId id;
  explicit Id(const char* name) : id(field_id(name)) {}
};

std::string_view text(const Event& e, const Id& f) {
  const Value* v = e.get(f.id);
  return v ? v->text : std::string_view();
}

std::int64_t number(const Event& e, const Id& f) {
  const Value* v = e.get(f.id);
  if (!v) return 0;
  if (v->type == ValueType::Int || v->type == ValueType::HexInt) return v->i;
  if (v->type == ValueType::UInt) return static_cast<std::int64_t>(v->u);
  std::int64_t n = 0;
  std::string_view t = v->text;
  std::from_chars(t.data(), t.data() + t.size(), n);
  return n;
}

// Windows writes "-" for an empty value.
std::string clean(std::string_view s) {
  if (s == "-") return {};
  return std::string(s);
}

const Id kComputer("Computer"), kHost("host"), kChannel("Channel"), kEventID("EventID"),
    kRecord("EventRecordID"), kTargetUser("TargetUserName"), kTargetDomain("TargetDomainName"),
    kSubjectUser("SubjectUserName"), kSubjectDomain("SubjectDomainName"), kLogonType("LogonType"),
    kIpAddress("IpAddress"), kWorkstation("WorkstationName"),
    kAuthPackage("AuthenticationPackageName"), kTargetLogonId("TargetLogonId"),
    kSubjectLogonId("SubjectLogonId"), kNewProcessName("NewProcessName"),
    kCommandLine("CommandLine"), kParentProcessName("ParentProcessName"), kImage("Image"),
    kParentImage("ParentImage"), kUser("User"), kShareName("ShareName"),
    kRelativeTarget("RelativeTargetName"), kObjectName("ObjectName"),
    kTargetFilename("TargetFilename"), kAccessList("AccessList"), kMemberName("MemberName"),
    kMemberSid("MemberSid"), kTargetServer("TargetServerName"), kSubcategory("SubcategoryGuid"),
    kPolicyChanges("AuditPolicyChanges"), kuser("user"), ksrc_ip("src_ip"), koutcome("outcome"),
    kauth_method("auth_method"), kkey("key_fingerprint"), ksudo_target("sudo_target_user"),
    ksudo_command("sudo_command"), ksubtype("subtype"), ktype("type"), kaction("action"),
    kremip("remip"), ktunnelip("tunnelip"), kcountry("srccountry"), ksentbyte("sentbyte"),
    krcvdbyte("rcvdbyte"), kdevname("devname"), ksrcip("srcip"), kdstip("dstip"),
    kdstport("dstport"), korig_h("id.orig_h"), kresp_h("id.resp_h"), kresp_p("id.resp_p"),
    kproto("proto"), kservice("service"), korig_bytes("orig_bytes"), kresp_bytes("resp_bytes"),
    kconn_state("conn_state"), kOperation("Operation"), kUserId("UserId"), kClientIP("ClientIP"),
    kObjectId("ObjectId"), kWorkload("Workload"), kResultStatus("ResultStatus"),
    kSiteUrl("SiteUrl"), kStatus("Status"), kWorkstation4776("Workstation"), kSourceIp("SourceIp"),
    kDestinationIp("DestinationIp"), kSourceHostname("SourceHostname"), kInitiated("Initiated"),
    kDirection("Direction"), kSourceAddress("SourceAddress"), kDestAddress("DestAddress"),
    ksudo_pwd("sudo_pwd"), kdhcp_host("host_name"), kdhcp_addr("assigned_addr"),
    kclient_addr("client_addr"), kMailItemIds("Folders.FolderItems.InternetMessageId");

std::string host_name(const Event& e) {
  std::string_view h = text(e, kComputer);
  if (h.empty()) h = text(e, kHost);
  if (h.empty()) h = text(e, kdevname);
  return std::string(h);
}

Fact base(const Event& e, FactKind k, std::string_view channel, int event_id) {
  Fact f;
  f.kind = k;
  f.time_ns = e.time_ns;
  f.source = e.source;
  f.host = host_name(e);
  f.channel = channel;
  f.event_id = event_id;
  return f;
}

// A host seen with an address. Loopback, unspecified and link-local addresses name no host.
void address(const Event& e, std::string_view host, std::string_view ip, const char* how,
             std::vector<Fact>& out) {
  std::string name = clean(host);
  std::string addr = canonical_ip(clean(ip));
  if (name.empty() || addr.empty() || addr == "127.0.0.1" || addr == "::1" || addr == "0.0.0.0" ||
      addr == "::" || addr.starts_with("fe80:") || addr.starts_with("169.254."))
    return;
  if (!parse_ip(addr)) return;
  Fact f = base(e, FactKind::Address, text(e, kChannel), 0);
  f.object = std::move(name);
  f.src_ip = std::move(addr);
  f.outcome = how;
  out.push_back(std::move(f));
}

void windows(const Event& e, std::vector<Fact>& out) {
  const std::string_view channel = text(e, kChannel);
  const int id = static_cast<int>(number(e, kEventID));
  const bool security = channel == "Security";
  const bool sysmon = channel == "Microsoft-Windows-Sysmon/Operational";
  // A machine account (HOST$) authenticating from an address is that host at that address.
  if (security && (id == 4624 || id == 4768 || id == 4769)) {
    const std::string_view user = text(e, kTargetUser);
    if (user.size() > 1 && user.back() == '$')
      address(e, user.substr(0, user.size() - 1), text(e, kIpAddress), "machine account logon",
              out);
  }
  if (sysmon && id == 3) {
    const bool initiated = text(e, kInitiated) == "true";
    address(e, host_name(e), text(e, initiated ? kSourceIp : kDestinationIp), "Sysmon 3", out);
  }
  if (security && id == 5156) {
    const std::string_view dir = text(e, kDirection);
    const bool outbound = dir == "%%14593" || dir == "Outbound";
    address(e, host_name(e), text(e, outbound ? kSourceAddress : kDestAddress), "5156", out);
  }
  if (security && id == 4776) {
    // NTLM credential validation on a DC: who, from which client name. Status 0 is success.
    Fact f = base(e, FactKind::Logon, channel, id);
    const std::string_view status = text(e, kStatus);
    f.outcome = status == "0x0" || status == "0" || status.empty() ? "success" : "failure";
    f.user = clean(text(e, kTargetUser));
    f.workstation = clean(text(e, kWorkstation4776));
    f.extra = "NTLM";
    out.push_back(std::move(f));
  }
  if (security && (id == 4624 || id == 4625 || id == 4648)) {
    Fact f = base(e, FactKind::Logon, channel, id);
    f.outcome = id == 4625 ? "failure" : "success";
    f.user = clean(text(e, kTargetUser));
    f.domain = clean(text(e, kTargetDomain));
    f.logon_type = static_cast<int>(number(e, kLogonType));
    f.src_ip = canonical_ip(clean(text(e, kIpAddress)));
    f.workstation = clean(text(e, kWorkstation));
    f.extra = clean(text(e, kAuthPackage));
    f.detail = clean(text(e, kTargetLogonId));
    if (id == 4648) {  // explicit credentials: the subject used the target's credentials
      f.target = f.user;
      f.user = clean(text(e, kSubjectUser));
      f.object = clean(text(e, kTargetServer));
    }
    out.push_back(std::move(f));
  } else if ((security && id == 4688) || (sysmon && id == 1)) {
    Fact f = base(e, FactKind::Process, channel, id);
    if (id == 4688) {
      f.user = clean(text(e, kSubjectUser));
      f.object = clean(text(e, kNewProcessName));
      f.extra = clean(text(e, kParentProcessName));
      f.workstation = clean(text(e, kSubjectLogonId));
    } else {
      f.user = clean(text(e, kUser));
      f.object = clean(text(e, kImage));
      f.extra = clean(text(e, kParentImage));
    }
    f.detail = clean(text(e, kCommandLine));
    out.push_back(std::move(f));
  } else if ((security && (id == 5140 || id == 5145 || id == 4663)) || (sysmon && id == 11)) {
    Fact f = base(e, FactKind::FileAccess, channel, id);
    if (id == 11) {
      f.user = clean(text(e, kUser));
      f.detail = clean(text(e, kTargetFilename));
    } else {
      f.user = clean(text(e, kSubjectUser));
      f.domain = clean(text(e, kSubjectDomain));
      f.object = clean(text(e, kShareName));
      f.detail = clean(text(e, id == 4663 ? kObjectName : kRelativeTarget));
      f.src_ip = canonical_ip(clean(text(e, kIpAddress)));
      f.extra = clean(text(e, kAccessList));
      f.workstation = clean(text(e, kSubjectLogonId));
    }
    out.push_back(std::move(f));
  } else if (security && (id == 4720 || id == 4726 || id == 4728 || id == 4732 || id == 4756)) {
    Fact f = base(e, FactKind::AccountChange, channel, id);
    f.user = clean(text(e, kSubjectUser));
    f.workstation = clean(text(e, kSubjectLogonId));
    if (id == 4720 || id == 4726) {
      f.outcome = id == 4720 ? "created" : "deleted";
      f.target = clean(text(e, kTargetUser));
    } else {
      f.outcome = "group_add";
      f.object = clean(text(e, kTargetUser));  // the group
      std::string member = clean(text(e, kMemberName));
      // "CN=backup_adm,CN=Users,DC=corp" -> backup_adm
      if (member.starts_with("CN=") || member.starts_with("cn="))
        member = member.substr(
            3, member.find(',') == std::string::npos ? std::string::npos : member.find(',') - 3);
      f.target = member.empty() ? clean(text(e, kMemberSid)) : member;
    }
    out.push_back(std::move(f));
  } else if ((security && (id == 1102 || id == 4719)) || (channel == "System" && id == 104)) {
    Fact f = base(e, FactKind::Tamper, channel, id);
    f.outcome = id == 4719 ? "audit_policy_changed" : "log_cleared";
    f.user = clean(text(e, kSubjectUser));
    f.workstation = clean(text(e, kSubjectLogonId));
    if (id == 4719)
      f.detail = std::string(text(e, kPolicyChanges)) + " " + std::string(text(e, kSubcategory));
    if (id == 104) f.object = "System";
    if (id == 1102) f.object = "Security";
    out.push_back(std::move(f));
  }
}

void other(const Event& e, std::vector<Fact>& out) {
  const std::string_view product = e.logsource.product;
  const std::string_view service = e.logsource.service;
  if (product == "linux" && service == "sshd") {
    const std::string_view outcome = text(e, koutcome);
    if (outcome != "accepted" && outcome != "failed" && outcome != "invalid_user") return;
    Fact f = base(e, FactKind::Logon, "sshd", 0);
    f.outcome = outcome == "accepted" ? "success" : "failure";
    f.user = std::string(text(e, kuser));
    f.src_ip = canonical_ip(text(e, ksrc_ip));
    f.extra = std::string(text(e, kauth_method));
    f.detail = std::string(text(e, kkey));
    out.push_back(std::move(f));
  } else if (product == "linux" && service == "sudo") {
    if (text(e, koutcome) != "sudo") return;
    Fact f = base(e, FactKind::Process, "sudo", 0);
    f.user = std::string(text(e, kuser));
    f.target = std::string(text(e, ksudo_target));
    f.detail = std::string(text(e, ksudo_command));
    f.object = f.detail.substr(0, f.detail.find(' '));
    f.cwd = std::string(text(e, ksudo_pwd));
    out.push_back(std::move(f));
  } else if (product == "fortigate") {
    if (text(e, ksubtype) == "vpn") {
      Fact f = base(e, FactKind::Vpn, "fortigate:vpn", 0);
      f.outcome = std::string(text(e, kaction));
      f.user = std::string(text(e, kuser));
      f.src_ip = canonical_ip(text(e, kremip));
      f.dst_ip = canonical_ip(text(e, ktunnelip));
      f.extra = std::string(text(e, kcountry));
      f.bytes_out = number(e, ksentbyte);
      f.bytes_in = number(e, krcvdbyte);
      out.push_back(std::move(f));
    } else if (text(e, ktype) == "traffic") {
      Fact f = base(e, FactKind::Flow, "fortigate:traffic", 0);
      f.src_ip = canonical_ip(text(e, ksrcip));
      f.dst_ip = canonical_ip(text(e, kdstip));
      f.port = number(e, kdstport);
      f.outcome = std::string(text(e, kaction));
      f.bytes_out = number(e, ksentbyte);
      f.bytes_in = number(e, krcvdbyte);
      out.push_back(std::move(f));
    }
  } else if (product == "zeek" && service == "conn") {
    Fact f = base(e, FactKind::Flow, "zeek:conn", 0);
    f.host = "zeek";
    f.src_ip = canonical_ip(text(e, korig_h));
    f.dst_ip = canonical_ip(text(e, kresp_h));
    f.port = number(e, kresp_p);
    f.object = std::string(text(e, kproto));
    f.extra = std::string(text(e, kservice));
    f.outcome = std::string(text(e, kconn_state));
    f.bytes_out = number(e, korig_bytes);
    f.bytes_in = number(e, kresp_bytes);
    out.push_back(std::move(f));
  } else if (product == "zeek" && service == "dhcp") {
    const std::string_view addr = text(e, kdhcp_addr);
    address(e, text(e, kdhcp_host), addr.empty() ? text(e, kclient_addr) : addr, "DHCP", out);
  } else if (product == "m365") {
    Fact f = base(e, FactKind::Cloud, "m365", 0);
    f.host = "m365";
    f.outcome = std::string(text(e, kOperation));
    f.user = std::string(text(e, kUserId));
    f.src_ip = canonical_ip(text(e, kClientIP));
    f.object = std::string(text(e, kObjectId));
    if (f.object.empty()) f.object = std::string(text(e, kSiteUrl));
    // The mail items a MailItemsAccessed record lists: their message ids, one per line (bounded;
    // `items` keeps the whole count).
    if (const Value* ids = e.get(kMailItemIds.id); ids && f.outcome == "MailItemsAccessed") {
      if (ids->type == ValueType::Array) {
        f.items = ids->count;
        for (const Value& v : e.elements(*ids))
          if (f.object.size() + v.text.size() < kMaxMailItemText)
            f.object.append(f.object.empty() ? "" : "\n").append(v.text);
      } else if (!ids->text.empty()) {
        f.items = 1;
        f.object = std::string(ids->text.substr(0, kMaxMailItemText));
      }
    }
    f.extra = std::string(text(e, kWorkload));
    f.detail = std::string(text(e, kResultStatus));
    out.push_back(std::move(f));
  }
}

}  // namespace

void extract_facts(const Event& e, std::vector<Fact>& out) {
  if (e.logsource.product.empty())
    windows(e, out);
  else
    other(e, out);
}

void FactBatch::add(const Fact& f) {
  Row r{f.kind,      f.time_ns,  f.event_id, f.logon_type, f.port,
        f.bytes_out, f.bytes_in, f.items,    f.source,     {}};
  for (std::size_t slot = 0; slot < kFactTextSlots; ++slot) {
    text_ += f.*kFactTexts[slot];
    r.end[slot] = static_cast<std::uint32_t>(text_.size());
  }
  rows_.push_back(r);
}

Fact FactBatch::fact(std::size_t i) const {
  const Row& r = rows_[i];
  Fact f;
  f.kind = r.kind;
  f.time_ns = r.time_ns;
  f.event_id = r.event_id;
  f.logon_type = r.logon_type;
  f.port = r.port;
  f.bytes_out = r.bytes_out;
  f.bytes_in = r.bytes_in;
  f.items = r.items;
  f.source = r.source;
  for (std::size_t slot = 0; slot < kFactTextSlots; ++slot)
    f.*kFactTexts[slot] = std::string(text(i, slot));
  return f;
}

namespace {

// FortiGate's words for the VPN events the analysis reasons about.
constexpr std::array<std::pair<VpnEvent, std::string_view>, 3> kVpnWords = {{
    {VpnEvent::LoginFailed, "ssl-login-fail"},
    {VpnEvent::SessionStart, "tunnel-up"},
    {VpnEvent::SessionEnd, "tunnel-down"},
}};

}  // namespace

VpnEvent vpn_event(const Fact& f) {
  if (f.kind == FactKind::Vpn)
    for (const auto& [e, word] : kVpnWords)
      if (f.outcome == word) return e;
  return VpnEvent::Other;
}

std::string vpn_event_word(VpnEvent e) {
  for (const auto& [v, word] : kVpnWords)
    if (v == e) return std::string(word);
  return {};
}

// Any fact whose outcome is a failure or the VPN's failed login (whatever its kind, as the seeds
// have always read it).
bool failed_logon(const Fact& f) {
  return f.outcome == "failure" || f.outcome == vpn_event_word(VpnEvent::LoginFailed);
}

bool failed_cloud_sign_in(const Fact& f) {
  return f.kind == FactKind::Cloud && f.outcome == "UserLoginFailed";
}

std::string describe(const Fact& f) {
  switch (f.kind) {
    case FactKind::Logon:
      if (f.channel == "sshd")
        return "SSH " + std::string(f.outcome == "success" ? "login" : "failed login") + " by " +
               f.user + " from " + f.src_ip + " on " + f.host +
               (f.detail.empty() ? "" : " (key " + f.detail + ")");
      return std::to_string(f.event_id) + " logon type " + std::to_string(f.logon_type) + " by " +
             f.user + (f.src_ip.empty() ? "" : " from " + f.src_ip) +
             (f.workstation.empty() ? "" : " (" + f.workstation + ")") + " on " + f.host;
    case FactKind::Process:
      if (f.channel == "sudo") return "sudo by " + f.user + " on " + f.host + ": " + f.detail;
      return "process " + f.object + " by " + f.user + " on " + f.host +
             (f.detail.empty() ? "" : ": " + f.detail);
    case FactKind::FileAccess:
      return std::to_string(f.event_id) + " " + f.object + "\\" + f.detail + " by " + f.user +
             (f.src_ip.empty() ? "" : " from " + f.src_ip) + " on " + f.host;
    case FactKind::Flow:
      return "flow " + f.src_ip + " -> " + f.dst_ip + ":" + std::to_string(f.port) + ", " +
             std::to_string(f.bytes_out) + " bytes out";
    case FactKind::Vpn:
      return "VPN " + f.outcome + " for " + f.user + " from " + f.src_ip +
             (f.extra.empty() ? "" : " (" + f.extra + ")") +
             (f.dst_ip.empty() ? "" : ", tunnel address " + f.dst_ip);
    case FactKind::AccountChange:
      if (f.outcome == "group_add")
        return std::to_string(f.event_id) + " " + f.target + " added to " + f.object + " by " +
               f.user + " on " + f.host;
      return std::to_string(f.event_id) + " account " + f.target + " " + f.outcome + " by " +
             f.user + " on " + f.host;
    case FactKind::Tamper:
      return std::to_string(f.event_id) + " " + f.outcome + " by " + f.user + " on " + f.host;
    case FactKind::Cloud:
      return f.extra + " " + f.outcome + " by " + f.user + " from " + f.src_ip +
             (f.object.empty() ? "" : ": " + f.object);
    case FactKind::Address:
      return f.object + " had " + f.src_ip + " (" + f.outcome + ")";
  }
  return {};
}

DetectionAddresses detection_addresses(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  DetectionAddresses out;
  for (const auto& [k, v] : fields) {
    if (k == "EventID" && (v == "1102" || v == "104" || v == "4719")) out.tampering = true;
    if (k == "remip" || k == "src_ip" || k == "IpAddress" || k == "ClientIP" || k == "srcip")
      out.sources.push_back(canonical_ip(v));
    if (k == "id.resp_h" || k == "dstip") out.destinations.push_back(canonical_ip(v));
  }
  return out;
}

bool flow_source(std::string_view source) {
  return source == "zeek:conn" || source == "fortigate:traffic";
}

bool cloud_audit_source(std::string_view source) {
  return source.starts_with("m365");
}

bool machine_stream(const Stream& s) {
  return s.host != "zeek" && s.host != "m365";
}

StreamOf stream_of(const Event& e) {
  StreamOf s;
  if (e.logsource.product.empty()) {
    s.host = host_name(e);
    s.source = std::string(text(e, kChannel));
    const std::int64_t r = number(e, kRecord);
    s.record = r > 0 ? static_cast<std::uint64_t>(r) : 0;
  } else {
    s.host = host_name(e);
    if (e.logsource.product == "zeek" || e.logsource.product == "m365")
      s.host = std::string(e.logsource.product);
    s.source = std::string(e.logsource.product);
    // A Linux host's syslog is one stream whatever the program: sshd alone may be quiet for days.
    if (e.logsource.product == "linux")
      s.source = "linux:syslog";
    else if (!e.logsource.service.empty())
      (s.source += ':') += e.logsource.service;
  }
  return s;
}

void Coverage::add(const StreamOf& s, std::int64_t time_ns, int event_id) {
  auto [it, fresh] = streams_.try_emplace({s.host, s.source});
  Pending& p = it->second;
  if (fresh) {
    p.stream.host = s.host;
    p.stream.source = s.source;
  }
  add_to(p, s.record, time_ns, event_id);
}

void Coverage::add_event(const Event& e, int event_id) {
  const std::string_view product = e.logsource.product, service = e.logsource.service;
  std::string_view host = text(e, kComputer);
  if (host.empty()) host = text(e, kHost);
  if (host.empty()) host = text(e, kdevname);
  const std::string_view channel = product.empty() ? text(e, kChannel) : std::string_view();
  if (!last_.pending || product != last_.product || service != last_.service ||
      host != last_.host || channel != last_.channel) {
    const StreamOf s = stream_of(e);
    if (s.source.empty()) return;  // as add() is never called for an event of no source
    auto [it, fresh] = streams_.try_emplace({s.host, s.source});
    if (fresh) {
      it->second.stream.host = s.host;
      it->second.stream.source = s.source;
    }
    last_.product = product;
    last_.service = service;
    last_.host = host;
    last_.channel = channel;
    last_.pending = &it->second;
  }
  std::uint64_t record = 0;
  if (product.empty()) {
    const std::int64_t r = number(e, kRecord);
    record = r > 0 ? static_cast<std::uint64_t>(r) : 0;
  }
  add_to(*last_.pending, record, e.time_ns, event_id);
}

void Coverage::add_to(Pending& p, std::uint64_t record, std::int64_t time_ns, int event_id) {
  ++p.stream.events;
  if (event_id) ++p.stream.event_ids[event_id];
  p.times.push_back(time_ns);
  if (record) p.records.emplace_back(record, time_ns);
  if (p.times.size() + p.records.size() >= 65536) compact(p);
}

void Coverage::compact(Pending& p) const {
  // Points and intervals merge the same way: sort by start, join when closer than the threshold.
  std::vector<Interval> iv = std::move(p.stream.active);
  for (std::int64_t t : p.times) iv.push_back({t, t});
  p.times.clear();
  std::sort(iv.begin(), iv.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> merged;
  for (const Interval& i : iv) {
    if (!merged.empty() && i.start - merged.back().end <= threshold_)
      merged.back().end = std::max(merged.back().end, i.end);
    else
      merged.push_back(i);
  }
  p.stream.active = std::move(merged);

  std::vector<RecordRun> runs = std::move(p.stream.records);
  for (auto [r, t] : p.records) runs.push_back({r, r, t, t});
  p.records.clear();
  std::sort(runs.begin(), runs.end(),
            [](const RecordRun& a, const RecordRun& b) { return a.first < b.first; });
  std::vector<RecordRun> joined;
  for (const RecordRun& r : runs) {
    if (!joined.empty() && r.first <= joined.back().last + 1) {
      if (r.last > joined.back().last) {
        joined.back().last = r.last;
        joined.back().last_time = r.last_time;
      }
    } else {
      joined.push_back(r);
    }
  }
  p.stream.records = std::move(joined);
}

void Coverage::merge(Coverage& other) {
  last_.pending = nullptr;
  other.last_.pending = nullptr;
  for (auto& [key, theirs] : other.streams_) {
    compact(theirs);
    auto [it, fresh] = streams_.try_emplace(key);
    Pending& mine = it->second;
    if (fresh) {
      mine.stream.host = theirs.stream.host;
      mine.stream.source = theirs.stream.source;
    }
    mine.stream.events += theirs.stream.events;
    for (auto [id, n] : theirs.stream.event_ids) mine.stream.event_ids[id] += n;
    mine.stream.active.insert(mine.stream.active.end(), theirs.stream.active.begin(),
                              theirs.stream.active.end());
    mine.stream.records.insert(mine.stream.records.end(), theirs.stream.records.begin(),
                               theirs.stream.records.end());
    compact(mine);
  }
  other.streams_.clear();
}

std::vector<Stream> Coverage::streams() {
  std::vector<Stream> out;
  for (auto& [key, p] : streams_) {
    compact(p);
    out.push_back(p.stream);
  }
  return out;
}

}  // namespace tansa::investigate
