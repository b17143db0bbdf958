// Scale-out end to end (docs/scale.md): the test starts every server itself, on 127.0.0.1, on
// ports the kernel chose, in fresh folders, and stops each by the PID it started: a 3-node NATS
// JetStream cluster, PostgreSQL, and three `tansa watch --nats` workers. Events from 50 hosts with
// brute-force-then-login patterns are published in three parts; a worker is killed with SIGKILL
// while the second part is consumed and started again, then the stream's leader node is killed
// before the third. The detections in PostgreSQL must equal exactly what a local `tansa hunt`
// finds in the same files, and a correlation whose events span the crash fires once.
//
// The servers come from Debian packages that scripts/install-deps.sh installs; a missing one
// fails the test (CI installs them), it is never skipped.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_util.h"
#include "process_test_util.h"

namespace {

namespace fs = std::filesystem;
using tansa::testing::free_port;
using tansa::testing::Proc;
using tansa::testing::slurp;
using tansa::testing::wait_until;

const std::string kBin = TANSA_BINARY;
const std::string kRules = std::string(TANSA_SOURCE_DIR) + "/rules/linux";
const std::string kPgBin = "/usr/lib/postgresql/15/bin";
constexpr unsigned kPartitions = 6;

// Output of a shell command.
std::string run(const std::string& cmd) {
  std::string out;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// PostgreSQL in `dir`, run as the postgres user (it refuses root).
class Postgres {
 public:
  explicit Postgres(const fs::path& dir) : dir_(dir) {
    port_ = free_port();
    fs::create_directories(dir);
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) return;
    ::chown(dir.c_str(), pw->pw_uid, pw->pw_gid);
    if (tansa::testing::sh("runuser -u postgres -- " + kPgBin +
                           "/initdb -A trust -U postgres -D '" + (dir / "data").string() + "' > '" +
                           (dir / "initdb.txt").string() + "' 2>&1") != 0)
      return;
    proc_ = std::make_unique<Proc>(
        std::vector<std::string>{"/usr/sbin/runuser", "-u", "postgres", "--", kPgBin + "/postgres",
                                 "-D", (dir / "data").string(), "-k", dir.string(), "-h",
                                 "127.0.0.1", "-p", std::to_string(port_), "-c", "fsync=off"},
        dir / "postgres.txt");
    ready_ = wait_until(60, [&] {
      return tansa::testing::sh(kPgBin + "/pg_isready -q -h 127.0.0.1 -p " +
                                std::to_string(port_)) == 0;
    });
  }
  // runuser forwards SIGTERM to postgres (a smart shutdown); then waits.
  ~Postgres() {
    if (proc_) proc_->stop(SIGTERM);
  }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] std::string connstr() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
  }
  std::string query(const std::string& sql) const {
    return run("psql -X -q -At -h 127.0.0.1 -p " + std::to_string(port_) +
               " -U postgres -d postgres -c \"" + sql + "\" 2>&1");
  }
  [[nodiscard]] std::string log() const {
    return slurp(dir_ / "initdb.txt") + slurp(dir_ / "postgres.txt");
  }

 private:
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<Proc> proc_;
  bool ready_ = false;
};

// Three JetStream nodes in one cluster, with the partition mapping tansa's docs give.
class NatsCluster {
 public:
  explicit NatsCluster(const fs::path& dir) {
    std::vector<int> cluster_ports;
    for (int i = 0; i < 3; ++i) {
      ports_.push_back(free_port());
      cluster_ports.push_back(free_port());
    }
    for (int i = 0; i < 3; ++i) {
      const fs::path d = dir / ("n" + std::to_string(i));
      fs::create_directories(d);
      std::string routes;
      for (int j = 0; j < 3; ++j)
        if (j != i) routes += "\n  nats://127.0.0.1:" + std::to_string(cluster_ports[j]);
      std::ofstream(d / "nats.conf")
          << "server_name: n" << i << "\nlisten: 127.0.0.1:" << ports_[i]
          << "\njetstream { store_dir: \"" << (d / "js").string() << "\" }\n"
          << "cluster { name: tansa\n listen: 127.0.0.1:" << cluster_ports[i] << "\n routes: ["
          << routes << "\n ] }\n"
          << "mappings { \"tansa.raw.*\": \"tansa.part.{{partition(" << kPartitions
          << ",1)}}.{{wildcard(1)}}\" }\n";
      nodes_.push_back(std::make_unique<Proc>(
          std::vector<std::string>{"/usr/sbin/nats-server", "-c", (d / "nats.conf").string()},
          d / "log.txt"));
      logs_.push_back(d / "log.txt");
    }
  }
  [[nodiscard]] std::string urls() const {
    std::string u;
    for (int p : ports_)
      u += (u.empty() ? "" : ",") + std::string("nats://127.0.0.1:") + std::to_string(p);
    return u;
  }
  // The node index of the stream's leader (by its server name), -1 when unknown.
  int stream_leader(const std::string& stream) const {
    int leader = -1;
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    if (natsConnection_ConnectTo(&nc, urls().c_str()) != NATS_OK) return -1;
    jsStreamInfo* si = nullptr;
    if (natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
        js_GetStreamInfo(&si, js, stream.c_str(), nullptr, nullptr) == NATS_OK) {
      if (si->Cluster && si->Cluster->Leader) {
        const std::string name = si->Cluster->Leader;
        if (name.size() == 2 && name[0] == 'n') leader = name[1] - '0';
      }
      jsStreamInfo_Destroy(si);
    }
    if (js) jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return leader;
  }
  // Whether JetStream answers (a meta leader is elected) and can place a stream on all three
  // nodes: a meta leader that does not yet know every peer refuses three replicas ("no suitable
  // peers for placement"), which a loaded machine showed.
  [[nodiscard]] bool ready() const {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    if (natsConnection_ConnectTo(&nc, urls().c_str()) != NATS_OK) return false;
    jsAccountInfo* ai = nullptr;
    bool ok = natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
              js_GetAccountInfo(&ai, js, nullptr, nullptr) == NATS_OK;
    if (ok) {
      const char* subject = "tansa_test_ready.x";
      jsStreamConfig c;
      jsStreamConfig_Init(&c);
      c.Name = "TANSA_TEST_READY";
      c.Subjects = &subject;
      c.SubjectsLen = 1;
      c.Storage = js_MemoryStorage;
      c.Replicas = 3;
      jsStreamInfo* si = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      ok = js_AddStream(&si, js, &c, nullptr, &code) == NATS_OK || code == JSStreamNameExistErr;
      if (si) jsStreamInfo_Destroy(si);
      if (ok) ok = js_DeleteStream(js, "TANSA_TEST_READY", nullptr, &code) == NATS_OK;
    }
    if (ai) jsAccountInfo_Destroy(ai);
    if (js) jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return ok;
  }
  // Messages of the stream not yet acknowledged by the consumers (pending or unacknowledged);
  // -1 when it cannot be asked.
  [[nodiscard]] long long outstanding(const std::string& stream) const {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    if (natsConnection_ConnectTo(&nc, urls().c_str()) != NATS_OK) return -1;
    long long total = 0;
    if (natsConnection_JetStream(&js, nc, nullptr) != NATS_OK) total = -1;
    for (unsigned p = 0; p < kPartitions && total >= 0; ++p) {
      jsConsumerInfo* ci = nullptr;
      const std::string durable = stream + "_p" + std::to_string(p);
      if (js_GetConsumerInfo(&ci, js, stream.c_str(), durable.c_str(), nullptr, nullptr) !=
          NATS_OK) {
        total = -1;
        break;
      }
      total += static_cast<long long>(ci->NumPending) + ci->NumAckPending;
      jsConsumerInfo_Destroy(ci);
    }
    if (js) jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return total;
  }
  void kill(int i) { nodes_[i]->stop(SIGKILL); }
  [[nodiscard]] std::string logs() const {
    std::string out;
    for (const auto& l : logs_) out += slurp(l).substr(0, 4000);
    return out;
  }

 private:
  std::vector<int> ports_;
  std::vector<std::unique_ptr<Proc>> nodes_;
  std::vector<fs::path> logs_;
};

struct Det {
  std::string title, host, time, source;
  auto operator<=>(const Det&) const = default;
};

Det parse(simdjson::dom::parser& parser, const std::string& line) {
  simdjson::dom::element e = parser.parse(line);
  Det d;
  d.title = std::string(std::string_view(e["rule_title"]));
  d.host = std::string(std::string_view(e["host"]));
  d.time = std::string(std::string_view(e["time"]));
  d.source = std::string(std::string_view(e["source"]["file"]));
  return d;
}

std::multiset<Det> parse_lines(const std::string& text) {
  std::multiset<Det> out;
  simdjson::dom::parser parser;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.insert(parse(parser, line));
  return out;
}

std::string two(int n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

std::string ssh(int minute, int second, int host, bool ok, const std::string& user,
                const std::string& ip) {
  return "Jan  5 04:" + two(minute) + ":" + two(second) + " h" + two(host) +
         " sshd[4242]: " + (ok ? "Accepted" : "Failed") + " password for " + user + " from " + ip +
         " port 50000 ssh2\n";
}

const std::string kBurst = "SSH Failures From One Address";
const std::string kGuessed = "SSH Login Accepted From an Address That Was Guessing";
const std::string kRoot = "SSH Login as root Accepted";

void PrintTo(const Det& d, std::ostream* os) {
  *os << "{" << d.title << ", " << d.host << ", " << d.time << ", " << d.source << "}";
}

TEST(Scale, ThreeWorkersOnAJetStreamClusterSurviveAWorkerKillAndTheLeadersLoss) {
  const fs::path dir = tansa::testing::tmp("scale", "cluster");
  fs::remove_all(dir);
  fs::create_directories(dir / "rules");
  ASSERT_TRUE(fs::exists("/usr/sbin/nats-server"))
      << "nats-server missing: run scripts/install-deps.sh";
  ASSERT_TRUE(fs::exists(kPgBin + "/postgres"))
      << "postgresql missing: run scripts/install-deps.sh";
  fs::copy_file(kRules + "/sshd_root_login_accepted.yml", dir / "rules/root.yml");
  fs::copy_file(kRules + "/ssh_bruteforce_then_success.yml", dir / "rules/burst.yml");
  const std::string rules = (dir / "rules").string();

  // The events: per host, its own guessing address; part 1 has three failures, part 2 two more
  // and a login (the burst and the guessed login span part 1 and part 2), plus a root login on
  // every tenth host; part 3 a second address's whole pattern on every host.
  const fs::path p1 = dir / "p1.log", p2 = dir / "p2.log", p3 = dir / "p3.log";
  {
    std::ofstream a(p1), b(p2), c(p3);
    for (int s = 0; s < 3; ++s)
      for (int h = 0; h < 50; ++h)
        a << ssh(0, s, h, false, "admin", "198.51.100." + std::to_string(h + 1));
    for (int s = 0; s < 2; ++s)
      for (int h = 0; h < 50; ++h)
        b << ssh(1, s, h, false, "admin", "198.51.100." + std::to_string(h + 1));
    for (int h = 0; h < 50; ++h)
      b << ssh(2, 0, h, true, "alice", "198.51.100." + std::to_string(h + 1));
    for (int h = 0; h < 50; h += 10) b << ssh(3, 0, h, true, "root", "192.0.2.200");
    for (int s = 0; s < 6; ++s)
      for (int h = 0; h < 50; ++h)
        c << ssh(10, s, h, s == 5, "bob", "203.0.113." + std::to_string(h + 1));
  }
  // What one process finds in the same files (`tansa hunt` writes these): per host and guessing
  // address, the burst (at its fifth failure) and the login that followed it, and the five root
  // logins.
  std::multiset<Det> expected;
  for (int h = 0; h < 50; ++h) {
    expected.insert({kBurst, "h" + two(h), "2024-01-05T04:01:01.000000Z", p2.string()});
    expected.insert({kGuessed, "h" + two(h), "2024-01-05T04:02:00.000000Z", p2.string()});
    expected.insert({kBurst, "h" + two(h), "2024-01-05T04:10:04.000000Z", p3.string()});
    expected.insert({kGuessed, "h" + two(h), "2024-01-05T04:10:05.000000Z", p3.string()});
    if (h % 10 == 0)
      expected.insert({kRoot, "h" + two(h), "2024-01-05T04:03:00.000000Z", p2.string()});
  }

  Postgres pg(dir / "pg");
  ASSERT_TRUE(pg.ready()) << pg.log();
  NatsCluster nats(dir / "nats");
  ASSERT_TRUE(wait_until(60, [&] { return nats.ready(); })) << nats.logs();

  auto publish = [&](const fs::path& file) {
    return tansa::testing::sh(kBin + " publish -q --year 2024 --partitions " +
                              std::to_string(kPartitions) + " --replicas 3 --nats '" + nats.urls() +
                              "' '" + file.string() + "' 2>> '" + (dir / "publish.txt").string() +
                              "'");
  };
  auto worker = [&](int i) {
    return std::make_unique<Proc>(
        std::vector<std::string>{kBin, "watch", "-r", rules, "--nats", nats.urls(), "--pg",
                                 pg.connstr(), "--workers", "3", "--worker-index",
                                 std::to_string(i), "--partitions", std::to_string(kPartitions),
                                 "--replicas", "3"},
        dir / ("worker" + std::to_string(i) + ".txt"));
  };
  auto all_logs = [&] {
    std::string s;
    for (int i = 0; i < 3; ++i) s += slurp(dir / ("worker" + std::to_string(i) + ".txt"));
    return s + slurp(dir / "publish.txt");
  };
  auto in_pg = [&] { return parse_lines(pg.query("SELECT line FROM tansa_detections")); };
  auto count = [&] {
    const std::string n = pg.query("SELECT count(*) FROM tansa_detections");
    return n.empty() || !std::isdigit(static_cast<unsigned char>(n[0])) ? -1 : std::stoi(n);
  };

  // Part 1 through three workers; every message acknowledged.
  ASSERT_EQ(publish(p1), 0) << all_logs();
  std::vector<std::unique_ptr<Proc>> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(worker(i));
  ASSERT_TRUE(wait_until(60, [&] { return nats.outstanding("TANSA_RAW") == 0; })) << all_logs();
  EXPECT_EQ(count(), 0) << all_logs();  // failures alone are not shown

  // Part 2 while worker 1 runs; it is killed in the middle and started again.
  Proc pub2({kBin, "publish", "-q", "--year", "2024", "--nats", nats.urls(), p2.string()},
            dir / "publish.txt");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  workers[1]->stop(SIGKILL);
  ASSERT_EQ(pub2.wait(60), 0) << all_logs();
  workers[1] = worker(1);
  ASSERT_TRUE(wait_until(90, [&] { return count() == 105; })) << count() << all_logs();
  ASSERT_TRUE(wait_until(60, [&] { return nats.outstanding("TANSA_RAW") == 0; })) << all_logs();

  // The stream's leader node is lost; part 3 goes through the two left.
  const int leader = nats.stream_leader("TANSA_RAW");
  ASSERT_GE(leader, 0) << nats.logs();
  nats.kill(leader);
  ASSERT_EQ(publish(p3), 0) << all_logs();
  ASSERT_TRUE(wait_until(120, [&] { return count() == 205; })) << count() << all_logs();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // time for anything extra to show

  const std::multiset<Det> got = in_pg();
  std::vector<Det> missing, extra;
  std::ranges::set_difference(expected, got, std::back_inserter(missing));
  std::ranges::set_difference(got, expected, std::back_inserter(extra));
  EXPECT_EQ(missing, std::vector<Det>{}) << all_logs();
  EXPECT_EQ(extra, std::vector<Det>{}) << all_logs();
  EXPECT_EQ(got.size(), expected.size());
  // A burst whose failures span worker 1's crash (host h01 is in one of its partitions or
  // another's: every host's burst spans the kill) is there once.
  for (int h : {0, 1, 2, 49})
    EXPECT_EQ(pg.query("SELECT count(*) FROM tansa_detections WHERE rule_title = '" + kBurst +
                       "' AND host = 'h" + two(h) + "' AND time_ns < 1704427800000000000"),
              "1\n")
        << h;
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(workers[static_cast<std::size_t>(i)]->alive()) << all_logs();
  for (auto& w : workers) EXPECT_EQ(w->stop(SIGTERM), 0) << all_logs();
}

// Syslog received by `tansa publish --syslog-udp/--syslog-tcp` is published message by message:
// JetStream acknowledges storing each one (the counts line), one nats-server node, mapped as the
// docs say.
TEST(Scale, PublishReceivesSyslogOverUdpAndTcpAndPublishesEachMessage) {
  const fs::path dir = tansa::testing::tmp("scale", "publish-listen");
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_TRUE(fs::exists("/usr/sbin/nats-server"))
      << "nats-server missing: run scripts/install-deps.sh";
  const int port = free_port();
  std::ofstream(dir / "nats.conf") << "listen: 127.0.0.1:" << port << "\njetstream { store_dir: \""
                                   << (dir / "js").string() << "\" }\n"
                                   << "mappings { \"tansa.raw.*\": \"tansa.part.{{partition("
                                   << kPartitions << ",1)}}.{{wildcard(1)}}\" }\n";
  Proc server({"/usr/sbin/nats-server", "-c", (dir / "nats.conf").string()}, dir / "nats.txt");
  ASSERT_TRUE(wait_until(30, [&] {
    return server.err().find("Server is ready") != std::string::npos;
  })) << server.err();
  Proc publish(
      {kBin, "publish", "--nats", "nats://127.0.0.1:" + std::to_string(port), "--partitions",
       std::to_string(kPartitions), "--syslog-udp", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0"},
      dir / "publish.txt");
  ASSERT_TRUE(wait_until(60, [&] {
    return publish.err().find("listening on tcp 127.0.0.1:") != std::string::npos;
  })) << publish.err();
  const auto port_of = [&](const std::string& proto) {
    const std::string e = publish.err();
    const std::string key = "listening on " + proto + " 127.0.0.1:";
    return std::stoi(e.substr(e.find(key) + key.size()));
  };
  const auto address = [](int p) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(p));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  };
  {
    const int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = address(port_of("udp"));
    for (const std::string m :
         {"<38>Jan  5 05:00:00 web2 sshd[9]: Accepted password for root from 192.0.2.50 port 22 "
          "ssh2",
          "<38>Jan  5 05:00:01 web3 sshd[9]: Failed password for bob from 192.0.2.51 port 22 ssh2"})
      ::sendto(u, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(u);
    const int t = ::socket(AF_INET, SOCK_STREAM, 0);
    a = address(port_of("tcp"));
    ASSERT_EQ(::connect(t, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    const std::string m =
        "<38>1 2024-01-05T05:10:00Z web4 sshd 9 - - Accepted password for root from 192.0.2.52 "
        "port 22 ssh2";
    const std::string framed = std::to_string(m.size()) + " " + m;
    ASSERT_EQ(::write(t, framed.data(), framed.size()), static_cast<ssize_t>(framed.size()));
    ::close(t);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(WEXITSTATUS(publish.stop(SIGTERM)), 0) << publish.err();
  EXPECT_NE(publish.err().find("3 lines read, 3 published to TANSA_RAW (6 partitions), 0 already "
                               "there, 0 without a host"),
            std::string::npos)
      << publish.err();
}

}  // namespace
