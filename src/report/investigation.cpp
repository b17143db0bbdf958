#include "report/investigation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "report/text.h"

namespace tansa::report {

namespace inv = tansa::investigate;

namespace {

std::string time_or_null(const std::optional<std::int64_t>& t) {
  return t ? "\"" + format_time(*t) + "\"" : "null";
}

// An entity's note in words, with a source's autonomous system: "Netherlands, AS64500 Example".
std::string place_of(const inv::Entity& e) {
  std::string o = e.note;
  if (e.place.asn) {
    o += (o.empty() ? "AS" : ", AS") + std::to_string(e.place.asn);
    if (!e.place.as_org.empty()) o += " " + e.place.as_org;
  }
  return o;
}

std::string ref_text(const inv::Findings& f, const SourceRef& r) {
  std::string file = r.file < f.files.size() ? f.files[r.file] : "?";
  return file + " " + std::string(to_string(r.kind)) + " " + std::to_string(r.position);
}

using investigate::count_text;

// What was claimed, in words: "150,000 documents and 2.1 TB".
std::string claimed_text(const inv::ClaimFinding& c) {
  std::string s;
  if (c.claimed_documents) s = count_text(*c.claimed_documents) + " documents";
  if (c.claimed_bytes) s += (s.empty() ? "" : " and ") + human_bytes(*c.claimed_bytes);
  return s;
}

// A rule of thumb a reader can check: a sentence a communications team can quote.
std::string claim_statement(const inv::ClaimFinding& c) {
  std::string o = "The attacker claims to have taken " + claimed_text(c) + ". The logs show ";
  o += "at least " + count_text(c.observed_documents) + " document" +
       (c.observed_documents == 1 ? "" : "s") + " read by the intruder";
  if (!c.document_sources.empty()) {
    o += " (";
    for (std::size_t i = 0; i < c.document_sources.size(); ++i)
      o += (i ? ", " : "") + c.document_sources[i].source + ": " +
           count_text(c.document_sources[i].documents);
    o += ")";
  }
  o += " and " + human_bytes(c.observed_bytes) + " sent to external destinations. ";
  switch (c.verdict) {
    case ClaimVerdict::Consistent:
      o += "The claim is consistent with the logs";
      break;
    case ClaimVerdict::Inconsistent:
      o += "The claim is not consistent with the logs";
      break;
    case ClaimVerdict::Undetermined:
      o += "The logs can neither confirm nor rule out the claim";
      break;
  }
  return o + ": " + c.reason + ".";
}

// A tiny JSON writer: objects and arrays with commas handled, strings always encoded.
class Json {
 public:
  Json& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  Json& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  Json& key(std::string_view k) {
    comma();
    append_json_string(out_, k);
    out_ += ':';
    first_ = true;
    return *this;
  }
  Json& str(std::string_view v) {
    comma();
    append_json_string(out_, v);
    return *this;
  }
  Json& raw(std::string_view v) {
    comma();
    out_ += v;
    return *this;
  }
  Json& num(std::uint64_t v) { return raw(std::to_string(v)); }
  Json& time(std::int64_t t) { return str(format_time(t)); }
  Json& kv(std::string_view k, std::string_view v) { return key(k).str(v); }
  Json& kt(std::string_view k, std::int64_t t) { return key(k).time(t); }
  std::string& text() { return out_; }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string out_;
  bool first_ = true;
};

void evidence(Json& j, const inv::Findings& f, const std::vector<inv::Evidence>& ev) {
  j.key("evidence").open('[');
  for (const auto& e : ev) {
    j.open('{').kt("time", e.time_ns);
    j.kv("file", e.source.file < f.files.size() ? f.files[e.source.file] : "");
    j.key(to_string(e.source.kind)).num(e.source.position);
    j.kv("what", e.what).close('}');
  }
  j.close(']');
}

void entities(Json& j, const inv::Findings& f, std::string_view key, std::string_view name_key,
              std::string_view note_key, const std::vector<inv::Entity>& list) {
  j.key(key).open('[');
  for (const auto& e : list) {
    j.open('{').kv(name_key, e.name);
    if (!note_key.empty()) j.kv(note_key, e.note);
    if (!e.place.country_source.empty()) j.kv("country_source", e.place.country_source);
    if (e.place.asn) j.key("asn").num(e.place.asn).kv("as_org", e.place.as_org);
    if (!e.tie.empty()) j.kv("tie", e.tie);
    j.kt("first", e.first).kt("last", e.last);
    evidence(j, f, e.evidence);
    j.close('}');
  }
  j.close(']');
}

std::string dwell(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", d);
  return buf;
}

// How they got in, in words for a reader who is not a responder.
std::string vector_words(EntryVector v) {
  switch (v) {
    case EntryVector::VpnPasswordGuessing:
      return "guessed a VPN password";
    case EntryVector::VpnValidAccount:
      return "logged in to the VPN with an account's valid password";
    case EntryVector::VpnApplianceExploit:
      return "came in through a weakness of the VPN appliance itself";
    case EntryVector::SshPasswordGuessing:
      return "guessed an SSH password";
    case EntryVector::SshValidAccount:
      return "logged in by SSH with a valid account";
    case EntryVector::RdpExposed:
      return "logged on through remote desktop reachable from the internet";
    case EntryVector::CloudAccount:
      return "signed in to a cloud account";
    case EntryVector::Unknown:
      return "got in, but the logs do not show how";
  }
  return "?";
}

// "On 2023-06-12 at 17:46 UTC the intruder guessed a VPN password and got in through FW1 as
// tanaka, from 203.0.113.66 (Netherlands)."
std::string entry_sentence(const inv::EntryPoint& e) {
  const std::string t = format_time(e.time);
  std::string o = "On " + t.substr(0, 10) + " at " + t.substr(11, 5) + " UTC the intruder " +
                  vector_words(e.vector);
  if (e.vector != EntryVector::Unknown) {
    if (!e.via_host.empty()) o += ", through " + e.via_host;
    if (!e.account.empty()) o += ", as " + e.account;
    if (!e.source.address.empty())
      o += ", from " + e.source.address +
           (e.source.country.empty() ? "" : " (" + e.source.country + ")");
  }
  return o + ".";
}

// An entry's reason as a sentence: its first letter in capitals (reasons start with a word or a
// number, never with a logged name, which must stay as logged).
std::string sentence(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// A weakness's kind as a heading a reader who is not a responder follows.
std::string weakness_title(WeaknessKind k) {
  switch (k) {
    case WeaknessKind::GuessingNotStopped:
      return "Password guessing was not stopped";
    case WeaknessKind::ServiceAccountAccess:
      return "Service or shared accounts could log on remotely";
    case WeaknessKind::ReplicationRights:
      return "An account that is not a domain controller could copy every password (DCSync)";
    case WeaknessKind::Rc4ServiceTickets:
      return "Service passwords could be cracked offline (RC4 tickets, Kerberoasting)";
    case WeaknessKind::AdminOutsideAdminHosts:
      return "Administrators logged on from machines that are not admin hosts";
    case WeaknessKind::FileAuditingMissing:
      return "Sensitive files sit on hosts that record no file access";
    case WeaknessKind::LogsStartLate:
      return "Logs are not kept as long as the intrusion lasted";
    case WeaknessKind::TamperingUnnoticed:
      return "Logs were cleared or auditing turned off, and nothing reacted";
    case WeaknessKind::FlowLogsMissing:
      return "No record of network traffic from the hosts the intruder held";
    case WeaknessKind::UnseenDwell:
      return "How long the intrusion went unseen";
  }
  return "?";
}

}  // namespace

std::string investigation_json(const inv::Findings& f) {
  Json j;
  j.open('{');
  j.kv("unauthorized_access", to_string(f.unauthorized_access)).kv("reason", f.reason);
  j.key("detections").open('[');
  for (const auto& d : f.detections) {
    j.open('{').kv("rule_id", d.rule_id).kv("title", d.title).kv("level", d.level);
    j.kt("time", d.time_ns).kv("host", d.host).kv("source", ref_text(f, d.source)).close('}');
  }
  j.close(']');
  j.key("first_malicious").raw(time_or_null(f.first_malicious));
  j.key("last_malicious").raw(time_or_null(f.last_malicious));
  j.key("dwell_days").raw(dwell(f.dwell_days));
  j.key("initial_access").open('[');
  for (const auto& e : f.initial_access) {
    j.open('{').kt("time", e.time).kv("vector", to_string(e.vector)).kv("via_host", e.via_host);
    j.kv("account", e.account).key("source").open('{').kv("address", e.source.address);
    j.kv("country", e.source.country).kv("country_from", e.source.country_from).close('}');
    j.kv("reason", e.reason).kv("summary", entry_sentence(e));
    evidence(j, f, e.evidence);
    j.close('}');
  }
  j.close(']');
  entities(j, f, "sources", "address", "country", f.sources);
  entities(j, f, "accounts", "name", "note", f.accounts);
  entities(j, f, "hosts", "name", "role", f.hosts);
  j.key("lateral_movement").open('[');
  for (const auto& e : f.lateral_movement) {
    j.open('{').kv("from_host", e.from_host).kv("to_host", e.to_host).kv("account", e.account);
    j.kt("first_time", e.first_time).kv("logon_type", e.logon_type);
    evidence(j, f, e.evidence);
    j.close('}');
  }
  j.close(']');
  j.key("assets").open('[');
  for (const auto& a : f.assets) {
    j.open('{')
        .kv("name", a.name)
        .kv("label", a.label)
        .kv("verdict", to_string(a.verdict))
        .kv("reason", a.reason)
        .key("documents")
        .num(a.documents);
    j.key("coverage").open('[');
    for (const auto& c : a.coverage)
      j.open('{')
          .kv("host", c.host)
          .kv("source", c.source)
          .kt("from", c.from)
          .kt("to", c.to)
          .close('}');
    j.close(']');
    evidence(j, f, a.evidence);
    j.close('}');
  }
  j.close(']');
  j.key("egress").open('{').key("total_bytes").num(f.egress.total_bytes);
  j.key("flow_logs").raw(f.egress.flow_logs ? "true" : "false").kv("note", f.egress.note);
  if (!f.egress.destinations.empty()) j.kt("first", f.egress.first).kt("last", f.egress.last);
  j.key("destinations").open('[');
  for (const auto& d : f.egress.destinations) {
    j.open('{')
        .kv("address", d.address)
        .key("bytes")
        .num(d.bytes)
        .kt("first", d.first)
        .kt("last", d.last);
    evidence(j, f, d.evidence);
    j.close('}');
  }
  j.close(']').close('}');
  j.key("documents").open('{').key("total").num(f.documents.total).key("sources").open('[');
  for (const auto& d : f.documents.sources)
    j.open('{').kv("source", d.source).key("documents").num(d.documents).close('}');
  j.close(']').key("unlogged").open('[');
  for (const auto& u : f.documents.unlogged) j.str(u);
  j.close(']').close('}');
  if (f.claim) {
    const inv::ClaimFinding& c = *f.claim;
    j.key("claim").open('{').key("claimed_bytes");
    c.claimed_bytes ? j.num(*c.claimed_bytes) : j.raw("null");
    j.key("observed_bytes").num(c.observed_bytes).key("claimed_documents");
    c.claimed_documents ? j.num(*c.claimed_documents) : j.raw("null");
    j.key("observed_documents").num(c.observed_documents).key("document_sources").open('[');
    for (const auto& d : c.document_sources)
      j.open('{').kv("source", d.source).key("documents").num(d.documents).close('}');
    j.close(']');
    if (c.bytes_verdict) j.kv("bytes_verdict", to_string(*c.bytes_verdict));
    if (c.documents_verdict) j.kv("documents_verdict", to_string(*c.documents_verdict));
    j.kv("verdict", to_string(c.verdict)).kv("reason", c.reason);
    j.kv("statement", claim_statement(c)).close('}');
  }
  j.key("tampering").open('[');
  for (const auto& t : f.tampering) {
    j.open('{').kv("kind", t.kind).kv("host", t.host).kv("channel", t.channel).kt("start", t.start);
    j.kt("end", t.end).kv("user", t.user).kv("attribution", to_string(t.attribution));
    evidence(j, f, t.evidence);
    j.close('}');
  }
  j.close(']');
  j.key("gaps").open('[');
  for (const auto& g : f.gaps)
    j.open('{')
        .kv("kind", to_string(g.kind))
        .kv("host", g.host)
        .kv("channel", g.channel)
        .kt("start", g.start)
        .kt("end", g.end)
        .kv("detail", g.detail)
        .close('}');
  j.close(']');
  j.key("coverage").open('[');
  for (const auto& c : f.coverage)
    j.open('{')
        .kv("host", c.host)
        .kv("source", c.source)
        .kt("first", c.first)
        .kt("last", c.last)
        .key("events")
        .num(c.events)
        .close('}');
  j.close(']');
  j.key("weaknesses").open('[');
  for (const auto& w : f.weaknesses) {
    j.open('{').kv("kind", to_string(w.kind)).kv("title", weakness_title(w.kind));
    j.kv("detail", w.detail).kv("advice", w.advice);
    evidence(j, f, w.evidence);
    j.close('}');
  }
  j.close(']');
  j.key("input").open('{');
  if (f.input_first) j.kt("first", f.input_first).kt("last", f.input_last);
  j.key("files").open('[');
  for (const auto& p : f.files) j.str(p);
  j.close(']').close('}');
  j.close('}');
  return j.text() + "\n";
}

namespace {

// Markdown cell: HTML-escaped (renderers pass raw HTML through), pipes and line breaks defused.
std::string md(std::string_view s) {
  std::string h = html_escaped(s), out;
  for (char c : h) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '[' || c == ']' || c == '\\')
      out += '\\';
    if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string verdict_words(const inv::Findings& f) {
  if (f.unauthorized_access == Access::Yes) return "Yes: there was unauthorized access.";
  if (f.unauthorized_access == Access::No) return "No unauthorized access is shown by the logs.";
  return "Undetermined: the logs cannot tell.";
}

}  // namespace

std::string investigation_markdown(const inv::Findings& f) {
  std::string o = "# tansa investigation\n\n## How they got in\n\n";
  if (f.initial_access.empty()) o += "No intruder got in, as far as the logs show.\n";
  for (const auto& e : f.initial_access)
    o += "- " + md(entry_sentence(e)) + " " + md(sentence(e.reason)) + ".\n";
  o += "\n## Answers\n\n";
  o += "- **Unauthorized access:** " + md(verdict_words(f)) + " " + md(f.reason) + "\n";
  if (f.first_malicious)
    o += "- **Since:** " + format_time(*f.first_malicious) + " until " +
         format_time(*f.last_malicious) + " (" + dwell(f.dwell_days) + " days)\n";
  std::string srcs;
  for (const auto& s : f.sources)
    srcs += (srcs.empty() ? "" : ", ") + md(s.name) +
            (place_of(s).empty() ? "" : " (" + md(place_of(s)) + ")");
  o += "- **From:** " + (srcs.empty() ? "none found" : srcs) + "\n";
  std::string accts, hosts;
  for (const auto& a : f.accounts) accts += (accts.empty() ? "" : ", ") + md(a.name);
  for (const auto& h : f.hosts) hosts += (hosts.empty() ? "" : ", ") + md(h.name);
  o += "- **Accounts:** " + (accts.empty() ? "none" : accts) + "\n";
  o += "- **Hosts:** " + (hosts.empty() ? "none" : hosts) + "\n";
  for (const auto& a : f.assets)
    o += "- **" + md(a.name) + ":** " + md(to_string(a.verdict)) + " (" + md(a.reason) + ")\n";
  o += "- **Egress:** " + human_bytes(f.egress.total_bytes) + " to " +
       std::to_string(f.egress.destinations.size()) + " external destinations" +
       (f.egress.note.empty() ? "" : "; " + md(f.egress.note)) + "\n";
  if (f.claim)
    o += "- **Claim:** " + md(claimed_text(*f.claim)) +
         " claimed: " + md(to_string(f.claim->verdict)) + "\n";
  if (f.claim) o += "\n## The claim\n\n" + md(claim_statement(*f.claim)) + "\n";
  o += "\n## Lateral movement\n\n| from | to | account | logon type | first "
       "|\n|---|---|---|---|---|\n";
  for (const auto& e : f.lateral_movement)
    o += "| " + md(e.from_host) + " | " + md(e.to_host) + " | " + md(e.account) + " | " +
         md(e.logon_type) + " | " + format_time(e.first_time) + " |\n";
  o += "\n## Sensitive assets\n\n| asset | verdict | documents read | coverage | reason "
       "|\n|---|---|---|---|---|\n";
  for (const auto& a : f.assets) {
    std::string cov;
    for (const auto& c : a.coverage)
      cov += md(c.source) + " on " + md(c.host) + " " + format_time(c.from) + " to " +
             format_time(c.to) + "; ";
    o += "| " + md(a.name) + " | " + md(to_string(a.verdict)) + " | " +
         std::to_string(a.documents) + " | " + cov + " | " + md(a.reason) + " |\n";
  }
  o += "\n## Tampering and gaps\n\n| kind | host | channel | start | end | detail "
       "|\n|---|---|---|---|---|---|\n";
  for (const auto& t : f.tampering)
    o += "| " + md(t.kind) + " | " + md(t.host) + " | " + md(t.channel) + " | " +
         format_time(t.start) + " | " + format_time(t.end) + " | " + md(t.user) + " (" +
         md(to_string(t.attribution)) + ") |\n";
  for (const auto& g : f.gaps)
    o += "| " + md(to_string(g.kind)) + " | " + md(g.host) + " | " + md(g.channel) + " | " +
         format_time(g.start) + " | " + format_time(g.end) + " | " + md(g.detail) + " |\n";
  o += "\n## Coverage\n\n| host | source | first | last | events |\n|---|---|---|---|---|\n";
  for (const auto& c : f.coverage)
    o += "| " + md(c.host) + " | " + md(c.source) + " | " + format_time(c.first) + " | " +
         format_time(c.last) + " | " + std::to_string(c.events) + " |\n";
  o += "\n## Detections behind the answer\n\n| time | level | rule | host | event "
       "|\n|---|---|---|---|---|\n";
  for (const auto& d : f.detections)
    o += "| " + format_time(d.time_ns) + " | " + md(d.level) + " | " + md(d.title) + " | " +
         md(d.host) + " | " + md(ref_text(f, d.source)) + " |\n";
  o += "\n## What let them in and kept them unseen\n\n";
  if (f.weaknesses.empty()) o += "The logs show no weakness.\n";
  for (const auto& w : f.weaknesses) {
    o += "### " + md(weakness_title(w.kind)) + "\n\n" + md(w.detail) + ".\n\n**What to do:** " +
         md(w.advice) + "\n\nShown by " + std::to_string(w.evidence.size()) + " event" +
         (w.evidence.size() == 1 ? "" : "s") + ", the first: " +
         (w.evidence.empty()
              ? std::string("none")
              : format_time(w.evidence.front().time_ns) + " " + md(w.evidence.front().what) + " (" +
                    md(ref_text(f, w.evidence.front().source)) + ")") +
         ".\n\n";
  }
  return o;
}

namespace {

std::string h(std::string_view s) {
  return html_escaped(s);
}

std::string evidence_list(const inv::Findings& f, const std::vector<inv::Evidence>& ev) {
  if (ev.empty()) return "";
  std::string o = "<details><summary>" + std::to_string(ev.size()) + " events</summary><ul>";
  for (const auto& e : ev)
    o += "<li><code>" + h(format_time(e.time_ns)) + "</code> " + h(e.what) + " <span class=ref>" +
         h(ref_text(f, e.source)) + "</span></li>";
  return o + "</ul></details>";
}

// A timeline of the intrusion: one row per account, host and source, a bar from first to last.
std::string timeline_svg(const inv::Findings& f) {
  struct Row {
    std::string label;
    std::int64_t a, b;
    const char* cls;
  };
  std::vector<Row> rows;
  for (const auto& s : f.sources) rows.push_back({"source " + s.name, s.first, s.last, "src"});
  for (const auto& a : f.accounts) rows.push_back({"account " + a.name, a.first, a.last, "acct"});
  for (const auto& x : f.hosts) rows.push_back({"host " + x.name, x.first, x.last, "host"});
  for (const auto& d : f.egress.destinations)
    rows.push_back({"egress " + d.address, d.first, d.last, "egr"});
  if (rows.empty() || !f.first_malicious) return "<p>No intrusion to draw.</p>";
  const std::int64_t t0 = *f.first_malicious, t1 = std::max(*f.last_malicious, t0 + 1);
  const int width = 900, left = 260, row_h = 22;
  const int height = static_cast<int>(rows.size()) * row_h + 40;
  std::string o = "<svg xmlns='http://www.w3.org/2000/svg' role='img' width='" +
                  std::to_string(width) + "' height='" + std::to_string(height) +
                  "' viewBox='0 0 " + std::to_string(width) + " " + std::to_string(height) + "'>";
  auto x = [&](std::int64_t t) {
    return left + static_cast<int>(static_cast<double>(t - t0) / static_cast<double>(t1 - t0) *
                                   (width - left - 20));
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int y = static_cast<int>(i) * row_h + 10;
    const int xa = x(rows[i].a), xb = std::max(x(rows[i].b), xa + 3);
    o += "<text x='4' y='" + std::to_string(y + 14) + "'>" + h(rows[i].label.substr(0, 40)) +
         "</text>";
    o += "<rect class='" + std::string(rows[i].cls) + "' x='" + std::to_string(xa) + "' y='" +
         std::to_string(y + 3) + "' width='" + std::to_string(xb - xa) + "' height='14'><title>" +
         h(rows[i].label) + ": " + h(format_time(rows[i].a)) + " to " + h(format_time(rows[i].b)) +
         "</title></rect>";
  }
  const int ya = static_cast<int>(rows.size()) * row_h + 28;
  o += "<text x='" + std::to_string(left) + "' y='" + std::to_string(ya) + "'>" +
       h(format_time(t0).substr(0, 10)) + "</text>";
  o += "<text x='" + std::to_string(width - 100) + "' y='" + std::to_string(ya) + "'>" +
       h(format_time(t1).substr(0, 10)) + "</text>";
  return o + "</svg>";
}

// The lateral-movement graph: hosts on a circle, an arrow per edge.
std::string graph_svg(const inv::Findings& f) {
  if (f.lateral_movement.empty()) return "<p>No lateral movement found.</p>";
  std::vector<std::string> nodes;
  for (const auto& e : f.lateral_movement)
    for (const auto& n : {e.from_host, e.to_host})
      if (std::find(nodes.begin(), nodes.end(), n) == nodes.end()) nodes.push_back(n);
  const double cx = 350, cy = 230, r = 170;
  std::map<std::string, std::pair<double, double>> pos;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const double a =
        2 * M_PI * static_cast<double>(i) / static_cast<double>(nodes.size()) - M_PI / 2;
    pos[nodes[i]] = {cx + r * std::cos(a), cy + r * std::sin(a)};
  }
  auto n2 = [](double v) { return std::to_string(static_cast<int>(v)); };
  std::string o =
      "<svg xmlns='http://www.w3.org/2000/svg' role='img' width='700' height='460' viewBox='0 0 "
      "700 460'>"
      "<defs><marker id='arrow' viewBox='0 0 10 10' refX='22' refY='5' markerWidth='8' "
      "markerHeight='8' orient='auto'>"
      "<path d='M0,0 L10,5 L0,10 z' fill='#b00'/></marker></defs>";
  for (const auto& e : f.lateral_movement) {
    auto [x1, y1] = pos[e.from_host];
    auto [x2, y2] = pos[e.to_host];
    o += "<line x1='" + n2(x1) + "' y1='" + n2(y1) + "' x2='" + n2(x2) + "' y2='" + n2(y2) +
         "' stroke='#b00' stroke-width='2' marker-end='url(#arrow)'><title>" + h(e.account) + " (" +
         h(e.logon_type) + ") " + h(format_time(e.first_time)) + "</title></line>";
  }
  for (const auto& n : nodes) {
    auto [x, y] = pos[n];
    o += "<circle cx='" + n2(x) + "' cy='" + n2(y) + "' r='16' fill='#357'/><text x='" +
         n2(x - 16) + "' y='" + n2(y - 24) + "'>" + h(n.substr(0, 40)) + "</text>";
  }
  return o + "</svg>";
}

}  // namespace

std::string investigation_html(const inv::Findings& f) {
  std::string o =
      "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
      "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src "
      "'unsafe-inline'; "
      "img-src data:; form-action 'none'; base-uri 'none'\">"
      "<meta name='referrer' content='no-referrer'><title>tansa investigation</title><style>"
      "body{font:15px/1.45 system-ui,sans-serif;margin:2em "
      "auto;max-width:1100px;color:#222;background:#fff}"
      "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
      "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid "
      "#ccc;padding:3px 6px;"
      "text-align:left;vertical-align:top;word-break:break-word}th{background:#eee}"
      ".yes,.accessed{color:#b00;font-weight:bold}.no,.not_accessed{color:#070;font-weight:bold}"
      ".undetermined{color:#a60;font-weight:bold}.ref{color:#777;font-size:.85em}"
      "rect.src{fill:#b00}rect.acct{fill:#d80}rect.host{fill:#357}rect.egr{fill:#707}"
      "svg text{font-size:12px}.answers li{margin:.3em 0}"
      "</style></head><body><h1>tansa investigation</h1>";
  o += "<h2>How they got in</h2>";
  if (f.initial_access.empty()) o += "<p>No intruder got in, as far as the logs show.</p>";
  for (const auto& e : f.initial_access)
    o += "<p><b>" + h(entry_sentence(e)) + "</b> " + h(sentence(e.reason)) + ". " +
         evidence_list(f, e.evidence) + "</p>";
  o += "<h2>Answers</h2><ul class=answers>";
  o += "<li>Was there unauthorized access? <span class='" + h(to_string(f.unauthorized_access)) +
       "'>" + h(verdict_words(f)) + "</span> " + h(f.reason) + "</li>";
  if (f.first_malicious)
    o += "<li>Since when? From <b>" + h(format_time(*f.first_malicious)) + "</b> to <b>" +
         h(format_time(*f.last_malicious)) + "</b>: " + h(dwell(f.dwell_days)) + " days.</li>";
  o += "<li>From where? ";
  if (f.sources.empty()) o += "No external source found.";
  for (const auto& s : f.sources)
    o +=
        "<b>" + h(s.name) + "</b>" + (place_of(s).empty() ? "" : " (" + h(place_of(s)) + ")") + " ";
  o += "</li><li>Which accounts? ";
  for (const auto& a : f.accounts)
    o += "<b>" + h(a.name) + "</b>" + (a.note.empty() ? "" : " (" + h(a.note) + ")") + " ";
  o += "</li><li>Which hosts? ";
  for (const auto& x : f.hosts) o += "<b>" + h(x.name) + "</b> ";
  o += "</li>";
  for (const auto& a : f.assets)
    o += "<li>Was <b>" + h(a.name) + "</b> (" + h(a.label) + ") accessed? <span class='" +
         h(to_string(a.verdict)) + "'>" + h(to_string(a.verdict)) + "</span>: " + h(a.reason) +
         "</li>";
  o += "<li>Did data leave? " + h(human_bytes(f.egress.total_bytes)) + " to " +
       std::to_string(f.egress.destinations.size()) + " external destinations. " +
       h(f.egress.note) + "</li>";
  if (f.claim)
    o += "<li>The claim of " + h(claimed_text(*f.claim)) + " is <span class='" +
         h(to_string(f.claim->verdict)) + "'>" + h(to_string(f.claim->verdict)) +
         "</span>: " + h(claim_statement(*f.claim)) + "</li>";
  o += "</ul><h2>Timeline</h2>" + timeline_svg(f);
  o += "<h2>Lateral movement</h2>" + graph_svg(f);
  o += "<table><tr><th>from</th><th>to</th><th>account</th><th>logon "
       "type</th><th>first</th><th>evidence</th></tr>";
  for (const auto& e : f.lateral_movement)
    o += "<tr><td>" + h(e.from_host) + "</td><td>" + h(e.to_host) + "</td><td>" + h(e.account) +
         "</td><td>" + h(e.logon_type) + "</td><td>" + h(format_time(e.first_time)) + "</td><td>" +
         evidence_list(f, e.evidence) + "</td></tr>";
  o += "</table><h2>Sensitive assets</h2>";
  for (const auto& a : f.assets) {
    o += "<h3>" + h(a.name) + " <small>" + h(a.label) +
         "</small></h3><table><tr><th>verdict</th><td class='" + h(to_string(a.verdict)) + "'>" +
         h(to_string(a.verdict)) + "</td></tr><tr><th>why</th><td>" + h(a.reason) +
         "</td></tr><tr><th>documents read</th><td>" + std::to_string(a.documents) +
         "</td></tr><tr><th>coverage</th><td>";
    for (const auto& c : a.coverage)
      o += h(c.source) + " on " + h(c.host) + ": " + h(format_time(c.from)) + " to " +
           h(format_time(c.to)) + "<br>";
    o +=
        "</td></tr><tr><th>evidence</th><td>" + evidence_list(f, a.evidence) + "</td></tr></table>";
  }
  auto entity_table = [&](const char* title, const std::vector<inv::Entity>& list) {
    o += std::string("<h2>") + title +
         "</h2><table><tr><th>name</th><th>note</th><th>first</th><th>last</th><th>evidence</th></"
         "tr>";
    for (const auto& e : list)
      o += "<tr><td>" + h(e.name) + "</td><td>" + h(place_of(e)) +
           (e.tie.empty() ? "" : (place_of(e).empty() ? "" : "; ") + h("tied by: " + e.tie)) +
           "</td><td>" + h(format_time(e.first)) + "</td><td>" + h(format_time(e.last)) +
           "</td><td>" + evidence_list(f, e.evidence) + "</td></tr>";
    o += "</table>";
  };
  entity_table("Sources", f.sources);
  entity_table("Accounts", f.accounts);
  entity_table("Hosts", f.hosts);
  o += "<h2>Egress</h2><table><tr><th>destination</th><th>bytes</th><th>first</th><th>last</"
       "th><th>evidence</th></tr>";
  for (const auto& d : f.egress.destinations)
    o += "<tr><td>" + h(d.address) + "</td><td>" + h(human_bytes(d.bytes)) + "</td><td>" +
         h(format_time(d.first)) + "</td><td>" + h(format_time(d.last)) + "</td><td>" +
         evidence_list(f, d.evidence) + "</td></tr>";
  o += "</table><h2>Tampering and "
       "gaps</h2><table><tr><th>kind</th><th>host</th><th>channel</th><th>start</th><th>end</"
       "th><th>detail</th></tr>";
  for (const auto& t : f.tampering)
    o += "<tr><td>" + h(t.kind) + "</td><td>" + h(t.host) + "</td><td>" + h(t.channel) +
         "</td><td>" + h(format_time(t.start)) + "</td><td>" + h(format_time(t.end)) + "</td><td>" +
         h(t.user) + " (" + h(to_string(t.attribution)) + ")" + evidence_list(f, t.evidence) +
         "</td></tr>";
  for (const auto& g : f.gaps)
    o += "<tr><td>" + h(to_string(g.kind)) + "</td><td>" + h(g.host) + "</td><td>" + h(g.channel) +
         "</td><td>" + h(format_time(g.start)) + "</td><td>" + h(format_time(g.end)) + "</td><td>" +
         h(g.detail) + "</td></tr>";
  o += "</table><h2>Coverage</h2><table><tr><th>host</th><th>source</th><th>first</th><th>last</"
       "th><th>events</th></tr>";
  for (const auto& c : f.coverage)
    o += "<tr><td>" + h(c.host) + "</td><td>" + h(c.source) + "</td><td>" +
         h(format_time(c.first)) + "</td><td>" + h(format_time(c.last)) + "</td><td>" +
         std::to_string(c.events) + "</td></tr>";
  o += "</table><h2>Detections behind the "
       "answer</h2><table><tr><th>time</th><th>level</th><th>rule</th><th>host</th><th>event</th></"
       "tr>";
  for (const auto& d : f.detections)
    o += "<tr><td>" + h(format_time(d.time_ns)) + "</td><td>" + h(d.level) + "</td><td>" +
         h(d.title) + "</td><td>" + h(d.host) + "</td><td class=ref>" + h(ref_text(f, d.source)) +
         "</td></tr>";
  o += "</table><h2>What let them in and kept them unseen</h2>";
  if (f.weaknesses.empty()) o += "<p>The logs show no weakness.</p>";
  for (const auto& w : f.weaknesses)
    o += "<h3>" + h(weakness_title(w.kind)) + "</h3><p>" + h(w.detail) +
         ".</p><p><b>What to do:</b> " + h(w.advice) + "</p>" + evidence_list(f, w.evidence);
  o += "<p class=ref>Made by tansa. Every value above comes from the logs and is shown as "
       "text.</p></body></html>\n";
  return o;
}

std::string investigation_summary(const inv::Findings& f) {
  std::string o;
  auto line = [&](const std::string& k, const std::string& v) {
    append_terminal_safe(o, k);  // an asset's name comes from the assets file
    append_terminal_safe(o, v);
    o += '\n';
  };
  line("unauthorized access: ",
       std::string(to_string(f.unauthorized_access)) + " (" + f.reason + ")");
  if (!f.initial_access.empty()) {
    const inv::EntryPoint& e = f.initial_access.front();
    std::string s = format_time(e.time) + " " + std::string(to_string(e.vector));
    if (!e.via_host.empty()) s += " via " + e.via_host;
    if (!e.account.empty()) s += " as " + e.account;
    if (!e.source.address.empty())
      s += " from " + e.source.address +
           (e.source.country.empty() ? "" : " (" + e.source.country + ")");
    if (f.initial_access.size() > 1)
      s += "; " + std::to_string(f.initial_access.size() - 1) + " later wave" +
           (f.initial_access.size() > 2 ? "s" : "");
    line("entry point:         ", s);
  }
  if (f.first_malicious)
    line("intrusion:           ", format_time(*f.first_malicious) + " to " +
                                      format_time(*f.last_malicious) + " (" + dwell(f.dwell_days) +
                                      " days)");
  std::string s;
  for (const auto& x : f.sources)
    s += (s.empty() ? "" : ", ") + x.name + (place_of(x).empty() ? "" : " (" + place_of(x) + ")");
  line("sources:             ", s.empty() ? "none" : s);
  s.clear();
  for (const auto& x : f.accounts) s += (s.empty() ? "" : ", ") + x.name;
  line("accounts:            ", s.empty() ? "none" : s);
  s.clear();
  for (const auto& x : f.hosts) s += (s.empty() ? "" : ", ") + x.name;
  line("hosts:               ", s.empty() ? "none" : s);
  for (const auto& a : f.assets)
    line("asset " + a.name + ": ",
         std::string(to_string(a.verdict)) +
             (a.documents ? ", " + count_text(a.documents) + " documents seen read" : "") + " (" +
             a.reason + ")");
  line("egress:              ", human_bytes(f.egress.total_bytes) +
                                    (f.egress.flow_logs ? "" : " (no flow logs cover the window)"));
  if (f.claim)
    line("claim:               ",
         std::string(to_string(f.claim->verdict)) + ": " + claimed_text(*f.claim) + " claimed; " +
             count_text(f.claim->observed_documents) + " documents seen read, " +
             human_bytes(f.claim->observed_bytes) + " left");
  line("tampering, gaps:     ",
       std::to_string(f.tampering.size()) + ", " + std::to_string(f.gaps.size()));
  std::string kinds;
  for (const auto& w : f.weaknesses)
    kinds += (kinds.empty() ? "" : ", ") + std::string(to_string(w.kind));
  line("weaknesses:          ", kinds.empty() ? "none shown" : kinds);
  return o;
}

}  // namespace tansa::report
