// Batch hunting across machines end to end (docs/scale.md, "Batch"): the test starts one NATS
// JetStream server itself, on 127.0.0.1, on a port the kernel chose, in a fresh folder, and stops
// it by the PID it started. `tansa hunt --nats` with two `tansa worker` processes over the SigmaHQ
// regression EVTX files (with tansa's own test logs and a correlation rule, so correlations run
// over the merged detections) must write exactly the JSON lines a local `tansa hunt` writes: once
// with both workers alive, and once with one worker killed with SIGKILL in the middle of an input
// (after publishing part of its results, before its end record), whose input is then delivered
// again to the other worker after AckWait.
//
// Skipped when the SigmaHQ data is absent; a missing nats-server fails the test (CI installs it).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
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

const std::string kSrc = TANSA_SOURCE_DIR;
const std::string kBin = TANSA_BINARY;

std::string sigmahq_dir() {
  if (const char* env = std::getenv("TANSA_SIGMAHQ")) return env;
  return TANSA_SIGMAHQ_DIR;
}

class ScaleBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = sigmahq_dir();
    if (!fs::exists(root_ + "/regression_data"))
      GTEST_SKIP() << "SigmaHQ data not found at " << root_;
    ASSERT_TRUE(fs::exists("/usr/sbin/nats-server"))
        << "nats-server missing: run scripts/install-deps.sh";
    dir_ = tansa::testing::tmp("scale_batch", "run");
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "js");
    port_ = free_port();
    nats_ = std::make_unique<Proc>(
        std::vector<std::string>{"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(port_), "-sd", (dir_ / "js").string()},
        dir_ / "nats.txt", kSrc);
    ASSERT_TRUE(wait_until(30, [&] {
      return slurp(dir_ / "nats.txt").find("Server is ready") != std::string::npos;
    })) << slurp(dir_ / "nats.txt");
    url_ = "nats://127.0.0.1:" + std::to_string(port_);
    // Rules: SigmaHQ's, tansa's Windows pack (with its correlations) and a test correlation that
    // fires on the test logs; inputs: the regression files (some hold the same records: the
    // duplicates are merged across workers) and tansa's test logs.
    rules_ = {"-r", root_ + "/rules", "-r", "rules/windows", "-r", "tests/data/hunt/correlation"};
    inputs_ = {root_ + "/regression_data", "tests/data/hunt/logs", "tests/data/evtx"};
    // The local hunt: the output the batch run must equal.
    std::vector<std::string> local = {kBin, "hunt", "-q", "--threads", "2"};
    local.insert(local.end(), rules_.begin(), rules_.end());
    local.insert(local.end(), inputs_.begin(), inputs_.end());
    local.insert(local.end(), {"-o", (dir_ / "local.jsonl").string()});
    Proc hunt(local, dir_ / "local.txt", kSrc);
    ASSERT_EQ(hunt.wait(120), 0) << hunt.err();
    ASSERT_GT(slurp(dir_ / "local.jsonl").size(), 10000u);
  }
  void TearDown() override {
    if (nats_) nats_->stop(SIGTERM);
  }

  std::unique_ptr<Proc> worker(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kBin, "worker", "--nats", url_, "--threads", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Proc>(argv, dir_ / (name + ".txt"), kSrc);
    const fs::path err = dir_ / (name + ".txt");
    EXPECT_TRUE(wait_until(30, [&] {
      return slurp(err).find("waiting for work") != std::string::npos;
    })) << slurp(err);
    return p;
  }

  std::unique_ptr<Proc> submit(const std::string& out) {
    std::vector<std::string> argv = {kBin, "hunt", "--nats", url_, "--nats-stall", "60"};
    argv.insert(argv.end(), rules_.begin(), rules_.end());
    argv.insert(argv.end(), inputs_.begin(), inputs_.end());
    argv.insert(argv.end(), {"-o", (dir_ / out).string()});
    return std::make_unique<Proc>(argv, dir_ / (out + ".txt"), kSrc);
  }

  std::string root_;
  fs::path dir_;
  int port_ = 0;
  std::string url_;
  std::unique_ptr<Proc> nats_;
  std::vector<std::string> rules_, inputs_;
};

TEST_F(ScaleBatch, TwoWorkersWriteExactlyTheLocalOutput) {
  auto a = worker("a");
  auto b = worker("b");
  auto hunt = submit("nats.jsonl");
  EXPECT_EQ(hunt->wait(80), 0) << hunt->err();
  const std::string local = slurp(dir_ / "local.jsonl"), batch = slurp(dir_ / "nats.jsonl");
  EXPECT_EQ(batch.size(), local.size());
  EXPECT_TRUE(batch == local) << "the batch output differs from the local one";
  EXPECT_EQ(hunt->err().find("failed on the workers"), std::string::npos) << hunt->err();
  a->stop(SIGTERM);
  b->stop(SIGTERM);
}

TEST_F(ScaleBatch, AWorkerKilledMidInputChangesNothing) {
  // Worker a holds the first input with detections after publishing them, before its end record
  // and acknowledgement; it is killed there. b takes everything else, then a's input again once
  // AckWait has passed; a's partial attempt is left out.
  auto a = worker("a", {"--hold", "120000"});
  auto hunt = submit("killed.jsonl");
  ASSERT_TRUE(wait_until(60, [&] {
    return slurp(dir_ / "a.txt").find("holding") != std::string::npos;
  })) << slurp(dir_ / "a.txt");
  auto b = worker("b");
  a->stop(SIGKILL);
  EXPECT_EQ(hunt->wait(80), 0) << hunt->err();
  const std::string local = slurp(dir_ / "local.jsonl"), batch = slurp(dir_ / "killed.jsonl");
  EXPECT_EQ(batch.size(), local.size());
  EXPECT_TRUE(batch == local) << "the batch output differs from the local one";
  const std::string said = hunt->err();
  EXPECT_NE(said.find("delivered again"), std::string::npos) << said;
  EXPECT_NE(said.find("partial or repeated worker attempts left out"), std::string::npos) << said;
  EXPECT_NE(slurp(dir_ / "b.txt").find("delivery 2"), std::string::npos) << slurp(dir_ / "b.txt");
  b->stop(SIGTERM);
}

TEST_F(ScaleBatch, InputsAWorkerCannotReadAreReportedAsALocalHuntReportsThem) {
  // A file in no known format and an EVTX file cut short: the workers' problems are printed by the
  // submitting hunt exactly as a local hunt prints its own, and the readable rest is written.
  const fs::path bad = dir_ / "bad";
  fs::create_directories(bad);
  {
    std::ofstream(bad / "junk.bin", std::ios::binary) << std::string("\x01\x02\x03 not a log");
    const std::string evtx = slurp(kSrc + "/tests/data/evtx/sample.evtx");
    std::ofstream(bad / "cut.evtx", std::ios::binary) << evtx.substr(0, evtx.size() / 2 + 777);
  }
  inputs_ = {bad.string(), "tests/data/evtx"};
  std::vector<std::string> local = {kBin, "hunt", "--threads", "2"};
  local.insert(local.end(), rules_.begin(), rules_.end());
  local.insert(local.end(), inputs_.begin(), inputs_.end());
  local.insert(local.end(), {"-o", (dir_ / "bad-local.jsonl").string()});
  Proc alone(local, dir_ / "bad-local.txt", kSrc);
  ASSERT_EQ(alone.wait(120), 0) << alone.err();
  auto a = worker("a");
  auto b = worker("b");
  auto hunt = submit("bad-nats.jsonl");
  EXPECT_EQ(hunt->wait(80), 0) << hunt->err();
  EXPECT_EQ(slurp(dir_ / "bad-nats.jsonl"), slurp(dir_ / "bad-local.jsonl"));
  // The problem lines (those naming an input), in any order.
  auto problems = [](const std::string& text) {
    std::multiset<std::string> lines;
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(at, end - at);
      if (!line.starts_with("tansa ")) lines.insert(line);
      at = end + 1;
    }
    return lines;
  };
  const auto want = problems(slurp(dir_ / "bad-local.txt"));
  EXPECT_GE(want.size(), 2u);
  EXPECT_EQ(problems(hunt->err()), want) << hunt->err();
  a->stop(SIGTERM);
  b->stop(SIGTERM);
}

}  // namespace
