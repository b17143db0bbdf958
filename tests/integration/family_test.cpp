// The seeded family end to end: for seeds 1..50, `tansa simulate --seed N` then `tansa
// investigate`, and every answer compared with the seed's truth.json, field by field (the fields
// the scenario test compares; assets one by one). The analysis does not yet get every seed right:
// the pairs it gets wrong are listed in family_known_misses.txt, which may only shrink. So:
//  (a) a field not in that list must match;
//  (b) a listed pair that now matches fails too, until it is removed from the list;
//  (c) always, list or not: no asset is not_accessed unless the coverage the report gives for it
//      spans the intrusion (first_malicious to last_malicious), or the input without one.
// TANSA_FAMILY_MISSES_OUT=FILE writes the pairs that differ today (to regenerate the list).
// And the same seed writes the same files on every run.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "report_test_util.h"

namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using tansa::testing::sh;
using tansa::testing::slurp;
using tansa::testing::str;
using tansa::testing::word_text;

const std::string kBin = TANSA_BINARY;
const fs::path kMisses = fs::path(TANSA_SOURCE_DIR) / "tests/integration/family_known_misses.txt";
constexpr int kSeeds = 50;

// A set of values, printed sorted, one string to compare.
std::string joined(const std::multiset<std::string>& s) {
  std::string o = "[";
  for (const auto& v : s) o += (o.size() > 1 ? ", " : "") + v;
  return o + "]";
}
template <class F>
std::string each(element list, F f) {
  std::multiset<std::string> out;
  if (list.is_array())
    for (element e : list.get_array()) out.insert(f(e));
  return joined(out);
}
std::string strings(element list) {
  return each(list, [](element e) { return str(e); });
}
std::string field(element list, const char* key) {
  return each(list, [&](element e) { return str(e[key]); });
}
std::string edges(element list) {
  return each(list, [](element e) {
    return str(e["from_host"]) + " -> " + str(e["to_host"]) + " as " + str(e["account"]) +
           " type " + str(e["logon_type"]) + " at " + str(e["first_time"]);
  });
}
std::string kinds(element list) {
  return each(list, [](element e) { return str(e["kind"]) + " on " + str(e["host"]); });
}
// Each wave's way in: when, how, through which host, as whom, from where.
std::string entries(element list) {
  return each(list, [](element e) {
    return str(e["time"]) + " " + str(e["vector"]) + " via " + str(e["via_host"]) + " as " +
           str(e["account"]) + " from " + str(e["source"]["address"]);
  });
}
// The weakness kinds: the report's, and separately those it gives without evidence.
std::string weakness_kinds(element list, bool report) {
  return each(list, [&](element e) {
    if (!report) return str(e);
    return str(e["kind"]) + (e["evidence"].get_array().size() ? "" : " (no evidence)");
  });
}
std::string spans(element list) {
  return each(list, [](element e) {
    return str(e["host"]) + " " + str(e["source"]) + " " + str(e["first"]) + " " + str(e["last"]);
  });
}

// field name -> {truth, report}, as text.
using Answers = std::map<std::string, std::pair<std::string, std::string>>;

void countries(element truth, element report, Answers& out) {
  std::multiset<std::string> want, got;
  for (auto [ip, c] : truth["source_countries"].get_object())
    want.insert(std::string(ip) + "=" + str(c));
  for (element s : report["sources"].get_array())
    if (truth["source_countries"][str(s["address"])].error() == simdjson::SUCCESS)
      got.insert(str(s["address"]) + "=" + str(s["country"]));
  out["source_countries"] = {joined(want), joined(got)};
}

void assets(element truth, element report, Answers& out) {
  std::map<std::string, std::string> got;
  for (element a : report["assets"].get_array())
    got[str(a["name"])] = word_text<tansa::AssetVerdict>(a["verdict"]);
  for (auto [k, v] : truth["assets"].get_object()) {
    const std::string name(k);
    out["assets." + name] = {word_text<tansa::AssetVerdict>(v),
                             got.contains(name) ? got[name] : "(missing)"};
    got.erase(name);
  }
  for (const auto& [name, v] : got) out["assets." + name] = {"(none)", v};
}

void egress(element truth, element report, Answers& out) {
  out["egress.total_bytes"] = {str(truth["egress"]["total_bytes"]),
                               str(report["egress"]["total_bytes"])};
  std::multiset<std::string> want, got;
  for (auto [ip, b] : truth["egress"]["destinations"].get_object())
    want.insert(std::string(ip) + "=" + str(b));
  for (element d : report["egress"]["destinations"].get_array())
    got.insert(str(d["address"]) + "=" + str(d["bytes"]));
  out["egress.destinations"] = {joined(want), joined(got)};
}

// Documents seen read: the total, and each asset's count (one answer per asset).
void documents(element truth, element report, Answers& out) {
  out["documents.total"] = {str(truth["documents"]["total"]), str(report["documents"]["total"])};
  std::map<std::string, std::string> got;
  for (element a : report["assets"].get_array()) got[str(a["name"])] = str(a["documents"]);
  for (auto [name, n] : truth["documents"]["assets"].get_object()) {
    const std::string k(name);
    out["documents." + k] = {str(n), got.contains(k) ? got[k] : "missing"};
  }
}

Answers compare(element truth, element r) {
  Answers a;
  a["unauthorized_access"] = {word_text<tansa::Access>(truth["unauthorized_access"]),
                              word_text<tansa::Access>(r["unauthorized_access"])};
  for (const char* k : {"first_malicious", "last_malicious"}) a[k] = {str(truth[k]), str(r[k])};
  // Days to two decimals, rounded either way: within 0.011 is the same answer (as in the
  // scenario test).
  const double want = double(truth["dwell_days"]), got = double(r["dwell_days"]);
  char dwell[2][32];
  std::snprintf(dwell[0], 32, "%.2f", want);
  std::snprintf(dwell[1], 32, "%.2f", std::abs(want - got) <= 0.011 ? want : got);
  a["dwell_days"] = {dwell[0], dwell[1]};
  a["sources"] = {strings(truth["sources"]), field(r["sources"], "address")};
  countries(truth, r, a);
  a["accounts"] = {strings(truth["accounts"]), field(r["accounts"], "name")};
  a["hosts"] = {strings(truth["hosts"]), field(r["hosts"], "name")};
  a["lateral_movement"] = {edges(truth["lateral_movement"]), edges(r["lateral_movement"])};
  assets(truth, r, a);
  egress(truth, r, a);
  documents(truth, r, a);
  element verdict;
  auto claim = [](element v) {
    return v.is_null() ? std::string("null") : word_text<tansa::ClaimVerdict>(v);
  };
  a["claim"] = {claim(truth["claim_verdict"]),
                r["claim"]["verdict"].get(verdict) == simdjson::SUCCESS ? claim(verdict) : "null"};
  a["tampering"] = {kinds(truth["tampering"]), kinds(r["tampering"])};
  a["gaps"] = {kinds(truth["gaps"]), kinds(r["gaps"])};
  a["coverage"] = {spans(truth["coverage"]), spans(r["coverage"])};
  a["initial_access"] = {entries(truth["initial_access"]), entries(r["initial_access"])};
  a["weaknesses"] = {weakness_kinds(truth["weaknesses"], false),
                     weakness_kinds(r["weaknesses"], true)};
  return a;
}

// Seconds since 1970 of "2023-06-12T17:40:00.000000Z".
long long seconds(const std::string& iso) {
  std::tm tm{};
  if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<long long>(timegm(&tm));
}

// (c): a not_accessed verdict needs coverage spanning the intrusion (or the input). A source that
// starts or ends within the gap threshold (12 h, the family's) of the window's edge covers that
// edge (docs/investigate.md), and no more.
std::vector<std::string> unsupported_not_accessed(element truth, element r) {
  constexpr long long kEdge = 12 * 3600;
  const bool none = truth["first_malicious"].is_null();
  const std::string from = none ? str(r["input"]["first"]) : str(r["first_malicious"]);
  const std::string to = none ? str(r["input"]["last"]) : str(r["last_malicious"]);
  std::vector<std::string> bad;
  for (element a : r["assets"].get_array()) {
    if (tansa::testing::word<tansa::AssetVerdict>(a["verdict"]) != tansa::AssetVerdict::NotAccessed)
      continue;
    element cov;
    bool ok = a["coverage"].get(cov) == simdjson::SUCCESS && cov.get_array().size() > 0;
    if (ok)
      for (element c : cov.get_array())
        ok = ok && seconds(str(c["from"])) <= seconds(from) + kEdge &&
             seconds(str(c["to"])) >= seconds(to) - kEdge;
    if (!ok) bad.push_back(str(a["name"]));
  }
  return bad;
}

std::string kind(const std::string& field) {
  return field.substr(0, field.find('.')) == "assets" ? "assets" : field;
}

std::set<std::string> known_misses() {
  std::set<std::string> out;
  std::ifstream in(kMisses);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string seed, f;
    if (ls >> seed >> f) out.insert(seed + " " + f);
  }
  return out;
}

struct Tally {
  std::map<std::string, std::pair<int, int>> per_kind;  // right, compared
  std::vector<std::string> misses;                      // "seed field", today
};

void investigate_seed(int seed, const std::set<std::string>& known, Tally& tally) {
  const fs::path dir = tansa::testing::tmp("family", "seed" + std::to_string(seed));
  fs::remove_all(dir);
  const std::string repro = "tansa simulate --seed " + std::to_string(seed) + " -o DIR";
  ASSERT_EQ(sh(kBin + " simulate --seed " + std::to_string(seed) + " -o '" + dir.string() +
               "' > /dev/null"),
            0)
      << repro;
  simdjson::dom::parser tp, rp;
  const std::string truth_text = slurp(dir / "truth.json");
  element truth = tp.parse(truth_text);
  const std::string cmd = tansa::testing::investigate_simulated(
                              kBin, dir, truth["claim"].is_null() ? "" : str(truth["claim"])) +
                          " > /dev/null";
  ASSERT_EQ(sh(cmd), 0) << "seed " << seed << ": investigate failed; reproduce: " << repro;
  const std::string report_text = slurp(dir / "report.json");
  element r = rp.parse(report_text);

  for (const auto& [f, v] : compare(truth, r)) {
    const std::string key = std::to_string(seed) + " " + f;
    const bool right = v.first == v.second;
    auto& [ok, all] = tally.per_kind[kind(f)];
    ok += right;
    ++all;
    if (!right) tally.misses.push_back(key);
    if (!right && !known.contains(key))
      ADD_FAILURE() << "seed " << seed << " field " << f << ":\n  truth:  " << v.first
                    << "\n  report: " << v.second << "\n  reproduce: " << repro;
    if (right && known.contains(key))
      ADD_FAILURE() << "seed " << seed << " field " << f << " now matches the truth: remove '"
                    << key << "' from " << kMisses;
  }
  for (const auto& name : unsupported_not_accessed(truth, r))
    ADD_FAILURE() << "seed " << seed << " asset " << name
                  << ": not_accessed without coverage spanning the window; reproduce: " << repro;
  fs::remove_all(dir);
}

TEST(Family, EverySeedsReportAgreesWithItsTruthOrIsAKnownMiss) {
  const std::set<std::string> known = known_misses();
  Tally tally;
  for (int seed = 1; seed <= kSeeds; ++seed) investigate_seed(seed, known, tally);
  int ok = 0, all = 0;
  std::string line;
  for (const auto& [k, v] : tally.per_kind) {
    ok += v.first;
    all += v.second;
    line += " " + k + " " + std::to_string(v.first) + "/" + std::to_string(v.second);
  }
  std::printf("family: %d/%d fields right;%s\n", ok, all, line.c_str());
  if (const char* out = std::getenv("TANSA_FAMILY_MISSES_OUT")) {
    std::ofstream f(out);
    for (const auto& m : tally.misses) f << m << '\n';
  }
}

// The same seed writes the same bytes, every file, every run.
TEST(Family, TheSameSeedWritesTheSameFiles) {
  for (int seed : {1, 2, 3}) {
    std::map<std::string, std::string> first;
    for (int run = 0; run < 2; ++run) {
      const fs::path dir =
          tansa::testing::tmp("family", "same" + std::to_string(seed) + "_" + std::to_string(run));
      fs::remove_all(dir);
      ASSERT_EQ(sh(kBin + " simulate --seed " + std::to_string(seed) + " -o '" + dir.string() +
                   "' > /dev/null"),
                0);
      std::map<std::string, std::string> files;
      for (const auto& e : fs::directory_iterator(dir))
        files[e.path().filename().string()] = slurp(e.path());
      if (run == 0)
        first = std::move(files);
      else
        EXPECT_TRUE(files == first) << "seed " << seed << " wrote different files on a second run";
      fs::remove_all(dir);
    }
  }
}

}  // namespace
