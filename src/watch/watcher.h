// `tansa watch`'s run: inputs (followed files; listeners in listen.h) through one Processor, each
// detection written once, positions checkpointed. One thread: the loop waits for input with
// poll(2) and reads files every `poll_ms`, so nothing here needs a lock; reading stops when the
// processor is busy (back-pressure on files and TCP, whose writers wait; the kernel drops UDP,
// and the drops are counted).
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/tuning.h"
#include "formats/syslog.h"
#include "watch/processor.h"

namespace tansa::watch {

class Forwarder;

struct WatchOptions {
  std::vector<std::string> paths;  // files to follow
  std::string state_path;          // SQLite checkpoint; empty: none (nothing survives a restart)
  std::int64_t lateness_ns = 60'000'000'000;
  bool from_end = false;  // files seen for the first time: new lines only
  int poll_ms = 50;       // how often files are looked at
  int checkpoint_ms = 1000;
  formats::SyslogOptions syslog;  // zone (and year) of timestamps that carry none
  // Listeners, "HOST:PORT" (IPv6 as "[::1]:514"); empty: none.
  std::string syslog_udp, syslog_tcp, json_tcp;
  bool json_stdin = false;
  std::string metrics;  // Prometheus text over HTTP at HOST:PORT; empty: none
  // Memory bounds (see ProcessorOptions): bytes of base detections waiting for the watermark, and
  // live correlation states.
  std::size_t max_buffered_bytes = std::size_t{64} << 20;
  std::size_t max_states = 500'000;
  // Which rules' detections are written (engine::select_rules; empty: all), and tansa.yml's
  // exclusions and levels (null: none). Every rule is still matched and correlated.
  std::vector<bool> shown;
  std::shared_ptr<const engine::Tuning> tuning;
  // Where written detections are also sent (the caller pushes them from its WriteFn); only its
  // metrics are read here. Null: none.
  const Forwarder* forward = nullptr;
};

struct WatchCounters {
  std::uint64_t lines = 0, skipped = 0, written = 0, duplicates = 0;
  std::uint64_t udp_dropped = 0, messages = 0;
  std::uint64_t excluded = 0;  // by tansa.yml's exclusions
};

// Writes one detection (its rule indexes rules.infos(), its source indexes `sources`); returns the
// output's length after it (0 for a stream), or nullopt when it could not be written.
using WriteFn = std::function<std::optional<std::uint64_t>(
    const Detection& d, const std::vector<std::string>& sources)>;
using NoteFn = std::function<void(const std::string&)>;

class Watcher {
 public:
  // Opens the state (when named) and binds the listeners. An error says which and why.
  [[nodiscard]] static std::expected<std::unique_ptr<Watcher>, std::string> open(
      engine::Rules& rules, WatchOptions options, NoteFn note);
  ~Watcher();

  // The detections file's length after the last detection the state recorded; a longer file was
  // written by a run killed before it could record, and must be cut back to this before run().
  [[nodiscard]] std::optional<std::uint64_t> recorded_output_length() const;
  // The addresses the listeners are bound to, as "HOST:PORT" (the port chosen when 0 was asked).
  [[nodiscard]] std::vector<std::string> bound() const;

  // Runs until `stop` is set, or standard input ends when it is the only input (then every
  // waiting detection is released first, as at the end of a hunt); checkpoints at the end. An error
  // (the state cannot be written, a detection cannot be written) stops the run.
  [[nodiscard]] std::expected<void, std::string> run(const std::atomic<bool>& stop,
                                                     const WriteFn& write);

  [[nodiscard]] const ProcessorCounters& processor_counters() const;
  [[nodiscard]] const WatchCounters& counters() const;

 private:
  Watcher();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tansa::watch
