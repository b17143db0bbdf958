#include "scale/pg.h"

#include <fmt/format.h>

#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include "watch/clock.h"

namespace tansa::scale {

using watch::mono_ms;

struct PgSink::Connection {
  explicit Connection(const std::string& s) : c(s) {}
  pqxx::connection c;
};

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS tansa_detections (
  key text PRIMARY KEY,
  rule_id text NOT NULL,
  rule_title text NOT NULL,
  level text NOT NULL,
  event_time timestamptz,
  time_ns bigint NOT NULL,
  host text NOT NULL,
  source text NOT NULL,
  line text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS tansa_detections_time ON tansa_detections (time_ns);
CREATE TABLE IF NOT EXISTS tansa_checkpoints (
  stream text NOT NULL,
  partition integer NOT NULL,
  high bigint NOT NULL,
  replay_from bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, partition));
)";

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return c == 0 ? 0 : 1;
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || (c >= 0xF5) || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

}  // namespace

std::string pg_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

template <class F>
auto PgSink::retry(const char* what, F&& f) {
  using T = std::invoke_result_t<F, pqxx::connection&>;
  const std::int64_t deadline = mono_ms() + retry_ms_;
  std::string last;
  for (int attempt = 0;; ++attempt) {
    if (!c_) {
      if (auto r = reconnect(); !r) last = r.error();
    }
    if (c_) {
      try {
        return std::expected<T, std::string>(f(c_->c));
      } catch (const pqxx::broken_connection& e) {
        last = fmt::format("PostgreSQL connection lost while {}: {}", what, e.what());
        c_.reset();
      } catch (const std::exception& e) {
        last = fmt::format("PostgreSQL failed while {}: {}", what, e.what());
        // A failure that is not the connection's is retried too (a restart in progress says
        // so); a new connection starts clean.
        c_.reset();
      }
    }
    if (mono_ms() >= deadline)
      return std::expected<T, std::string>(std::unexpected(last + "; giving up"));
    note_(last + "; retrying");
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(2000, 100 << std::min(attempt, 4))));
  }
}

std::expected<std::unique_ptr<PgSink>, std::string> PgSink::open(std::string connstr,
                                                                 std::string stream, NoteFn note,
                                                                 int retry_ms) {
  std::unique_ptr<PgSink> p(new PgSink());
  p->connstr_ = std::move(connstr);
  p->stream_ = std::move(stream);
  p->note_ = note ? std::move(note) : NoteFn([](const std::string&) {});
  p->retry_ms_ = retry_ms;
  if (auto r = p->reconnect(); !r) return std::unexpected(r.error());
  auto made = p->retry("creating the tables", [](pqxx::connection& c) {
    pqxx::work w(c);
    w.exec("SELECT pg_advisory_xact_lock(7215001)");
    w.exec(kSchema);
    w.commit();
    return 0;
  });
  if (!made) return std::unexpected(made.error());
  return p;
}

PgSink::~PgSink() = default;

std::expected<void, std::string> PgSink::reconnect() {
  try {
    c_.reset();
    c_ = std::make_unique<Connection>(connstr_);
    c_->c.prepare("tansa_insert",
                  "INSERT INTO tansa_detections (key, rule_id, rule_title, level, event_time, "
                  "time_ns, host, source, line) VALUES ($1, $2, $3, $4, "
                  "to_timestamp($5::double precision / 1e9), $5, $6, $7, $8) "
                  "ON CONFLICT (key) DO NOTHING");
    c_->c.prepare("tansa_checkpoint",
                  "INSERT INTO tansa_checkpoints (stream, partition, high, replay_from) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (stream, partition) DO UPDATE SET "
                  "high = EXCLUDED.high, replay_from = EXCLUDED.replay_from, updated_at = now()");
    return {};
  } catch (const std::exception& e) {
    c_.reset();
    return std::unexpected(fmt::format("PostgreSQL: cannot connect: {}", e.what()));
  }
}

std::expected<std::map<unsigned, PartitionCheckpoint>, std::string> PgSink::checkpoints() {
  return retry("reading checkpoints", [&](pqxx::connection& c) {
    pqxx::work w(c);
    const pqxx::result r =
        w.exec("SELECT partition, high, replay_from FROM tansa_checkpoints WHERE stream = " +
               w.quote(stream_));
    std::map<unsigned, PartitionCheckpoint> out;
    for (const auto& row : r)
      out[row[0].as<unsigned>()] =
          PartitionCheckpoint{row[1].as<std::uint64_t>(), row[2].as<std::uint64_t>()};
    w.commit();
    return out;
  });
}

std::expected<std::vector<bool>, std::string> PgSink::commit(
    const std::vector<DetectionRow>& rows,
    const std::map<unsigned, PartitionCheckpoint>& checkpoints) {
  return retry("writing detections", [&](pqxx::connection& c) {
    std::vector<bool> fresh(rows.size(), false);
    pqxx::work w(c);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const DetectionRow& d = rows[i];
      const pqxx::result r = w.exec_prepared("tansa_insert", pg_text(d.key), pg_text(d.rule_id),
                                             pg_text(d.rule_title), pg_text(d.level), d.time_ns,
                                             pg_text(d.host), pg_text(d.source), pg_text(d.line));
      fresh[i] = r.affected_rows() == 1;
    }
    for (const auto& [p, cp] : checkpoints)
      w.exec_prepared("tansa_checkpoint", stream_, static_cast<int>(p),
                      static_cast<std::int64_t>(cp.high),
                      static_cast<std::int64_t>(cp.replay_from));
    w.commit();
    return fresh;
  });
}

}  // namespace tansa::scale
