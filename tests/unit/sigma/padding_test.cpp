// Windows pads some values with trailing blanks (LogonProcessName "NtLmSsp ", "Advapi  "). Read
// from EVTX they lose the padding, as evtx_dump gives them, so SigmaHQ's rules written for the
// trimmed text fire: pass-the-hash (NtLmSsp) and access token abuse (Advapi), on 4624 records
// shaped as Windows writes them. The rules come from ../shared/sigmahq (skipped when absent).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "evtx/writer.h"
#include "tansa/sigma.h"

namespace tansa {
namespace {

namespace fs = std::filesystem;
using evtx::WValue;

std::string sigmahq() {
  if (const char* env = std::getenv("TANSA_SIGMAHQ")) return env;
  return TANSA_SIGMAHQ_DIR;
}

evtx::EventSpec logon(int type, const std::string& process, const std::string& package,
                      const std::string& impersonation) {
  evtx::EventSpec e;
  e.event_id = 4624;
  e.time = evtx::make_filetime(2024, 1, 5, 3, 0, 0);
  e.data = {{"SubjectUserSid", WValue::sid("S-1-0-0")},
            {"SubjectUserName", WValue::str("-")},
            {"TargetUserName", WValue::str("administrator")},
            {"TargetDomainName", WValue::str("CORP")},
            {"LogonType", WValue::u32(static_cast<std::uint32_t>(type))},
            {"LogonProcessName", WValue::str(process)},
            {"AuthenticationPackageName", WValue::str(package)},
            {"WorkstationName", WValue::str("WKS07")},
            {"KeyLength", WValue::u32(0)},
            {"IpAddress", WValue::str("10.0.4.17")},
            {"ImpersonationLevel", WValue::str(impersonation)}};
  return e;
}

// The ids of the rules in `files` that fire on each record of an EVTX image.
std::vector<std::vector<std::string>> fired(const std::vector<std::string>& files,
                                            const std::vector<evtx::EventSpec>& events,
                                            std::vector<std::string>* process_names = nullptr) {
  sigma::Options o;
  auto loaded = sigma::load_rules(files, o);
  EXPECT_TRUE(loaded.rejected.empty());
  std::vector<sigma::Rejection> rejected;
  auto set = sigma::RuleSet::compile(loaded.rules, o, rejected);
  sigma::Matcher m(*set);
  evtx::EvtxWriter w;
  for (const auto& e : events) w.add(e);
  const auto bytes = w.finish();
  std::vector<std::vector<std::string>> out;
  evtx::ReadCallbacks cb;
  cb.on_event = [&](const Event& e) {
    std::vector<std::uint32_t> hits;
    m.match(e, hits);
    out.emplace_back();
    for (auto h : hits) out.back().push_back(set->rules()[h].id);
    if (process_names)
      if (const Value* v = e.get(field_id("LogonProcessName"))) process_names->emplace_back(v->text);
  };
  EXPECT_TRUE(evtx::read_bytes(bytes, "padded.evtx", {}, cb).has_value());
  return out;
}

TEST(Padding, SigmaHqRulesForTrimmedValuesFireOnPaddedRecords) {
  const std::string dir = sigmahq() + "/rules/windows/builtin/security/account_management/";
  const std::string pth = dir + "win_security_pass_the_hash_2.yml";
  const std::string token = dir + "win_security_access_token_abuse.yml";
  if (!fs::exists(pth) || !fs::exists(token)) GTEST_SKIP() << "SigmaHQ rules not found in " << dir;
  std::vector<std::string> names;
  const auto hits = fired({pth, token},
                          {logon(3, "NtLmSsp ", "NTLM", "%%1833"),
                           logon(9, "Advapi  ", "Negotiate", "%%1833"),
                           logon(3, "Kerberos", "Kerberos", "%%1833"),
                           logon(9, "Advapi  ", "Negotiate", "%%1832")},
                          &names);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0], std::vector<std::string>{"8eef149c-bd26-49f2-9e5a-9b00e3af499b"});
  EXPECT_EQ(hits[1], std::vector<std::string>{"02f7c9c1-1ae8-4c6a-8add-04693807f92f"});
  EXPECT_TRUE(hits[2].empty());  // a Kerberos network logon is neither
  EXPECT_TRUE(hits[3].empty());  // identification, not impersonation
  EXPECT_EQ(names, (std::vector<std::string>{"NtLmSsp", "Advapi", "Kerberos", "Advapi"}));
}

TEST(Padding, OnlyTrailingSpacesGo) {
  std::vector<std::string> names;
  (void)fired({}, {logon(3, "  lead and trail  ", "NTLM", "x"), logon(3, "tab\t", "NTLM", "x"),
                   logon(3, "    ", "NTLM", "x")},
              &names);
  EXPECT_EQ(names, (std::vector<std::string>{"  lead and trail", "tab\t", ""}));
}

}  // namespace
}  // namespace tansa
