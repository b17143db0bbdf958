// `tansa watch --nats`: one worker of M, consuming the stream's partitions p with p mod M = index,
// one durable pull consumer per partition, every event through one watch::Processor, detections
// into PostgreSQL (pg.h) and onto tansa.detections.<level>.
//
// What it promises:
// - Every host's events reach one worker, in stream order, because the server maps each host to
//   one partition and each partition has one consumer; correlation state is the worker's own.
// - A message is acknowledged only after the transaction holding its detections and the
//   partition's checkpoint (the highest sequence processed, and the sequence from which re-reading
//   rebuilds the correlation state, as watch's replay position) has committed.
// - At start each owned partition's durable consumer is made anew from the checkpoint's replay
//   sequence, so a restarted worker (or the new owner of a partition after M changed) rebuilds the
//   correlation windows from the stream; detections of replayed events are refused by their keys.
//   Events the stream no longer holds (its limits removed them) are said to be missing.
// - A message delivered again in the same run (its acknowledgement was lost) is recognised by its
//   sequence and not processed twice.
// - Failures stop the run or are retried, never dropped: a PostgreSQL failure is retried for 30 s
//   then stops the run (nothing acknowledged), NATS unreachable for `fail_after_ms` stops it.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace tansa::scale {

struct WorkerOptions {
  std::string urls;  // comma-separated NATS servers
  std::string stream = "TANSA_RAW";
  std::string pg;  // libpq connection string
  unsigned workers = 1, index = 0;
  unsigned partitions = 8;  // only when the stream is created here
  int replicas = 1;         // only when the stream is created here
  std::int64_t lateness_ns = 60'000'000'000;
  int batch = 256;              // messages per fetch
  int fail_after_ms = 120'000;  // NATS failing this long stops the run
};

struct WorkerCounters {
  std::uint64_t messages = 0, unreadable = 0, redelivered = 0, written = 0, duplicates = 0;
  std::uint64_t ack_failures = 0, notify_failures = 0;
  std::uint64_t late = 0;  // events older than the correlations' clock: not correlated
};

class Worker {
 public:
  using NoteFn = std::function<void(const std::string&)>;
  // Connects to NATS and PostgreSQL, reads the checkpoints and makes the consumers.
  [[nodiscard]] static std::expected<std::unique_ptr<Worker>, std::string> open(
      engine::Rules& rules, WorkerOptions options, NoteFn note);
  ~Worker();

  // Until `stop` is set (then the last batch is committed and acknowledged) or a failure.
  [[nodiscard]] std::expected<void, std::string> run(const std::atomic<bool>& stop);

  [[nodiscard]] const std::vector<unsigned>& owned() const;
  [[nodiscard]] unsigned partitions() const;
  [[nodiscard]] const WorkerCounters& counters() const;

 private:
  Worker();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tansa::scale
