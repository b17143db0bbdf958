// `tansa watch` end to end: the test starts the binary itself on 127.0.0.1 (ports chosen by the
// kernel, read back from what it prints), appends to a followed file through a rotation by rename
// and a copy-truncate, sends syslog over UDP and TCP (both framings), and kills it with SIGKILL
// and starts it again. Every detection is checked exactly: which rule, which host, which time,
// and that none is written twice. Processes are stopped by the PID this test started.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../unit/watch/hook_server.h"
#include "cli_test_util.h"
#include "evtx/writer.h"

namespace {

namespace fs = std::filesystem;
using tansa::testing::slurp;

const std::string kBin = TANSA_BINARY;
const std::string kRules = std::string(TANSA_SOURCE_DIR) + "/rules/linux";

// One `tansa watch` process, stopped by its PID.
class WatchProcess {
 public:
  WatchProcess(const std::vector<std::string>& args, const fs::path& err) : err_(err) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 2);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(kBin.c_str()));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(kBin.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~WatchProcess() { stop(SIGKILL); }
  // Waits until it has printed `what` (after `from` bytes of its standard error).
  bool wait_for(const std::string& what, std::size_t from = 0) {
    for (int i = 0; i < 600; ++i) {
      const std::string e = slurp(err_);
      if (e.size() > from && e.find(what, from) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  // The port of "listening on <proto> 127.0.0.1:PORT".
  int port(const std::string& proto) {
    const std::string e = slurp(err_);
    const std::string key = "listening on " + proto + " 127.0.0.1:";
    const auto at = e.rfind(key);
    return at == std::string::npos ? -1 : std::stoi(e.substr(at + key.size()));
  }

 private:
  fs::path err_;
  pid_t pid_ = -1;
};

struct Det {
  std::string title, host, time, source;
  auto operator<=>(const Det&) const = default;
};

std::vector<Det> read_detections(const fs::path& p) {
  std::vector<Det> out;
  simdjson::dom::parser parser;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e = parser.parse(line);
    Det d;
    d.title = std::string(std::string_view(e["rule_title"]));
    d.host = std::string(std::string_view(e["host"]));
    d.time = std::string(std::string_view(e["time"])).substr(0, 19);
    std::string_view file = e["source"]["file"];
    d.source = std::string(file);
    out.push_back(d);
  }
  return out;
}

// Waits until the detections file holds `n` lines (and a moment more, to see any extra).
std::vector<Det> wait_detections(const fs::path& p, std::size_t n) {
  for (int i = 0; i < 400; ++i) {
    if (fs::exists(p) && read_detections(p).size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return read_detections(p);
}

void append(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::app) << text;
}

std::string ssh(const std::string& time, const std::string& host, bool ok, const std::string& user,
                const std::string& ip) {
  return time + " " + host + " sshd[4242]: " + (ok ? "Accepted" : "Failed") + " password for " +
         user + " from " + ip + " port 50000 ssh2\n";
}

void send_udp(int port, const std::string& msg) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(fd);
}

// GET / from 127.0.0.1:port, the whole answer.
std::string http_get(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
  const std::string req = "GET /metrics HTTP/1.0\r\n\r\n";
  (void)::write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

void send_tcp(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

const std::string kRoot = "SSH Login as root Accepted";
const std::string kBurst = "SSH Failures From One Address";
const std::string kGuessed = "SSH Login Accepted From an Address That Was Guessing";

TEST(Watch, FilesRotationsSyslogAndKillNineGiveEveryDetectionOnce) {
  const fs::path dir = tansa::testing::tmp("watch", "acceptance");
  fs::remove_all(dir);
  fs::create_directories(dir / "rules");
  fs::copy_file(kRules + "/sshd_root_login_accepted.yml", dir / "rules/root.yml");
  fs::copy_file(kRules + "/ssh_bruteforce_then_success.yml", dir / "rules/burst.yml");
  const fs::path log = dir / "auth.log", out = dir / "detections.jsonl", err = dir / "err.txt";
  const std::string logp = log.string();
  append(log, ssh("Jan  5 02:00:00", "web1", true, "alice", "192.0.2.1"));  // before: no detection
  const std::vector<std::string> args = {
      "watch",        logp,          "-r",           (dir / "rules").string(),
      "-o",           out.string(),  "--state",      (dir / "state.db").string(),
      "--lateness",   "2s",          "--year",       "2024",
      "--syslog-udp", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0",
      "--metrics",    "127.0.0.1:0"};

  auto w = std::make_unique<WatchProcess>(args, err);
  ASSERT_TRUE(w->wait_for("watching")) << slurp(err);
  const int udp = w->port("udp"), tcp = w->port("tcp");
  ASSERT_GT(udp, 0) << slurp(err);
  ASSERT_GT(tcp, 0) << slurp(err);

  // 1. An appended line.
  append(log, ssh("Jan  5 03:00:00", "web1", true, "root", "203.0.113.7"));
  auto got = wait_detections(out, 1);
  ASSERT_EQ(got, (std::vector<Det>{{kRoot, "web1", "2024-01-05T03:00:00", logp}})) << slurp(err);

  // 2. A brute force that spans a rotation by rename: three failures in the old file, two and the
  // login in the new one.
  for (int i = 0; i < 3; ++i)
    append(log, ssh("Jan  5 04:00:0" + std::to_string(i), "web1", false, "bob", "198.51.100.9"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  fs::rename(log, dir / "auth.log.1");
  for (int i = 3; i < 5; ++i)
    append(log, ssh("Jan  5 04:00:0" + std::to_string(i), "web1", false, "bob", "198.51.100.9"));
  append(log, ssh("Jan  5 04:00:10", "web1", true, "bob", "198.51.100.9"));
  got = wait_detections(out, 3);
  ASSERT_EQ(got.size(), 3u) << slurp(err);
  EXPECT_EQ(got[1], (Det{kBurst, "web1", "2024-01-05T04:00:04", logp}));
  EXPECT_EQ(got[2], (Det{kGuessed, "web1", "2024-01-05T04:00:10", logp}));

  // 3. A copy-truncate: the file is copied away and emptied; the next line is at offset 0 again.
  fs::copy_file(log, dir / "auth.log.2");
  fs::resize_file(log, 0);
  append(log, ssh("Jan  5 04:30:00", "web1", true, "root", "203.0.113.8"));
  got = wait_detections(out, 4);
  ASSERT_EQ(got.size(), 4u) << slurp(err);
  EXPECT_EQ(got[3], (Det{kRoot, "web1", "2024-01-05T04:30:00", logp}));

  // 4. Syslog over UDP, then over TCP: one octet-counted and one newline-framed message.
  send_udp(udp,
           "<38>Jan  5 05:00:00 web2 sshd[9]: Accepted password for root from 192.0.2.50 "
           "port 22 ssh2");
  got = wait_detections(out, 5);
  ASSERT_EQ(got.size(), 5u) << slurp(err);
  EXPECT_EQ(got[4].title, kRoot);
  EXPECT_EQ(got[4].host, "web2");
  const std::string m5424 =
      "<38>1 2024-01-05T05:10:00Z web3 sshd 9 - - Accepted password for root from 192.0.2.51 "
      "port 22 ssh2";
  send_tcp(tcp, std::to_string(m5424.size()) + " " + m5424 +
                    "<38>Jan  5 05:20:00 web4 sshd[9]: Accepted password for root from "
                    "192.0.2.52 port 22 ssh2\n");
  got = wait_detections(out, 7);
  ASSERT_EQ(got.size(), 7u) << slurp(err);
  EXPECT_EQ(got[5],
            (Det{kRoot, "web3", "2024-01-05T05:10:00", "tcp 127.0.0.1:" + std::to_string(tcp)}));
  EXPECT_EQ(got[6],
            (Det{kRoot, "web4", "2024-01-05T05:20:00", "tcp 127.0.0.1:" + std::to_string(tcp)}));

  // Metrics: what was read per input and written, in Prometheus text.
  const std::string page = http_get(w->port("http"));
  EXPECT_NE(page.find("HTTP/1.0 200 OK"), std::string::npos) << page;
  EXPECT_NE(page.find("tansa_watch_events_total{input=\"" + logp + "\"} 9\n"), std::string::npos)
      << page;
  EXPECT_NE(page.find("tansa_watch_events_total{input=\"udp 127.0.0.1:" + std::to_string(udp) +
                      "\"} 1\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("tansa_watch_detections_total 7\n"), std::string::npos) << page;
  EXPECT_NE(page.find("tansa_watch_late_events_total 0\n"), std::string::npos) << page;
  EXPECT_NE(page.find("tansa_watch_file_lag_bytes{input=\"" + logp + "\"} 0\n"), std::string::npos)
      << page;

  // 5. kill -9 right after new lines (some may be read and written, some not), more lines while
  // it is down, then a restart: every detection once.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a checkpoint has passed
  append(log, ssh("Jan  5 06:00:00", "web1", true, "root", "203.0.113.9"));
  for (int i = 0; i < 5; ++i)
    append(log, ssh("Jan  5 06:10:0" + std::to_string(i), "web1", false, "eve", "198.51.100.77"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  w->stop(SIGKILL);
  append(log, ssh("Jan  5 06:20:00", "web1", true, "eve", "198.51.100.77"));
  append(log, ssh("Jan  5 06:30:00", "web1", true, "root", "203.0.113.10"));
  const std::size_t err_before = slurp(err).size();
  w = std::make_unique<WatchProcess>(args, err);
  ASSERT_TRUE(w->wait_for("watching", err_before)) << slurp(err);
  got = wait_detections(out, 11);
  w->stop(SIGTERM);
  got = read_detections(out);
  std::set<Det> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size()) << "a detection was written twice\n" << slurp(out);
  ASSERT_EQ(got.size(), 11u) << slurp(out) << slurp(err);
  const std::vector<Det> tail(got.begin() + 7, got.end());
  const std::set<Det> want = {{kRoot, "web1", "2024-01-05T06:00:00", logp},
                              {kBurst, "web1", "2024-01-05T06:10:04", logp},
                              {kGuessed, "web1", "2024-01-05T06:20:00", logp},
                              {kRoot, "web1", "2024-01-05T06:30:00", logp}};
  EXPECT_EQ(std::set<Det>(tail.begin(), tail.end()), want) << slurp(out);
}

TEST(Watch, ABarePortIsRefusedSoNothingListensOnEveryInterfaceByAccident) {
  const fs::path dir = tansa::testing::tmp("watch", "bare-port");
  fs::create_directories(dir);
  const fs::path err = dir / "err.txt";
  WatchProcess w({"watch", "--syslog-udp", "5514", "-r", kRules}, err);
  EXPECT_EQ(WEXITSTATUS(w.stop(0)), 2);
  EXPECT_NE(slurp(err).find("0.0.0.0"), std::string::npos) << slurp(err);
}

}  // namespace

namespace {

TEST(Watch, JsonLinesOnStandardInputAreWatchedUntilTheInputEnds) {
  const fs::path dir = tansa::testing::tmp("watch", "stdin");
  fs::create_directories(dir);
  const fs::path rules = dir / "rule.yml", out = dir / "d.jsonl", in = dir / "in.jsonl";
  std::ofstream(rules) << "title: Console Login Without MFA\nid: console-no-mfa\nstatus: test\n"
                          "level: high\nlogsource: {product: aws, service: cloudtrail}\n"
                          "detection:\n  selection:\n    eventName: ConsoleLogin\n"
                          "    additionalEventData.MFAUsed: 'No'\n  condition: selection\n";
  std::ofstream(in)
      << R"({"eventTime":"2024-01-05T03:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","additionalEventData":{"MFAUsed":"No"}})"
      << "\n"
      << R"({"eventTime":"2024-01-05T03:01:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","additionalEventData":{"MFAUsed":"Yes"}})"
      << "\n";
  EXPECT_EQ(tansa::testing::sh("timeout 60 '" + kBin + "' watch - -q -r '" + rules.string() +
                               "' -o '" + out.string() + "' < '" + in.string() + "'"),
            0);
  const auto got = read_detections(out);
  ASSERT_EQ(got.size(), 1u) << slurp(out);
  EXPECT_EQ(got[0], (Det{"Console Login Without MFA", "signin.amazonaws.com", "2024-01-05T03:00:00",
                         "stdin"}));
}

}  // namespace

namespace {

// A Windows Security log of records 1..n, the i-th with event id ids[i-1].
std::vector<std::uint8_t> security_log(const std::vector<std::uint16_t>& ids) {
  tansa::evtx::EvtxWriter w;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    tansa::evtx::EventSpec e;
    e.provider = ids[i] == 1102 ? "Microsoft-Windows-Eventlog" : e.provider;
    e.event_id = ids[i];
    e.computer = "DC01.corp.example";
    e.time = tansa::evtx::make_filetime(2024, 3, 14, 9, static_cast<int>(i), 0);
    e.data = {{"SubjectUserName", tansa::evtx::WValue::str("admin")}};
    w.add(e);
  }
  return w.finish();
}

// As a collector's share does it: a fresh copy renamed over the file.
void publish_copy(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  const fs::path tmp = p.string() + ".part";
  std::ofstream(tmp, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  fs::rename(tmp, p);
}

TEST(Watch, AnEvtxFileOnAShareIsFollowedAndEachSelectedDetectionPostedToAWebhook) {
  const fs::path dir = tansa::testing::tmp("watch", "evtx-webhook");
  fs::remove_all(dir);
  fs::create_directories(dir / "rules");
  const std::string win = std::string(TANSA_SOURCE_DIR) + "/rules/windows";
  fs::copy_file(win + "/security_log_cleared.yml", dir / "rules/cleared.yml");  // high
  fs::copy_file(win + "/audit_policy_changed.yml", dir / "rules/policy.yml");   // medium
  const fs::path log = dir / "Security.evtx", out = dir / "d.jsonl", err = dir / "err.txt";
  publish_copy(log, security_log({4624, 1102, 4719}));
  tansa::testing::HookServer hook({503});  // the first POST fails and is retried
  const std::vector<std::string> args = {"watch",
                                         log.string(),
                                         "-r",
                                         (dir / "rules").string(),
                                         "-o",
                                         out.string(),
                                         "--state",
                                         (dir / "state.db").string(),
                                         "--lateness",
                                         "1s",
                                         "--min-level",
                                         "high",
                                         "--webhook",
                                         hook.url(),
                                         "--webhook-header",
                                         "Authorization: Bearer t0ken",
                                         "--no-config"};
  auto w = std::make_unique<WatchProcess>(args, err);
  ASSERT_TRUE(w->wait_for("watching")) << slurp(err);
  // Only the high rule's detection is written (--min-level high): record 2.
  auto got = wait_detections(out, 1);
  ASSERT_EQ(got, (std::vector<Det>{{"Security Event Log Cleared", "DC01.corp.example",
                                    "2024-03-14T09:01:00", log.string()}}))
      << slurp(err);
  // A new copy with two more records, one of them another clearing.
  publish_copy(log, security_log({4624, 1102, 4719, 4719, 1102}));
  got = wait_detections(out, 2);
  ASSERT_EQ(got.size(), 2u) << slurp(err);
  EXPECT_EQ(got[1].time, "2024-03-14T09:04:00");
  // kill -9 and a restart on the same copy: nothing read again, nothing written twice.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a checkpoint has passed
  w->stop(SIGKILL);
  const std::size_t err_before = slurp(err).size();
  w = std::make_unique<WatchProcess>(args, err);
  ASSERT_TRUE(w->wait_for("watching", err_before)) << slurp(err);
  publish_copy(log, security_log({4624, 1102, 4719, 4719, 1102, 1102}));
  got = wait_detections(out, 3);
  w->stop(SIGTERM);
  got = read_detections(out);
  ASSERT_EQ(got.size(), 3u) << slurp(out) << slurp(err);
  EXPECT_EQ(got[2].time, "2024-03-14T09:05:00");
  // Every written line was POSTed, in order, once each after the first one's retry. The first
  // process's queue could still hold one when it was killed: each line reaches the hook at least
  // once.
  std::vector<std::string> lines;
  {
    std::ifstream in(out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  const auto bodies = hook.bodies();
  ASSERT_GE(bodies.size(), 4u) << slurp(err);
  EXPECT_EQ(bodies[0], lines[0]);  // refused with 503
  EXPECT_EQ(bodies[1], lines[0]);  // and sent again
  std::set<std::string> posted(bodies.begin(), bodies.end());
  EXPECT_EQ(posted, std::set<std::string>(lines.begin(), lines.end()));
  for (const std::string& h : hook.heads())
    EXPECT_NE(h.find("Authorization: Bearer t0ken"), std::string::npos) << h;
  EXPECT_NE(slurp(err).find("HTTP 503; retrying"), std::string::npos) << slurp(err);
  EXPECT_NE(slurp(err).find("forwarded to webhook " + hook.url() + ": 1 sent, 0 retries"),
            std::string::npos)
      << slurp(err);
}

}  // namespace

namespace {

// A Zeek conn row (TSV, the header's 6 columns) and an evtx_dump-shaped Windows record on a line.
std::string conn_row(const std::string& ts, const std::string& orig, const std::string& resp,
                     int port) {
  return ts + "\tC" + std::to_string(port) + "\t" + orig + "\t50000\t" + resp + "\t" +
         std::to_string(port) + "\n";
}
std::string windows_line(int record, int event_id, const std::string& time) {
  return R"({"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog"}},"EventID":)" +
         std::to_string(event_id) + R"(,"TimeCreated":{"#attributes":{"SystemTime":")" + time +
         R"("}},"EventRecordID":)" + std::to_string(record) +
         R"(,"Channel":"Security","Computer":"DC01.corp.example"},"UserData":{}}})" + "\n";
}

TEST(Watch, ZeekTsvAndWindowsJsonAreFollowedLiveAcrossARestart) {
  const fs::path dir = tansa::testing::tmp("watch", "zeek-winjson");
  fs::remove_all(dir);
  fs::create_directories(dir / "rules");
  fs::copy_file(std::string(TANSA_SOURCE_DIR) + "/rules/windows/security_log_cleared.yml",
                dir / "rules/cleared.yml");
  std::ofstream(dir / "rules/c2.yml")
      << "title: Connection To Port 4444\nid: zeek-4444\nstatus: test\nlevel: high\n"
         "logsource: {product: zeek, service: conn}\n"
         "detection:\n  selection:\n    id.resp_p: 4444\n  condition: selection\n";
  const fs::path conn = dir / "conn.log", sec = dir / "security.json", out = dir / "d.jsonl",
                 err = dir / "err.txt";
  append(conn,
         "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
         "#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n"
         "#types\ttime\tstring\taddr\tport\taddr\tport\n");
  append(conn, conn_row("1710406800.000000", "10.0.0.5", "203.0.113.9", 443));
  append(sec, windows_line(10, 4624, "2024-03-14T09:00:00.000000Z"));
  const std::vector<std::string> args = {"watch",
                                         conn.string(),
                                         sec.string(),
                                         "-r",
                                         (dir / "rules").string(),
                                         "-o",
                                         out.string(),
                                         "--state",
                                         (dir / "state.db").string(),
                                         "--lateness",
                                         "1s",
                                         "--no-config"};
  auto w = std::make_unique<WatchProcess>(args, err);
  ASSERT_TRUE(w->wait_for("watching")) << slurp(err);
  append(conn, conn_row("1710406860.000000", "10.0.0.5", "203.0.113.9", 4444));
  append(sec, windows_line(11, 1102, "2024-03-14T09:02:00.000000Z"));
  auto got = wait_detections(out, 2);
  ASSERT_EQ(got.size(), 2u) << slurp(err);
  const std::set<Det> first = {
      {"Connection To Port 4444", "10.0.0.5", "2024-03-14T09:01:00", conn.string()},
      {"Security Event Log Cleared", "DC01.corp.example", "2024-03-14T09:02:00", sec.string()}};
  EXPECT_EQ(std::set<Det>(got.begin(), got.end()), first);
  // A restart resumes mid-file: Zeek's header is read again from the file's start.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  w->stop(SIGTERM);
  append(conn, conn_row("1710406920.000000", "10.0.0.6", "203.0.113.9", 4444));
  const std::size_t err_before = slurp(err).size();
  w = std::make_unique<WatchProcess>(args, err);
  ASSERT_TRUE(w->wait_for("watching", err_before)) << slurp(err);
  got = wait_detections(out, 3);
  w->stop(SIGTERM);
  got = read_detections(out);
  ASSERT_EQ(got.size(), 3u) << slurp(out) << slurp(err);
  EXPECT_EQ(got[2],
            (Det{"Connection To Port 4444", "10.0.0.6", "2024-03-14T09:02:00", conn.string()}));
  EXPECT_EQ(slurp(err).find("; not read"), std::string::npos) << slurp(err);
  EXPECT_EQ(slurp(err).find("; skipped"), std::string::npos) << slurp(err);
}

}  // namespace
