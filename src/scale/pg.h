// Detections in PostgreSQL (libpqxx 6), and the workers' checkpoints beside them.
//
// Tables (created when missing, under an advisory lock so workers starting together do not race):
//   tansa_detections(key PRIMARY KEY, rule_id, rule_title, level, event_time, time_ns, host,
//                    source, line)   -- line: the detection as `hunt -o x.jsonl` writes it
//   tansa_checkpoints(stream, partition, high, replay_from) PRIMARY KEY (stream, partition)
// The key is the processor's (rule id, event identity): a replayed event's detection is refused by
// ON CONFLICT DO NOTHING, so a table never holds one twice. Text from logs is made valid UTF-8
// without NUL bytes (PostgreSQL refuses both; a refused row would stop every worker on it).
//
// commit() writes a batch of detections and the checkpoints in one transaction, so a checkpoint
// is never ahead of the detections it covers. A lost connection is reported, reconnected and the
// transaction retried for `retry_ms`; then commit() fails and the caller stops.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tansa::scale {

struct DetectionRow {
  std::string key, rule_id, rule_title, level;
  std::int64_t time_ns = 0;
  std::string host, source, line;
};

struct PartitionCheckpoint {
  std::uint64_t high = 0;         // every message up to this stream sequence was processed
  std::uint64_t replay_from = 0;  // re-reading from here rebuilds the correlation state (0: none)
};

// Text PostgreSQL accepts: invalid UTF-8 and NUL as U+FFFD.
[[nodiscard]] std::string pg_text(std::string_view s);

class PgSink {
 public:
  using NoteFn = std::function<void(const std::string&)>;
  [[nodiscard]] static std::expected<std::unique_ptr<PgSink>, std::string> open(
      std::string connstr, std::string stream, NoteFn note, int retry_ms = 30'000);
  ~PgSink();

  // The saved checkpoints of this stream's partitions.
  [[nodiscard]] std::expected<std::map<unsigned, PartitionCheckpoint>, std::string> checkpoints();
  // Inserts `rows` (ON CONFLICT DO NOTHING) and upserts `checkpoints` in one transaction. Returns,
  // per row, whether it was new.
  [[nodiscard]] std::expected<std::vector<bool>, std::string> commit(
      const std::vector<DetectionRow>& rows,
      const std::map<unsigned, PartitionCheckpoint>& checkpoints);

 private:
  PgSink() = default;
  std::expected<void, std::string> reconnect();
  struct Connection;  // a pqxx::connection with its prepared statements
  template <class F>
  auto retry(const char* what, F&& f);
  std::string connstr_, stream_;
  NoteFn note_;
  int retry_ms_ = 30'000;
  std::unique_ptr<Connection> c_;
};

}  // namespace tansa::scale
