// `tansa publish`: log lines onto JetStream, one message per line, on tansa.raw.<host>.
//
// What it promises:
// - Each line is published as it was read (the worker parses it with watch's line readers), with
//   headers saying its format, the file's path and identity (device and inode, as watch names a
//   file) and the line's offset; Nats-Msg-Id is identity and offset, so publishing a file again
//   within the stream's duplicate window stores nothing twice, and a detection's key (rule, file
//   identity, offset) is the same whichever worker evaluates it and however often.
// - A line is counted published only when JetStream acknowledged storing it. A failed publish is
//   retried (the server dedupes the retry) for `retry_ms`, then the run stops with the reason;
//   nothing is dropped quietly.
// - Lines longer than kMaxLine are cut there (a NATS message has a size limit), and said so.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "formats/syslog.h"

namespace tansa::scale {

class Nats;

struct PublishOptions {
  std::string urls;
  std::string stream = "TANSA_RAW";
  unsigned partitions = 8;  // when the stream is created
  int replicas = 1;         // when the stream is created
  formats::SyslogOptions syslog;
  int retry_ms = 60'000;  // how long one line's publish is retried
};

struct PublishCounters {
  std::uint64_t lines = 0, published = 0, duplicates = 0, skipped = 0, retries = 0, cut = 0;
  std::uint64_t udp_dropped = 0;  // syslog datagrams the kernel dropped (publish_listened)
};

inline constexpr std::size_t kMaxLine = std::size_t{256} << 10;

class Publisher {
 public:
  using NoteFn = std::function<void(const std::string&)>;
  [[nodiscard]] static std::expected<std::unique_ptr<Publisher>, std::string> open(
      PublishOptions options, NoteFn note);
  ~Publisher();

  // Every line of the file, from its start. An error stops: the file could not be read, its
  // format is not one read line by line, or a line could not be published.
  [[nodiscard]] std::expected<void, std::string> publish_file(const std::string& path);
  // Syslog received on watch's listeners (UDP and TCP, each bound to exactly the address given;
  // RFC 3164 and 5424, octet-counted and newline framing), each message published as it arrives,
  // until `stop`. A listener is a source of its own ("udp 127.0.0.1:5514") whose identity is its
  // name and start time, its messages numbered from 1. `on_bound` gets each listener's name as
  // bound (the port the kernel chose when 0 was asked). An error stops: a listener that cannot be
  // bound, a message that cannot be published. Datagrams the kernel dropped are counted.
  [[nodiscard]] std::expected<void, std::string> publish_listened(
      const std::string& udp, const std::string& tcp, const std::atomic<bool>& stop,
      const std::function<void(const std::string&)>& on_bound);
  [[nodiscard]] const PublishCounters& counters() const { return counters_; }
  [[nodiscard]] unsigned partitions() const { return partitions_; }

 private:
  Publisher() = default;
  std::expected<void, std::string> publish_line(std::string_view line, std::string_view format,
                                                const std::string& host, const std::string& source,
                                                const std::string& identity, std::uint64_t offset,
                                                std::int64_t reference_ns);
  PublishOptions options_;
  NoteFn note_;
  std::unique_ptr<Nats> nats_;
  unsigned partitions_ = 0;
  PublishCounters counters_;
};

}  // namespace tansa::scale
