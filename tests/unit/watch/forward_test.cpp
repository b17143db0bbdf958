// Forwarding detections (watch --webhook, --forward-syslog): what a webhook and a syslog collector
// on 127.0.0.1 receive, retries after a failure that may pass, no retry after a refusal for good,
// and the queue's bound with its counted drops.
#include "watch/forward.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hook_server.h"

namespace tansa::watch {
namespace {

using tansa::testing::bound_socket;
using tansa::testing::HookServer;

SyslogForwardOptions syslog_to(std::string address, std::string hostname) {
  SyslogForwardOptions o;
  o.address = std::move(address);
  o.hostname = std::move(hostname);
  return o;
}

WebhookOptions hook(std::string url, std::vector<std::string> headers) {
  WebhookOptions o;
  o.url = std::move(url);
  o.headers = std::move(headers);
  return o;
}

struct Notes {
  std::mutex mu;
  std::vector<std::string> lines;
  Forwarder::NoteFn fn() {
    return [this](const std::string& m) {
      std::lock_guard lock(mu);
      lines.push_back(m);
    };
  }
};

TEST(Forward, SyslogMessageIsRfc5424WithTheLevelAsSeverity) {
  // 2024-03-14T09:27:13.5Z; local0 (16) and high (error, 3): PRI 131. The host name loses blanks
  // and control characters.
  const std::int64_t t = 1710408433'500000000;
  EXPECT_EQ(syslog_message(R"({"rule_id":"x"})", Level::High, 16, "wks 01\n", t),
            R"(<131>1 2024-03-14T09:27:13.500000Z wks01 tansa - DETECTION - {"rule_id":"x"})");
  EXPECT_EQ(syslog_message("{}", Level::Critical, 16, "", t).substr(0, 5), "<130>");
  EXPECT_EQ(syslog_message("{}", Level::Informational, 1, "h", t).substr(0, 5), "<14>1");
  EXPECT_NE(syslog_message("{}", Level::Low, 16, "", t).find("Z - tansa"), std::string::npos);
}

TEST(Forward, AWebhookGetsEachDetectionInOrderAfterARetry) {
  HookServer server({503});  // the first POST fails for a reason that may pass
  Notes notes;
  {
    Forwarder f(notes.fn());
    ASSERT_TRUE(f.add_webhook(hook(server.url(), {"Authorization: Bearer t0ken"})).has_value());
    f.push(R"({"n":1})", Level::High);
    f.push(R"({"n":2})", Level::Low);
    f.push(R"({"n":3})", Level::Medium);
    f.close(20'000);
    const auto c = f.counters();
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].first, "webhook " + server.url());
    EXPECT_EQ(c[0].second->sent.load(), 3u);
    EXPECT_EQ(c[0].second->retries.load(), 1u);
    EXPECT_EQ(c[0].second->dropped.load(), 0u);
    EXPECT_EQ(c[0].second->rejected.load(), 0u);
    EXPECT_NE(f.render().find("tansa_watch_forward_sent_total{destination=\"webhook " +
                              server.url() + "\"} 3"),
              std::string::npos);
  }
  const std::vector<std::string> want = {R"({"n":1})", R"({"n":1})", R"({"n":2})", R"({"n":3})"};
  EXPECT_EQ(server.bodies(), want);
  for (const std::string& h : server.heads()) {
    EXPECT_EQ(h.rfind("POST /hook HTTP/1.1", 0), 0u) << h;
    EXPECT_NE(h.find("Authorization: Bearer t0ken"), std::string::npos) << h;
    EXPECT_NE(h.find("Content-Type: application/json"), std::string::npos) << h;
  }
  ASSERT_FALSE(notes.lines.empty());
  EXPECT_NE(notes.lines[0].find("HTTP 503"), std::string::npos) << notes.lines[0];
}

TEST(Forward, ARefusalForGoodIsCountedAndNotRetried) {
  HookServer server({400});
  Notes notes;
  Forwarder f(notes.fn());
  ASSERT_TRUE(f.add_webhook(hook(server.url(), {})).has_value());
  f.push(R"({"n":1})", Level::High);
  f.push(R"({"n":2})", Level::High);
  f.close(20'000);
  const auto c = f.counters();
  EXPECT_EQ(c[0].second->sent.load(), 1u);
  EXPECT_EQ(c[0].second->rejected.load(), 1u);
  EXPECT_EQ(c[0].second->retries.load(), 0u);
  EXPECT_EQ(server.bodies(), (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
  ASSERT_EQ(notes.lines.size(), 1u);
  EXPECT_NE(notes.lines[0].find("HTTP 400"), std::string::npos);
}

TEST(Forward, ADeadWebhookCostsAtMostTheQueueAndEveryDropIsCounted) {
  int port = 0;
  const int fd = bound_socket(SOCK_STREAM, port);  // bound, never listening: connections refused
  ASSERT_GE(fd, 0);
  Notes notes;
  Forwarder f(notes.fn(), 5);
  ASSERT_TRUE(
      f.add_webhook(hook("http://127.0.0.1:" + std::to_string(port) + "/", {})).has_value());
  for (int i = 0; i < 20; ++i) f.push("{}", Level::High);
  const auto c = f.counters();
  EXPECT_LE(c[0].second->queued.load(), 5u);
  EXPECT_EQ(c[0].second->dropped.load(), 15u);  // the first stays queued while it is retried
  f.close(0);
  EXPECT_EQ(c[0].second->dropped.load(), 20u);
  EXPECT_EQ(c[0].second->sent.load(), 0u);
  EXPECT_EQ(c[0].second->queued.load(), 0u);
  bool said_full = false;
  for (const auto& l : notes.lines) said_full |= l.find("queue full") != std::string::npos;
  EXPECT_TRUE(said_full);
  ::close(fd);
}

TEST(Forward, SyslogOverUdpAndOctetCountedTcp) {
  int uport = 0, tport = 0;
  const int ufd = bound_socket(SOCK_DGRAM, uport);
  const int tfd = bound_socket(SOCK_STREAM, tport);
  ASSERT_GE(ufd, 0);
  ASSERT_GE(tfd, 0);
  ASSERT_EQ(::listen(tfd, 4), 0);
  std::string tcp_bytes;
  std::thread reader([&] {
    const int c = ::accept(tfd, nullptr, nullptr);
    char buf[4096];
    for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;)
      tcp_bytes.append(buf, static_cast<std::size_t>(n));
    ::close(c);
  });
  {
    Forwarder f(nullptr);
    ASSERT_TRUE(
        f.add_syslog(syslog_to("udp://127.0.0.1:" + std::to_string(uport), "sensor")).has_value());
    ASSERT_TRUE(
        f.add_syslog(syslog_to("tcp://127.0.0.1:" + std::to_string(tport), "sensor")).has_value());
    f.push(R"({"n":1})", Level::High);
    f.push(R"({"n":22})", Level::Low);
    f.close(20'000);
    for (const auto& [name, c] : f.counters()) EXPECT_EQ(c->sent.load(), 2u) << name;
  }
  reader.join();
  std::vector<std::string> datagrams;
  char buf[70'000];
  for (int i = 0; i < 2; ++i) {
    const ssize_t n = ::recv(ufd, buf, sizeof buf, MSG_DONTWAIT);
    ASSERT_GT(n, 0);
    datagrams.emplace_back(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(datagrams[0].rfind("<131>1 ", 0), 0u);
  EXPECT_TRUE(datagrams[0].ends_with(R"( sensor tansa - DETECTION - {"n":1})")) << datagrams[0];
  EXPECT_EQ(datagrams[1].rfind("<133>1 ", 0), 0u);
  // TCP: "LEN SP MSG" twice, each length exact.
  std::vector<std::string> frames;
  for (std::size_t at = 0; at < tcp_bytes.size();) {
    const std::size_t sp = tcp_bytes.find(' ', at);
    ASSERT_NE(sp, std::string::npos);
    const std::size_t len = std::stoul(tcp_bytes.substr(at, sp - at));
    frames.push_back(tcp_bytes.substr(sp + 1, len));
    at = sp + 1 + len;
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].substr(frames[0].size() - 35), R"( sensor tansa - DETECTION - {"n":1})");
  EXPECT_TRUE(frames[1].ends_with(R"({"n":22})"));
  ::close(ufd);
  ::close(tfd);
}

TEST(Forward, UnusableDestinationsAreRefusedAtTheStart) {
  Forwarder f(nullptr);
  auto a = f.add_syslog(syslog_to("siem.example:514", ""));
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().find("udp://HOST:PORT"), std::string::npos);
  EXPECT_FALSE(f.add_syslog(syslog_to("udp://127.0.0.1:notaport", "")).has_value());
  auto w = f.add_webhook(hook("ftp://127.0.0.1/x", {}));
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().find("only http:// and https://"), std::string::npos);
  auto h = f.add_webhook(hook("http://127.0.0.1:1/x", {"no colon here"}));
  ASSERT_FALSE(h.has_value());
  EXPECT_NE(h.error().find("Name: value"), std::string::npos);
  EXPECT_TRUE(f.empty());
}

}  // namespace
}  // namespace tansa::watch
