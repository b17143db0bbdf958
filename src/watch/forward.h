// Detections sent on as they are written, beside the detections file: an HTTP POST of each
// detection's JSON (the line `hunt -o x.jsonl` writes) to a webhook, and a syslog message to a
// collector (RFC 5424 over UDP, or over TCP with octet-counted framing, RFC 6587).
//
//   Forwarder f(note);
//   f.add_webhook({.url = "https://soc.example/hook", .headers = {"Authorization: Bearer x"}});
//   f.add_syslog({.address = "tcp://siem.example:6514"});
//   f.push(json, Level::High);     // never waits
//   ...
//   f.close(5000);                 // sends what is queued, for at most 5 s
//
// What it promises:
// - push() never waits and never fails: each destination has its own thread and a bounded queue
//   (max_queue detections). When a queue is full the detection is dropped for that destination and
//   counted; so a dead webhook costs memory up to the bound and nothing more, and never slows the
//   rules.
// - A delivery that fails for a reason that may pass (connection refused or reset, a timeout, HTTP
//   408, 429 or 5xx) is retried, the same detection first, after 0.5 s, doubling to 30 s; the
//   order of detections is kept. A delivery the other end refuses for good (another HTTP 4xx, a
//   message too long for a UDP datagram) is not retried; it is counted as rejected and said once
//   per reason.
// - Every count is a metric (render()): sent, retries, dropped, rejected, queued, per destination.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tansa/detection.h"

namespace tansa::watch {

struct WebhookOptions {
  std::string url;                   // http:// or https:// only
  std::vector<std::string> headers;  // "Name: value", sent with each POST
  int timeout_ms = 10'000;           // one attempt, connection included
};

struct SyslogForwardOptions {
  std::string address;      // udp://HOST:PORT or tcp://HOST:PORT ([V6]:PORT for IPv6)
  std::string hostname;     // HOSTNAME of the messages; empty: this machine's name
  int facility = 16;        // local0
  int timeout_ms = 10'000;  // connecting and sending, TCP
};

struct ForwardCounters {
  std::atomic<std::uint64_t> sent{0}, retries{0}, dropped{0}, rejected{0};
  std::atomic<std::uint64_t> queued{0};
};

// One destination: a thread, its queue, and how to deliver one message.
class Destination;

class Forwarder {
 public:
  using NoteFn = std::function<void(const std::string&)>;
  explicit Forwarder(NoteFn note, std::size_t max_queue = 10'000);
  ~Forwarder();  // close(0)
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // An error when the URL or address cannot be used (a wrong scheme, a port that is not one, a
  // name that does not resolve); nothing is sent yet.
  [[nodiscard]] std::expected<void, std::string> add_webhook(const WebhookOptions& o);
  [[nodiscard]] std::expected<void, std::string> add_syslog(const SyslogForwardOptions& o);
  [[nodiscard]] bool empty() const { return destinations_.empty(); }

  // One detection's JSON (no trailing newline) to every destination.
  void push(const std::string& json, Level level);

  // Stops taking detections, sends what is queued for at most `drain_ms`, then stops the threads;
  // what was still queued is counted as dropped. Idempotent.
  void close(int drain_ms);

  // Prometheus text for every destination (tansa_watch_forward_*{destination="..."}).
  [[nodiscard]] std::string render() const;
  // "webhook https://...: 12 sent, 0 dropped, ..." per destination, for the stop line.
  [[nodiscard]] std::vector<std::string> summary() const;
  // Per destination, in the order added: its name ("webhook https://x", "syslog tcp://y") and
  // counts.
  [[nodiscard]] std::vector<std::pair<std::string, const ForwardCounters*>> counters() const;

 private:
  NoteFn note_;
  std::size_t max_queue_;
  std::vector<std::unique_ptr<Destination>> destinations_;
};

// RFC 5424 message of a detection: "<PRI>1 TIMESTAMP HOSTNAME tansa - DETECTION - JSON"; the
// severity follows the rule's level (critical 2, high 3, medium 4, low 5, informational 6).
[[nodiscard]] std::string syslog_message(const std::string& json, Level level, int facility,
                                         const std::string& hostname, std::int64_t now_ns);

}  // namespace tansa::watch
