// Sigma engine throughput: events/s on one core with the whole SigmaHQ rule set, for the
// compiled engine (Channel/EventID index + literal prefilter), the index alone, and the baseline
// that evaluates every rule on every event, all in the same run on the same events in memory.
// Also checks that the three agree on every detection.
//
//   build/bench/sigma_bench [SIGMAHQ_DIR] [EVENTS] [EXTRA.evtx ...]
//
// Events: the Windows JSON twins of SigmaHQ's regression data (all malicious-looking) plus the
// records of any EVTX files given, repeated round-robin up to EVENTS (default 200000).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "formats/windows_json.h"
#include "sigma/compiler.h"
#include "tansa/sigma.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Everyday Windows activity, built in memory with the field names the readers give: logons,
// process starts of common programs, network connections, file and registry writes, image loads,
// PowerShell script blocks. Deterministic. Real logs are overwhelmingly like this, so this is the
// load that decides a hunt's speed; the regression twins (all attacks) are the worst case.
std::vector<tansa::Event> benign_events(std::size_t n) {
  static const char* kImages[] = {
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
      "C:\\Windows\\explorer.exe",
      "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
      "C:\\Windows\\System32\\SearchIndexer.exe",
      "C:\\Windows\\System32\\taskhostw.exe",
      "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
      "C:\\Windows\\System32\\backgroundTaskHost.exe",
      "C:\\Windows\\System32\\RuntimeBroker.exe",
      "C:\\Program Files\\Windows Defender\\MsMpEng.exe"};
  static const char* kUsers[] = {"CORP\\tanaka", "CORP\\suzuki", "NT AUTHORITY\\SYSTEM",
                                 "CORP\\sato", "NT AUTHORITY\\LOCAL SERVICE"};
  std::vector<tansa::Event> out;
  auto f = [](const char* name) { return tansa::field_id(name); };
  const char* sysmon = "Microsoft-Windows-Sysmon/Operational";
  for (std::size_t i = 0; i < n; ++i) {
    tansa::Event e;
    const std::string img = kImages[i % 10];
    const std::string user = kUsers[(i / 10) % 5];
    const std::string host = "WS-" + std::to_string(100 + i % 37) + ".corp.example.com";
    const std::string guid =
        "{6f1a2b3c-" + std::to_string(1000 + i % 9000) + "-4d5e-8f90-0123456789ab}";
    const std::string utc = "2024-01-05 03:" + std::to_string(10 + i % 50) + ":44.123";
    switch (i % 10) {
      case 0:
      case 1: {  // Security logon
        e.add_string(f("Channel"), "Security");
        e.add_int(f("EventID"), i % 10 == 0 ? 4624 : 4634);
        e.add_string(f("Provider_Name"), "Microsoft-Windows-Security-Auditing");
        e.add_string(f("Computer"), host);
        e.add_string(f("SubjectUserSid"), "S-1-5-18");
        e.add_string(f("SubjectUserName"), "WS-01$");
        e.add_string(f("SubjectDomainName"), "CORP");
        e.add_string(f("SubjectLogonId"), "0x3e7");
        e.add_string(f("TargetUserSid"), "S-1-5-21-1-2-3-" + std::to_string(1100 + i % 50));
        e.add_string(f("TargetUserName"), user.substr(user.find('\\') + 1));
        e.add_string(f("TargetDomainName"), "CORP");
        e.add_string(f("TargetLogonId"), "0x" + std::to_string(100000 + i));
        e.add_int(f("LogonType"), i % 3 == 0 ? 3 : 2);
        e.add_string(f("LogonProcessName"), "Kerberos");
        e.add_string(f("AuthenticationPackageName"), "Kerberos");
        e.add_string(f("WorkstationName"), "-");
        e.add_string(f("IpAddress"),
                     "10.1." + std::to_string(i % 200) + "." + std::to_string(i % 250));
        e.add_string(f("IpPort"), std::to_string(49152 + i % 10000));
        e.add_string(f("ProcessName"), "-");
        break;
      }
      case 2:
      case 3: {  // process start
        e.add_string(f("Channel"), sysmon);
        e.add_int(f("EventID"), 1);
        e.add_string(f("Provider_Name"), "Microsoft-Windows-Sysmon");
        e.add_string(f("Computer"), host);
        e.add_string(f("RuleName"), "-");
        e.add_string(f("UtcTime"), utc);
        e.add_string(f("ProcessGuid"), guid);
        e.add_int(f("ProcessId"), static_cast<std::int64_t>(1000 + i % 30000));
        e.add_string(f("Image"), img);
        e.add_string(f("FileVersion"), "10.0.19041.1");
        e.add_string(f("Description"), "Host Process");
        e.add_string(f("Product"), "Microsoft Windows Operating System");
        e.add_string(f("Company"), "Microsoft Corporation");
        e.add_string(f("OriginalFileName"), img.substr(img.rfind('\\') + 1));
        e.add_string(f("CommandLine"), "\"" + img + "\" --type=renderer --field-trial-handle=" +
                                           std::to_string(i % 977) +
                                           " --lang=ja --enable-features=NetworkService");
        e.add_string(f("CurrentDirectory"), "C:\\Windows\\system32\\");
        e.add_string(f("User"), user);
        e.add_string(f("LogonGuid"), guid);
        e.add_string(f("LogonId"), "0x3e7");
        e.add_int(f("TerminalSessionId"), 1);
        e.add_string(f("IntegrityLevel"), "Medium");
        e.add_string(f("Hashes"),
                     "SHA256=4A1F0C3E0000400080000000000000010000000000000000000000000000" +
                         std::to_string(i % 90 + 10) + ",IMPHASH=0000000000000000000000000000" +
                         std::to_string(i % 9000 + 1000));
        e.add_string(f("ParentProcessGuid"), guid);
        e.add_int(f("ParentProcessId"), 888);
        e.add_string(f("ParentImage"), "C:\\Windows\\explorer.exe");
        e.add_string(f("ParentCommandLine"), "C:\\Windows\\Explorer.EXE");
        e.add_string(f("ParentUser"), user);
        break;
      }
      case 4: {  // network connection
        e.add_string(f("Channel"), sysmon);
        e.add_int(f("EventID"), 3);
        e.add_string(f("Computer"), host);
        e.add_string(f("UtcTime"), utc);
        e.add_string(f("ProcessGuid"), guid);
        e.add_string(f("Image"), img);
        e.add_string(f("User"), user);
        e.add_string(f("Protocol"), "tcp");
        e.add_string(f("Initiated"), "true");
        e.add_string(f("SourceIsIpv6"), "false");
        e.add_string(f("SourceIp"), "10.1.2." + std::to_string(i % 250));
        e.add_string(f("SourcePort"), std::to_string(49152 + i % 10000));
        e.add_string(f("DestinationIp"), "142.250." + std::to_string(i % 200) + ".14");
        e.add_string(f("DestinationHostname"), "www.example.com");
        e.add_string(f("DestinationPort"), "443");
        e.add_string(f("DestinationPortName"), "https");
        break;
      }
      case 5:
      case 6: {  // file create
        e.add_string(f("Channel"), sysmon);
        e.add_int(f("EventID"), 11);
        e.add_string(f("Computer"), host);
        e.add_string(f("UtcTime"), utc);
        e.add_string(f("ProcessGuid"), guid);
        e.add_string(f("Image"), img);
        e.add_string(
            f("TargetFilename"),
            "C:\\Users\\tanaka\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\f_" +
                std::to_string(i % 100000));
        e.add_string(f("CreationUtcTime"), utc);
        e.add_string(f("User"), user);
        break;
      }
      case 7: {  // registry value set
        e.add_string(f("Channel"), sysmon);
        e.add_int(f("EventID"), 13);
        e.add_string(f("Computer"), host);
        e.add_string(f("EventType"), "SetValue");
        e.add_string(f("UtcTime"), utc);
        e.add_string(f("ProcessGuid"), guid);
        e.add_string(f("Image"), img);
        e.add_string(f("TargetObject"),
                     "HKU\\S-1-5-21-1-2-3-1104\\Software\\Microsoft\\Office\\16."
                     "0\\Common\\Roaming\\Identities\\" +
                         std::to_string(i % 1000));
        e.add_string(f("Details"), "DWORD (0x00000001)");
        e.add_string(f("User"), user);
        break;
      }
      case 8: {  // image load
        e.add_string(f("Channel"), sysmon);
        e.add_int(f("EventID"), 7);
        e.add_string(f("Computer"), host);
        e.add_string(f("UtcTime"), utc);
        e.add_string(f("Image"), img);
        e.add_string(f("ImageLoaded"), "C:\\Windows\\System32\\combase.dll");
        e.add_string(f("FileVersion"), "10.0.19041.1");
        e.add_string(f("Description"), "Microsoft COM for Windows");
        e.add_string(f("Product"), "Microsoft Windows Operating System");
        e.add_string(f("Company"), "Microsoft Corporation");
        e.add_string(f("OriginalFileName"), "COMBASE.DLL");
        e.add_string(f("Hashes"),
                     "SHA256=00000000000000000000000000000000000000000000000000000000000000AA");
        e.add_string(f("Signed"), "true");
        e.add_string(f("Signature"), "Microsoft Windows");
        e.add_string(f("SignatureStatus"), "Valid");
        e.add_string(f("User"), user);
        break;
      }
      default: {  // PowerShell script block
        e.add_string(f("Channel"), "Microsoft-Windows-PowerShell/Operational");
        e.add_int(f("EventID"), 4104);
        e.add_string(f("Computer"), host);
        e.add_int(f("MessageNumber"), 1);
        e.add_int(f("MessageTotal"), 1);
        e.add_string(f("ScriptBlockText"), "Get-ChildItem -Path C:\\Reports\\" +
                                               std::to_string(i % 500) +
                                               " | Where-Object { $_.Length -gt 1024 } | "
                                               "Select-Object Name, Length | Export-Csv out.csv");
        e.add_string(f("ScriptBlockId"), guid);
        e.add_string(f("Path"), "C:\\Scripts\\report.ps1");
        break;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

struct Run {
  double seconds = 0;
  std::uint64_t evaluated = 0;
  std::vector<std::vector<std::uint32_t>> hits;
};

Run run(const tansa::sigma::RuleSet& set, const std::vector<tansa::Event>& events, std::size_t n,
        bool keep) {
  Run r;
  tansa::sigma::Matcher m(set);
  std::vector<std::uint32_t> hits;
  hits.reserve(64);
  std::uint64_t total = 0;
  // Warm-up pass over the distinct events so every scratch buffer has its final size.
  for (const auto& e : events) {
    hits.clear();
    m.match(e, hits);
  }
  const std::uint64_t warm = m.evaluated();
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    hits.clear();
    m.match(events[i % events.size()], hits);
    total += hits.size();
    if (keep && i < events.size()) r.hits.push_back(hits);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.evaluated = m.evaluated() - warm;
  if (total == 0) std::fprintf(stderr, "warning: no detections at all\n");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : TANSA_SIGMAHQ_DIR;
  const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
  if (!fs::exists(root + "/rules")) {
    std::fprintf(stderr, "SigmaHQ rules not found at %s\n", root.c_str());
    return 2;
  }
  std::vector<tansa::Event> events;
  std::mutex mu;
  for (auto& e : fs::recursive_directory_iterator(root + "/regression_data")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    (void)tansa::formats::read_windows_json(
        ss.str(), e.path().string(), 0,
        [&](const tansa::Event& ev) { events.push_back(ev.clone()); },
        [](const tansa::Diagnostic&) {});
  }
  for (int i = 3; i < argc; ++i) {
    tansa::evtx::ReadCallbacks cb;
    cb.on_event = [&](const tansa::Event& ev) {
      std::lock_guard lock(mu);
      events.push_back(ev.clone());
    };
    if (auto r = tansa::evtx::read_file(argv[i], {}, cb); !r)
      std::fprintf(stderr, "%s: %s\n", argv[i], r.error().c_str());
  }
  if (events.empty()) return 2;

  const auto l0 = Clock::now();
  tansa::sigma::Options full;
  auto loaded = tansa::sigma::load_rules(
      {root + "/rules", root + "/rules-emerging-threats", root + "/rules-threat-hunting"}, full);
  std::vector<tansa::sigma::Rejection> rej;
  auto compiled = tansa::sigma::RuleSet::compile(loaded.rules, full, rej);
  const double load_s = std::chrono::duration<double>(Clock::now() - l0).count();
  tansa::sigma::Options index_only = full;
  index_only.prefilter = false;
  tansa::sigma::Options baseline = index_only;
  baseline.index = false;
  auto idx = tansa::sigma::RuleSet::compile(loaded.rules, index_only, rej);
  auto base = tansa::sigma::RuleSet::compile(loaded.rules, baseline, rej);

  const std::size_t variants = compiled->compiled().variants.size();
  std::printf("rules: %zu compiled (%zu variants, %u prefilter literals) in %.2f s\n",
              compiled->size(), variants, compiled->compiled().literal_count, load_s);
  std::size_t mismatches = 0;
  auto corpus = [&](const char* title, const std::vector<tansa::Event>& evs) {
    std::printf("\n%s: %zu distinct events, %zu matched per mode\n", title, evs.size(), n);
    const Run a = run(*compiled, evs, n, true);
    if (std::getenv("TANSA_BENCH_COMPILED_ONLY")) {
      std::printf("compiled: %.0f events/s, %.1f variants evaluated per event\n",
                  static_cast<double>(n) / a.seconds,
                  static_cast<double>(a.evaluated) / static_cast<double>(n));
      return;
    }
    const Run b = run(*idx, evs, n, true);
    const std::size_t nb =
        std::max<std::size_t>(std::min(evs.size(), n), n / 20);  // the baseline is slow
    const Run c = run(*base, evs, nb, true);
    std::size_t differ = 0, hits = 0;
    for (std::size_t i = 0; i < std::min(a.hits.size(), c.hits.size()); ++i) {
      hits += a.hits[i].size();
      if (a.hits[i] != b.hits[i] || a.hits[i] != c.hits[i]) ++differ;
    }
    mismatches += differ;
    std::map<std::uint32_t, std::size_t> per_rule;
    for (const auto& h : a.hits)
      for (auto r : h) ++per_rule[r];
    for (const auto& [r, k] : per_rule)
      if (k * 20 >= evs.size())
        std::printf("  (fires on %zu of them: %s)\n", k, compiled->rules()[r].title.c_str());
    auto line = [&](const char* name, const Run& r, std::size_t count) {
      const double eps = static_cast<double>(count) / r.seconds;
      std::printf("  %-36s %10.0f events/s  %6.2f%% of rule variants evaluated per event (%.1f)\n",
                  name, eps,
                  100.0 * static_cast<double>(r.evaluated) /
                      (static_cast<double>(count) * static_cast<double>(variants)),
                  static_cast<double>(r.evaluated) / static_cast<double>(count));
      return eps;
    };
    const double ea = line("compiled (index + prefilter)", a, n);
    const double eb = line("index only", b, n);
    const double ec = line("baseline (every rule, every event)", c, nb);
    std::printf(
        "  speed-up over baseline: %.1fx (index only %.1fx); detections on the %zu distinct "
        "events: %zu, "
        "differing between modes: %zu\n",
        ea / ec, eb / ec, std::min(a.hits.size(), c.hits.size()), hits, differ);
  };
  corpus("Everyday Windows activity (built in memory)", benign_events(20000));
  corpus("SigmaHQ regression twins (every event an attack)", events);
  return mismatches == 0 ? 0 : 1;
}
