// The report writers fed hostile values: detections (hunt's table, CSV, JSONL and Timesketch) and
// an investigation's findings (JSON, Markdown, HTML) whose every log-derived text comes from the
// input. Each output must parse back and carry no active content:
// - JSONL, Timesketch and the JSON report parse as JSON;
// - no CSV cell, once unquoted, begins with = + - @ tab or carriage return (a spreadsheet formula);
// - the table (without colour) holds no control character but the line break;
// - the HTML and Markdown reports hold no tag or attribute that the same report with harmless values
//   does not hold (so no value became markup);
// - the terminal summary holds no control character but the line break.
//
// Input: up to 16 values separated by 0xff bytes.
#include <simdjson.h>
#include <stdio.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_values.h"
#include "investigate/analyze.h"
#include "report/detections.h"
#include "report/investigation.h"
#include "tansa/detection.h"

namespace inv = tansa::investigate;

namespace {

inv::Evidence ev(const std::string& what) {
  return inv::Evidence{1700000000000000000LL, tansa::SourceRef{0, tansa::SourceRef::Kind::Line, 3},
                       what};
}

inv::Findings findings(const std::vector<std::string>& v) {
  inv::Findings f;
  f.unauthorized_access = tansa::Access::Yes;
  f.reason = v[0];
  f.detections.push_back({v[1], v[2], "high", v[3], 1700000000000000000LL, {}});
  f.first_malicious = 1700000000000000000LL;
  f.last_malicious = 1700086400000000000LL;
  f.dwell_days = 1;
  f.sources.push_back({v[4], 1700000000000000000LL, 1700086400000000000LL, v[5], v[0], {ev(v[6])}});
  f.accounts.push_back({v[7], 1700000000000000000LL, 1700086400000000000LL, v[8], v[1], {ev(v[9])}});
  f.hosts.push_back({v[3], 1700000000000000000LL, 1700086400000000000LL, v[10], "", {ev(v[11])}});
  f.hosts.push_back({v[12], 1700000000000000000LL, 1700086400000000000LL, "", "", {}});
  f.lateral_movement.push_back({v[3], v[12], v[7], v[13], 1700000000000000000LL, {ev(v[14])}});
  inv::AssetFinding asset;
  asset.name = v[15];
  asset.label = v[0];
  asset.verdict = tansa::AssetVerdict::Accessed;
  asset.reason = v[1];
  asset.unlogged = v[2];
  asset.documents = 7;
  asset.coverage = {{v[3], v[2], 1700000000000000000LL, 1700086400000000000LL}};
  asset.evidence = {ev(v[6])};
  f.assets.push_back(std::move(asset));
  f.documents.total = 7;
  f.documents.sources = {{v[14], 7}};
  f.documents.unlogged = {v[5]};
  f.egress.total_bytes = 42;
  f.egress.destinations.push_back({v[4], 42, 1700000000000000000LL, 1700086400000000000LL, {ev(v[9])}});
  f.egress.flow_logs = true;
  f.egress.note = v[5];
  inv::ClaimFinding claim;
  claim.claimed_bytes = 100;
  claim.claimed_documents = 150000;
  claim.observed_bytes = 42;
  claim.observed_documents = 7;
  claim.document_sources = f.documents.sources;
  claim.verdict = tansa::ClaimVerdict::Inconsistent;
  claim.bytes_verdict = tansa::ClaimVerdict::Inconsistent;
  claim.documents_verdict = tansa::ClaimVerdict::Undetermined;
  claim.reason = v[8];
  f.claim = std::move(claim);
  f.tampering.push_back({"log_cleared",
                         v[3],
                         v[2],
                         v[7],
                         tansa::Attribution::Intruder,
                         1700000000000000000LL,
                         1700000000000000000LL,
                         {ev(v[11])}});
  f.gaps.push_back(
      {tansa::GapKind::Silence, v[12], v[2], v[10], 1700000000000000000LL, 1700086400000000000LL});
  f.coverage.push_back({v[3], v[2], 1700000000000000000LL, 1700086400000000000LL, 7});
  f.files = {v[13], v[14]};
  f.input_first = 1700000000000000000LL;
  f.input_last = 1700086400000000000LL;
  return f;
}

// Tag and attribute names in markup, as a browser's tokenizer would split them (roughly: enough to
// see any markup a value could have injected).
void markup_names(std::string_view s, std::set<std::string>& tags, std::set<std::string>& attrs) {
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == ':' || c == '_';
  };
  for (std::size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i)) {
    ++i;
    if (i < s.size() && (s[i] == '!' || s[i] == '?')) {
      tags.insert("!");
      continue;
    }
    if (i < s.size() && s[i] == '/') ++i;
    std::size_t j = i;
    while (j < s.size() && name_char(s[j])) ++j;
    if (j == i) continue;  // "<" followed by no name is text to a browser
    tags.insert(std::string(s.substr(i, j - i)));
    // Attributes up to the closing '>'.
    while (j < s.size() && s[j] != '>') {
      while (j < s.size() && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '/')) ++j;
      const std::size_t a = j;
      while (j < s.size() && s[j] != '=' && s[j] != ' ' && s[j] != '>' && s[j] != '/' &&
             s[j] != '\n')
        ++j;
      if (j > a) attrs.insert(std::string(s.substr(a, j - a)));
      if (j < s.size() && s[j] == '=') {
        ++j;
        if (j < s.size() && (s[j] == '"' || s[j] == '\'')) {
          const std::size_t q = s.find(s[j], j + 1);
          j = q == std::string_view::npos ? s.size() : q + 1;
        } else {
          while (j < s.size() && s[j] != ' ' && s[j] != '>') ++j;
        }
      } else if (j == a) {
        ++j;
      }
    }
  }
}

void check_markup(const std::string& benign, const std::string& hostile) {
  std::set<std::string> bt, ba, ht, ha;
  markup_names(benign, bt, ba);
  markup_names(hostile, ht, ha);
  for (const auto& t : ht)
    if (!bt.count(t)) std::abort();
  for (const auto& a : ha)
    if (!ba.count(a)) std::abort();
}

std::string written(tansa::report::OutputFormat format, const tansa::report::DetectionContext& ctx,
                    const tansa::Detection& d) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = ::open_memstream(&buf, &len);
  if (!out) std::abort();
  {
    auto w = tansa::report::make_writer(format, out, ctx, false);
    w->write(d);
    w->write(d);
    w->finish();
  }
  std::fclose(out);
  std::string s(buf, len);
  std::free(buf);
  return s;
}

void check_json(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string(text)).get(doc)) std::abort();
}

void check_csv(std::string_view s) {
  // RFC 4180: cells separated by commas, rows by line breaks, quoted cells with "" inside.
  std::size_t i = s.find('\n') + 1;  // after the header
  while (i < s.size()) {
    std::string cell;
    if (s[i] == '"') {
      ++i;
      while (i < s.size()) {
        if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
          cell += '"';
          i += 2;
        } else if (s[i] == '"') {
          ++i;
          break;
        } else {
          cell += s[i++];
        }
      }
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '\n') cell += s[i++];
    }
    if (!cell.empty() && std::string_view("=+-@\t\r").find(cell[0]) != std::string_view::npos)
      std::abort();
    if (i < s.size() && (s[i] == ',' || s[i] == '\n')) ++i;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tansa::report::OutputFormat;
  const auto v = fuzz_values(std::string_view(reinterpret_cast<const char*>(data), size), 16);
  static simdjson::dom::parser parser;

  // hunt's writers.
  std::vector<tansa::RuleInfo> rules(1);
  rules[0].id = v[0];
  rules[0].title = v[1];
  rules[0].tags = {v[2], v[3]};
  rules[0].level = tansa::Level::High;
  const std::vector<std::string> sources = {v[4]};
  const tansa::report::DetectionContext ctx{rules, sources};
  tansa::Detection d;
  d.time_ns = 1700000000000000000LL;
  d.source = tansa::SourceRef{0, tansa::SourceRef::Kind::Line, 9};
  d.host = v[5];
  d.fields = {{"CommandLine", v[6]}, {v[7], v[8]}, {"Image", v[9]}};
  d.related = {d.source};
  for (auto fmt : {OutputFormat::Jsonl, OutputFormat::Timesketch}) {
    const std::string out = written(fmt, ctx, d);
    std::size_t start = 0;
    for (std::size_t nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', start)) {
      check_json(parser, std::string_view(out).substr(start, nl - start));
      start = nl + 1;
    }
  }
  check_csv(written(OutputFormat::Csv, ctx, d));
  for (unsigned char c : written(OutputFormat::Table, ctx, d))
    if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();

  // investigate's reports, against the same reports with harmless values.
  static const inv::Findings harmless = findings(std::vector<std::string>(16, "x"));
  static const std::string harmless_html = tansa::report::investigation_html(harmless);
  static const std::string harmless_md = tansa::report::investigation_markdown(harmless);
  const inv::Findings hostile = findings(v);
  check_json(parser, tansa::report::investigation_json(hostile));
  check_markup(harmless_html, tansa::report::investigation_html(hostile));
  check_markup(harmless_md, tansa::report::investigation_markdown(hostile));
  for (unsigned char c : tansa::report::investigation_summary(hostile))
    if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();
  return 0;
}
