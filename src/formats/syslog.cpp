#include "formats/syslog.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace tansa::formats {

namespace {

bool digit(char c) {
  return c >= '0' && c <= '9';
}

bool number(std::string_view s, std::size_t at, std::size_t len, int& out) {
  if (at + len > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + len; ++i) {
    if (!digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int month(std::string_view m) {
  static const char* kNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == kNames[i]) return i + 1;
  return 0;
}

int year_of(std::int64_t ns) {
  const std::int64_t day_ns = 86400000000000LL;
  return static_cast<int>(civil_from_days(ns / day_ns - (ns % day_ns < 0)).year);
}

// Next space-separated token from `pos`; pos moves past it and one following space.
std::string_view token(std::string_view s, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < s.size() && s[pos] != ' ') ++pos;
  const std::string_view t = s.substr(start, pos - start);
  if (pos < s.size()) ++pos;
  return t;
}

void add(Event& e, const char* name, std::string_view v) {
  e.add_string(field_id(name), v);
}

void add_int_text(Event& e, const char* name, std::string_view v) {
  std::int64_t n = 0;
  bool ok = !v.empty() && v.size() <= 18;
  for (char c : v) ok = ok && digit(c);
  if (!ok) return add(e, name, v);
  for (char c : v) n = n * 10 + (c - '0');
  e.add_int(field_id(name), n);
}

// "prog[pid]:" or "prog:" at `pos`; fills program and pid, returns the message offset.
std::size_t parse_tag(std::string_view line, std::size_t pos, Event& e) {
  std::size_t end = pos;
  while (end < line.size() && line[end] != ':' && line[end] != ' ' && line[end] != '[') ++end;
  std::string_view program = line.substr(pos, end - pos);
  std::string_view pid;
  if (end < line.size() && line[end] == '[') {
    const std::size_t close = line.find(']', end);
    if (close == std::string_view::npos) return pos;
    pid = line.substr(end + 1, close - end - 1);
    end = close + 1;
  }
  if (end >= line.size() || line[end] != ':' || program.empty()) {
    // No tag: the rest is the message.
    return pos;
  }
  add(e, "program", program);
  if (!pid.empty()) add_int_text(e, "pid", pid);
  ++end;
  if (end < line.size() && line[end] == ' ') ++end;
  return end;
}

// --- Linux authentication messages ----------------------------------------------------------

// Splits a message into words; small fixed array, no allocation.
struct Words {
  std::string_view w[48];
  std::size_t n = 0;
  explicit Words(std::string_view s) {
    std::size_t pos = 0;
    while (pos < s.size() && n < 48) {
      while (pos < s.size() && s[pos] == ' ') ++pos;
      if (pos >= s.size()) break;
      const std::size_t start = pos;
      while (pos < s.size() && s[pos] != ' ') ++pos;
      w[n++] = s.substr(start, pos - start);
    }
  }
  std::string_view operator[](std::size_t i) const { return i < n ? w[i] : std::string_view(); }
  // Index of `word` at or after `from`, or n.
  std::size_t find(std::string_view word, std::size_t from = 0) const {
    for (std::size_t i = from; i < n; ++i)
      if (w[i] == word) return i;
    return n;
  }
};

std::string_view strip_uid(std::string_view u) {  // "root(uid=0)" -> "root"
  const auto p = u.find('(');
  return p == std::string_view::npos ? u : u.substr(0, p);
}

// "... from IP port N ..." / "... IP port N" after index i.
void address_after(const Words& w, std::size_t from_idx, Event& e) {
  if (from_idx + 1 < w.n) add(e, "src_ip", w[from_idx + 1]);
  if (w[from_idx + 2] == "port" && from_idx + 3 < w.n) add_int_text(e, "src_port", w[from_idx + 3]);
}

void parse_sshd(std::string_view msg, Event& e) {
  const Words w(msg);
  if ((w[0] == "Accepted" || w[0] == "Failed") && w[2] == "for") {
    add(e, "outcome", w[0] == "Accepted" ? "accepted" : "failed");
    add(e, "auth_method", w[1]);
    std::size_t i = 3;
    if (w[3] == "invalid" && w[4] == "user") {
      add(e, "invalid_user", "true");
      i = 5;
    }
    add(e, "user", w[i]);
    const std::size_t from = w.find("from", i + 1);
    if (from < w.n) address_after(w, from, e);
    // "ssh2: RSA SHA256:abc..." after the port
    const std::size_t ssh2 = w.find("ssh2:", from);
    if (ssh2 < w.n) {
      add(e, "key_type", w[ssh2 + 1]);
      add(e, "key_fingerprint", w[ssh2 + 2]);
    }
    return;
  }
  if (w[0] == "Invalid" && w[1] == "user") {
    add(e, "outcome", "invalid_user");
    const std::size_t from = w.find("from", 2);
    if (from > 2) add(e, "user", w[2]);
    if (from < w.n) address_after(w, from, e);
    return;
  }
  if ((w[0] == "Connection" && w[1] == "closed" && w[2] == "by") ||
      (w[0] == "Disconnected" && w[1] == "from")) {
    add(e, "outcome", w[0] == "Connection" ? "closed" : "disconnected");
    const std::size_t port = w.find("port", 3);
    if (port < w.n && port >= 1) {
      add(e, "src_ip", w[port - 1]);
      add_int_text(e, "src_port", w[port + 1]);
      if (port >= 2 && w[port - 2] != "by" && w[port - 2] != "from") add(e, "user", w[port - 2]);
    }
    return;
  }
  if (msg.starts_with("pam_unix(")) {
    const Words pw(msg);
    if (msg.find("session opened for user ") != std::string_view::npos) {
      add(e, "outcome", "session_opened");
      add(e, "user", strip_uid(pw[pw.find("user") + 1]));
    } else if (msg.find("session closed for user ") != std::string_view::npos) {
      add(e, "outcome", "session_closed");
      add(e, "user", strip_uid(pw[pw.find("user") + 1]));
    } else if (msg.find("authentication failure;") != std::string_view::npos) {
      add(e, "outcome", "auth_failure");
      for (std::size_t i = 0; i < pw.n; ++i) {
        if (pw[i].starts_with("rhost=") && pw[i].size() > 6) add(e, "src_ip", pw[i].substr(6));
        if (pw[i].starts_with("user=") && pw[i].size() > 5) add(e, "user", pw[i].substr(5));
      }
    }
  }
}

void parse_sudo(std::string_view msg, Event& e) {
  while (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);  // sudo pads the user name
  // "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash"
  const auto colon = msg.find(" : ");
  if (colon != std::string_view::npos && colon > 0 &&
      msg.substr(0, colon).find(' ') == std::string_view::npos) {
    add(e, "user", msg.substr(0, colon));
    std::string_view rest = msg.substr(colon + 3);
    const bool failed = rest.find("incorrect password") != std::string_view::npos ||
                        rest.find("authentication failure") != std::string_view::npos ||
                        rest.find("NOT in sudoers") != std::string_view::npos;
    add(e, "outcome", failed ? "sudo_failed" : "sudo");
    while (!rest.empty()) {
      const auto sep = rest.find(" ; ");
      std::string_view part = rest.substr(0, sep);
      // COMMAND is last and may itself contain " ; "
      if (part.starts_with("COMMAND=")) {
        add(e, "sudo_command", rest.substr(8));
        break;
      }
      if (part.starts_with("TTY="))
        add(e, "sudo_tty", part.substr(4));
      else if (part.starts_with("PWD="))
        add(e, "sudo_pwd", part.substr(4));
      else if (part.starts_with("USER="))
        add(e, "sudo_target_user", part.substr(5));
      if (sep == std::string_view::npos) break;
      rest.remove_prefix(sep + 3);
    }
    return;
  }
  if (msg.starts_with("pam_unix(sudo:session): session opened for user ")) {
    const Words w(msg);
    add(e, "outcome", "session_opened");
    add(e, "sudo_target_user", strip_uid(w[w.find("user") + 1]));
    const std::size_t by = w.find("by");
    if (by < w.n) add(e, "user", strip_uid(w[by + 1]));
  }
}

void parse_su(std::string_view msg, Event& e) {
  // "(to root) alice on pts/0", "FAILED SU (to root) alice on pts/0"
  const bool failed = msg.starts_with("FAILED SU ");
  std::string_view m = failed ? msg.substr(10) : msg;
  if (m.starts_with("(to ")) {
    const auto close = m.find(") ");
    if (close == std::string_view::npos) return;
    add(e, "outcome", failed ? "su_failed" : "su");
    add(e, "su_target_user", m.substr(4, close - 4));
    const Words w(m.substr(close + 2));
    add(e, "user", w[0]);
    return;
  }
  if (msg.starts_with("pam_unix(su") &&
      msg.find("session opened for user ") != std::string_view::npos) {
    const Words w(msg);
    add(e, "outcome", "session_opened");
    add(e, "su_target_user", strip_uid(w[w.find("user") + 1]));
    const std::size_t by = w.find("by");
    if (by < w.n) add(e, "user", strip_uid(w[by + 1]));
  }
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::size_t parse_syslog_header(std::string_view line, const SyslogOptions& opt, Event& e) {
  std::size_t pos = 0;
  if (!line.empty() && line[0] == '<') {
    std::size_t close = 1;
    int pri = 0;
    while (close < line.size() && close <= 4 && digit(line[close]))
      pri = pri * 10 + (line[close++] - '0');
    if (close == 1 || close >= line.size() || line[close] != '>' || pri > 191)
      return std::string_view::npos;
    e.add_int(field_id("facility"), pri / 8);
    e.add_int(field_id("severity"), pri % 8);
    pos = close + 1;
  }
  const std::string_view rest = line.substr(pos);
  // RFC 5424: "1 TIMESTAMP HOST APP PROCID MSGID SD MSG"
  if (rest.size() > 2 && rest[0] == '1' && rest[1] == ' ') {
    std::size_t p = pos + 2;
    const std::string_view ts = token(line, p);
    std::int64_t ns = 0;
    if (ts != "-" && !parse_iso_time(ts, ns, opt.tz_offset_minutes)) return std::string_view::npos;
    e.time_ns = ns;
    const std::string_view host = token(line, p), app = token(line, p), procid = token(line, p),
                           msgid = token(line, p);
    if (host != "-") add(e, "host", host);
    if (app != "-") add(e, "program", app);
    if (procid != "-") add_int_text(e, "pid", procid);
    if (msgid != "-") add(e, "msgid", msgid);
    // Structured data: "-" or one or more [id name="value" ...].
    if (p < line.size() && line[p] == '-') {
      p = std::min(p + 2, line.size());  // "- " before the message, or "-" ending the line
    } else {
      while (p < line.size() && line[p] == '[') {
        std::size_t q = p + 1;
        while (q < line.size() && line[q] != ' ' && line[q] != ']') ++q;
        const std::string_view id = line.substr(p + 1, q - p - 1);
        while (q < line.size() && line[q] != ']') {
          while (q < line.size() && line[q] == ' ') ++q;
          const std::size_t eq = line.find('=', q);
          if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
            return std::string_view::npos;
          const std::string_view name = line.substr(q, eq - q);
          std::string value;
          std::size_t v = eq + 2;
          for (; v < line.size() && line[v] != '"'; ++v) {
            if (line[v] == '\\' && v + 1 < line.size()) ++v;
            value += line[v];
          }
          if (v >= line.size()) return std::string_view::npos;
          e.add_string(field_id("sd." + std::string(id) + "." + std::string(name)), value);
          q = v + 1;
        }
        if (q >= line.size()) return std::string_view::npos;
        p = q + 1;
      }
      if (p < line.size() && line[p] == ' ') ++p;
    }
    if (line.substr(p).starts_with("\xef\xbb\xbf")) p += 3;  // BOM before a UTF-8 message
    return std::min(p, line.size());
  }
  std::size_t p = pos;
  if (rest.size() >= 19 && digit(rest[0]) && rest[4] == '-') {
    // "2024-01-05T03:12:44.123456+09:00 host prog[pid]: msg" (rsyslog's high-precision format)
    const std::string_view ts = token(line, p);
    std::int64_t ns;
    if (!parse_iso_time(ts, ns, opt.tz_offset_minutes)) return std::string_view::npos;
    e.time_ns = ns;
  } else {
    // "Jan  5 03:12:44 host prog[pid]: msg"
    int mo = month(rest.substr(0, 3)), d = 0, h, mi, s;
    if (mo == 0 || rest.size() < 15 || rest[3] != ' ') return std::string_view::npos;
    std::size_t q = 4;
    if (rest[q] == ' ') ++q;
    // At most two digits: a longer run is not a day (and must not overflow).
    for (int k = 0; k < 2 && q < rest.size() && digit(rest[q]); ++k) d = d * 10 + (rest[q++] - '0');
    if (d < 1 || d > 31 || q >= rest.size() || rest[q] != ' ') return std::string_view::npos;
    ++q;
    if (q + 8 > rest.size() || !number(rest, q, 2, h) || rest[q + 2] != ':' ||
        !number(rest, q + 3, 2, mi) || rest[q + 5] != ':' || !number(rest, q + 6, 2, s))
      return std::string_view::npos;
    q += 8;
    // The year is missing: the file's year, unless that puts the line after the file was
    // last written, in which case the line is from the year before.
    const std::int64_t ref = opt.reference_ns ? opt.reference_ns : now_ns();
    int year = opt.year ? opt.year : year_of(ref);
    auto at = [&](int y) {
      return (days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
              h * 3600 + mi * 60 + s - static_cast<std::int64_t>(opt.tz_offset_minutes) * 60) *
             1000000000LL;
    };
    std::int64_t ns = at(year);
    if (!opt.year && ns > ref + 86400LL * 1000000000LL) ns = at(--year);
    e.time_ns = ns;
    p = pos + q;
    if (p < line.size() && line[p] == ' ') ++p;
  }
  const std::string_view host = token(line, p);
  if (host.empty()) return std::string_view::npos;
  add(e, "host", host);
  return parse_tag(line, p, e);
}

bool parse_syslog_line(std::string_view line, const SyslogOptions& opt, Event& e) {
  e.clear();
  const std::size_t msg_at = parse_syslog_header(line, opt, e);
  if (msg_at == std::string_view::npos) return false;
  const std::string_view msg = line.substr(msg_at);
  add(e, "message", msg);
  static const FieldId kProgram = field_id("program");
  const Value* prog = e.get(kProgram);
  std::string_view program = prog ? prog->text : std::string_view();
  e.logsource = {"linux", {}, "syslog"};
  if (program == "sshd" || program == "sshd-session") {
    e.logsource.service = "sshd";
    parse_sshd(msg, e);
  } else if (program == "sudo") {
    e.logsource.service = "sudo";
    parse_sudo(msg, e);
  } else if (program == "su") {
    e.logsource.service = "su";
    parse_su(msg, e);
  } else if (program == "cron" || program == "CRON" || program == "crond") {
    e.logsource.service = "cron";
  } else if (program == "login" || program == "systemd-logind") {
    e.logsource.service = "login";
  }
  return true;
}

TextReadStats read_line_records(io::LineReader& lines, const std::string& name,
                                std::uint32_t file_index,
                                const std::function<bool(std::string_view, Event&)>& parse,
                                std::string_view what,
                                const std::function<void(const Event&)>& emit,
                                const DiagnosticSink& diag) {
  TextReadStats stats;
  Event e;
  std::string_view line;
  std::uint64_t reported = 0;
  while (lines.next(line)) {
    if (line.empty()) continue;
    if (!parse(line, e)) {
      ++stats.skipped;
      // A flood of bad lines is summarised after the first hundred.
      if (diag && ++reported <= 100)
        diag(Diagnostic{name, Diagnostic::Where::Line, lines.line_number(),
                        std::string(what) + "; skipped"});
      continue;
    }
    e.source = SourceRef{file_index, SourceRef::Kind::Line, lines.line_number()};
    emit(e);
    ++stats.events;
  }
  if (diag && reported > 100)
    diag(
        Diagnostic{name, Diagnostic::Where::None, 0,
                   std::to_string(reported) + " lines skipped in all (" + std::string(what) + ")"});
  if (diag && !lines.error().empty())
    diag(Diagnostic{name, Diagnostic::Where::None, 0, lines.error()});
  return stats;
}

bool most_lines(std::string_view head, const std::function<bool(std::string_view)>& good_line) {
  int good = 0, total = 0;
  std::size_t pos = 0;
  while (pos < head.size() && total < 10) {
    std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (total > 0) break;  // a cut last line says nothing
      nl = head.size();
    }
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) continue;
    ++total;
    good += good_line(line) ? 1 : 0;
  }
  return total > 0 && good * 10 >= total * 8;
}

TextReadStats read_syslog(io::LineReader& lines, const std::string& name, std::uint32_t file_index,
                          const SyslogOptions& options,
                          const std::function<void(const Event&)>& emit,
                          const DiagnosticSink& diag) {
  return read_line_records(
      lines, name, file_index,
      [&](std::string_view l, Event& e) { return parse_syslog_line(l, options, e); },
      "not a syslog line", emit, diag);
}

bool looks_like_syslog(std::string_view head) {
  const SyslogOptions opt;
  Event e;
  return most_lines(head, [&](std::string_view l) { return parse_syslog_line(l, opt, e); });
}

}  // namespace tansa::formats
