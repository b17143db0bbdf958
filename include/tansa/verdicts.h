// The investigation's words for its answers, shared by the analysis (src/investigate), the report
// writers (src/report) and the simulator's truth (src/simulate), so that each is written in one
// place and compared as a value, never as text spelled again in another file.
//
// Each enum has one `to_string` (the word the reports and truth.json carry, which never changes
// for a value) and `parse<E>`, its inverse: nullopt for text that is none of the words.
// Header-only: the simulator links neither the analysis nor the report writers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tansa {

// Was there unauthorized access?
enum class Access : std::uint8_t { Yes, No, Undetermined };

// A sensitive asset: `not_accessed` only when the log that would show an access covers every
// interval the intruder was active in; anything short of that is `undetermined`.
enum class AssetVerdict : std::uint8_t { Accessed, NotAccessed, Undetermined };

// The attacker's claim of what it took, against the egress observed.
enum class ClaimVerdict : std::uint8_t { Consistent, Inconsistent, Undetermined };

// Who tampered with a log: the intruder, an administrator (from an admin host), or nobody known.
enum class Attribution : std::uint8_t { Intruder, Admin, Unexplained };

// A hole in a log: an unusual silence, or record ids that are missing.
enum class GapKind : std::uint8_t { Silence, RecordsMissing };

// How an intruder got in, per wave (report.json `initial_access`; docs/investigate.md).
enum class EntryVector : std::uint8_t {
  VpnPasswordGuessing,  // failed VPN logins, then a success
  VpnValidAccount,      // a session with a valid account, no guessing before it
  VpnApplianceExploit,  // signs on the appliance itself before the first session
  SshPasswordGuessing,
  SshValidAccount,  // including a key never seen for the account
  RdpExposed,       // a remote-desktop (or network) logon from a public address
  CloudAccount,     // a cloud sign-in from a new address that leads the wave
  Unknown,          // certain intrusion, but no log shows its start
};

// A condition the logs show that let the intruder in, move, or stay unseen (`weaknesses`).
enum class WeaknessKind : std::uint8_t {
  GuessingNotStopped,      // many failures for an account, then a success, no lockout
  ServiceAccountAccess,    // a service or shared account used for interactive, SSH or VPN access
  ReplicationRights,       // directory replication by an account that is not a DC (DCSync)
  Rc4ServiceTickets,       // RC4 service tickets issued in bulk (Kerberoasting)
  AdminOutsideAdminHosts,  // administrators logging on from hosts outside admin_hosts
  FileAuditingMissing,     // a sensitive asset's host logs no file access
  LogsStartLate,           // a log starts after the intrusion began (retention < dwell)
  TamperingUnnoticed,      // a log cleared or audit policy changed, and the intrusion went on
  FlowLogsMissing,         // no flow log covers the hosts the intruder held
  UnseenDwell,             // how long it went unseen, against the first strong detection
};

// Whether a weakness of this kind says there was an intrusion. Missing auditing and missing flow
// logs do not: they are reported with no intrusion too.
constexpr bool claims_intrusion(WeaknessKind k) {
  return k != WeaknessKind::FileAuditingMissing && k != WeaknessKind::FlowLogsMissing;
}

namespace verdicts_detail {

template <class E>
struct Words;
template <>
struct Words<Access> {
  static constexpr std::array<std::string_view, 3> kWords = {"yes", "no", "undetermined"};
};
template <>
struct Words<AssetVerdict> {
  static constexpr std::array<std::string_view, 3> kWords = {"accessed", "not_accessed",
                                                             "undetermined"};
};
template <>
struct Words<ClaimVerdict> {
  static constexpr std::array<std::string_view, 3> kWords = {"consistent", "inconsistent",
                                                             "undetermined"};
};
template <>
struct Words<Attribution> {
  static constexpr std::array<std::string_view, 3> kWords = {"intruder", "admin", "unexplained"};
};
template <>
struct Words<GapKind> {
  static constexpr std::array<std::string_view, 2> kWords = {"silence", "records_missing"};
};

template <>
struct Words<EntryVector> {
  static constexpr std::array<std::string_view, 8> kWords = {
      "vpn_password_guessing", "vpn_valid_account",
      "vpn_appliance_exploit", "ssh_password_guessing",
      "ssh_valid_account",     "rdp_exposed",
      "cloud_account",         "unknown"};
};
template <>
struct Words<WeaknessKind> {
  static constexpr std::array<std::string_view, 10> kWords = {
      "guessing_not_stopped", "service_account_access",    "replication_rights",
      "rc4_service_tickets",  "admin_outside_admin_hosts", "file_auditing_missing",
      "logs_start_late",      "tampering_unnoticed",       "flow_logs_missing",
      "unseen_dwell"};
};

template <class E>
constexpr std::string_view word(E e) {
  const auto i = static_cast<std::size_t>(e);
  return i < Words<E>::kWords.size() ? Words<E>::kWords[i] : std::string_view("?");
}

}  // namespace verdicts_detail

constexpr std::string_view to_string(Access v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(AssetVerdict v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(ClaimVerdict v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(Attribution v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(GapKind v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(EntryVector v) {
  return verdicts_detail::word(v);
}
constexpr std::string_view to_string(WeaknessKind v) {
  return verdicts_detail::word(v);
}

// parse<AssetVerdict>("not_accessed") == AssetVerdict::NotAccessed; unknown text gives nullopt.
template <class E>
constexpr std::optional<E> parse(std::string_view s) {
  const auto& words = verdicts_detail::Words<E>::kWords;
  for (std::size_t i = 0; i < words.size(); ++i)
    if (words[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

static_assert(to_string(AssetVerdict::NotAccessed) == "not_accessed");
static_assert(parse<GapKind>("records_missing") == GapKind::RecordsMissing);
static_assert(!parse<Access>("maybe"));
static_assert(to_string(EntryVector::Unknown) == "unknown");
static_assert(to_string(WeaknessKind::UnseenDwell) == "unseen_dwell");

}  // namespace tansa
