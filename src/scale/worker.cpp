#include "scale/worker.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "report/detections.h"
#include "scale/nats.h"
#include "scale/pg.h"
#include "scale/subject.h"
#include "watch/clock.h"
#include "watch/lines.h"
#include "watch/processor.h"

namespace tansa::scale {

using watch::mono_ns;

namespace {

// Sequences remembered per partition to recognise a redelivery of what was processed.
constexpr std::size_t kRecent = 1 << 17;
// Problems of one kind reported before they are only counted.
constexpr std::uint64_t kReported = 20;

std::string header(natsMsg* m, const char* key) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(m, key, &v) != NATS_OK || !v) return {};
  return std::string(v);
}

std::optional<std::int64_t> number(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

struct Worker::Impl {
  struct Part {
    unsigned p = 0;
    std::string durable;
    natsSubscription* sub = nullptr;
    std::uint64_t high = 0;
    std::int64_t max_time = INT64_MIN;
    struct Sample {
      std::uint64_t seq;  // the next sequence at the time
      std::int64_t max_before;
    };
    std::deque<Sample> samples;
    std::set<std::uint64_t> recent;
  };
  engine::Rules* rules = nullptr;
  WorkerOptions options;
  NoteFn note;
  std::unique_ptr<Nats> nats;
  std::unique_ptr<PgSink> pg;
  unsigned partitions = 0;
  std::vector<unsigned> owned;
  std::vector<Part> parts;
  std::unique_ptr<watch::Processor> processor;
  std::unordered_map<std::string, std::uint32_t> streams;  // partition + identity -> stream
  watch::LineParser parser;
  Event event;
  std::vector<DetectionRow> rows;
  std::vector<natsMsg*> to_ack;
  WorkerCounters counters;
  std::uint64_t reported_unreadable = 0, reported_acks = 0, reported_notify = 0;
  std::uint64_t reported_overfull = 0;

  ~Impl() {
    for (natsMsg* m : to_ack) natsMsg_Destroy(m);
    for (Part& p : parts)
      if (p.sub) natsSubscription_Destroy(p.sub);
  }

  void on_detection(const Detection& d, const std::string& key) {
    const auto& infos = processor->rules();
    const auto& names = processor->stream_names();
    DetectionRow row;
    row.key = key;
    if (d.rule < infos.size()) {
      row.rule_id = infos[d.rule].id;
      row.rule_title = infos[d.rule].title;
      row.level = std::string(to_string(infos[d.rule].level));
    }
    row.time_ns = d.time_ns;
    row.host = d.host;
    row.source = d.source.file < names.size() ? names[d.source.file] : std::string();
    row.line = report::detection_json(d, report::DetectionContext{infos, names});
    rows.push_back(std::move(row));
  }

  void unreadable(const std::string& why) {
    ++counters.unreadable;
    if (++reported_unreadable <= kReported) note(why);
  }

  void handle(Part& part, natsMsg* m) {
    ++counters.messages;
    jsMsgMetaData* meta = nullptr;
    std::uint64_t seq = 0;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
      seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
    }
    to_ack.push_back(m);
    if (seq == 0) return unreadable("a message without JetStream metadata; skipped");
    if (seq <= part.high && part.recent.contains(seq)) {
      ++counters.redelivered;
      return;
    }
    part.high = std::max(part.high, seq);
    part.recent.insert(seq);
    if (part.recent.size() > kRecent) part.recent.erase(part.recent.begin());

    const auto format = watch::line_format(header(m, kHeaderFormat));
    const std::string identity = header_value(header(m, kHeaderIdentity));
    const auto offset = number(header(m, kHeaderOffset));
    if (!format || identity.empty() || !offset || *offset < 0)
      return unreadable(fmt::format(
          "partition {} sequence {}: no format, identity or offset headers; skipped", part.p, seq));
    formats::SyslogOptions so;
    so.year = static_cast<int>(number(header(m, kHeaderYear)).value_or(0));
    so.tz_offset_minutes = static_cast<int>(number(header(m, kHeaderTz)).value_or(0));
    so.reference_ns = number(header(m, kHeaderReference)).value_or(0);
    const std::string stream_key = fmt::format("{}\n{}", part.p, identity);
    auto it = streams.find(stream_key);
    if (it == streams.end()) {
      const std::string source = header_value(header(m, kHeaderSource));
      it = streams.emplace(stream_key, processor->add_stream(source, identity)).first;
    }
    const char* data = natsMsg_GetData(m);
    const int len = natsMsg_GetDataLength(m);
    const std::string_view line(data ? data : "", data ? static_cast<std::size_t>(len) : 0);
    if (!parser.parse(*format, line, so, event))
      return unreadable(fmt::format("partition {} sequence {}: not {}; skipped", part.p, seq,
                                    watch::to_string(*format)));
    event.source =
        SourceRef{it->second, SourceRef::Kind::Offset, static_cast<std::uint64_t>(*offset)};
    part.max_time = std::max(part.max_time, event.time_ns);
    processor->process(event);
  }

  std::map<unsigned, PartitionCheckpoint> checkpoints() {
    const std::int64_t need = processor->needed_since();
    std::map<unsigned, PartitionCheckpoint> out;
    for (Part& part : parts) {
      part.samples.push_back({part.high + 1, part.max_time});
      while (part.samples.size() > 1 && part.samples[1].max_before < need) part.samples.pop_front();
      out[part.p] = PartitionCheckpoint{part.high, part.samples.front().seq};
    }
    return out;
  }

  // Detections and checkpoints committed, then announced, then the messages acknowledged.
  std::expected<void, std::string> flush() {
    auto fresh = pg->commit(rows, checkpoints());
    if (!fresh) return std::unexpected(fresh.error());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!(*fresh)[i]) {
        ++counters.duplicates;
        continue;
      }
      ++counters.written;
      const std::string subject = std::string(kDetectionsPrefix) + host_token(rows[i].level);
      const natsStatus s =
          natsConnection_Publish(nats->connection(), subject.c_str(), rows[i].line.data(),
                                 static_cast<int>(rows[i].line.size()));
      if (s != NATS_OK) {
        ++counters.notify_failures;
        if (++reported_notify <= kReported)
          note(nats_error("announcing a detection (it is in PostgreSQL)", s));
      }
    }
    rows.clear();
    for (natsMsg* m : to_ack) {
      const natsStatus s = natsMsg_Ack(m, nullptr);
      if (s != NATS_OK) {
        // Its effects are committed: the redelivery is recognised (or replayed from the
        // checkpoint after a restart), so nothing is lost; said all the same.
        ++counters.ack_failures;
        if (++reported_acks <= kReported)
          note(nats_error("acknowledging a message (it will be delivered again)", s));
      }
      natsMsg_Destroy(m);
    }
    to_ack.clear();
    return {};
  }

  std::expected<void, std::string> make_consumer(Part& part, std::uint64_t start) {
    const std::string filter = partition_filter(part.p);
    jsErrCode code = jsErrCode(0);
    natsStatus s =
        js_DeleteConsumer(nats->js(), options.stream.c_str(), part.durable.c_str(), nullptr, &code);
    if (s != NATS_OK && s != NATS_NOT_FOUND && code != JSConsumerNotFoundErr)
      return std::unexpected(nats_error(("removing consumer " + part.durable).c_str(), s, code));
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = part.durable.c_str();
    cc.FilterSubject = filter.c_str();
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = 30LL * 1'000'000'000;
    cc.MaxAckPending = 4 * options.batch + 1024;
    cc.MaxDeliver = -1;
    if (start > 1) {
      cc.DeliverPolicy = js_DeliverByStartSequence;
      cc.OptStartSeq = start;
    } else {
      cc.DeliverPolicy = js_DeliverAll;
    }
    jsConsumerInfo* ci = nullptr;
    s = js_AddConsumer(&ci, nats->js(), options.stream.c_str(), &cc, nullptr, &code);
    if (s != NATS_OK)
      return std::unexpected(nats_error(("creating consumer " + part.durable).c_str(), s, code));
    jsConsumerInfo_Destroy(ci);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = options.stream.c_str();
    so.Consumer = part.durable.c_str();
    s = js_PullSubscribe(&part.sub, nats->js(), filter.c_str(), part.durable.c_str(), nullptr, &so,
                         &code);
    if (s != NATS_OK)
      return std::unexpected(nats_error(("subscribing to " + part.durable).c_str(), s, code));
    return {};
  }
};

Worker::Worker() : impl_(std::make_unique<Impl>()) {}
Worker::~Worker() = default;

const std::vector<unsigned>& Worker::owned() const {
  return impl_->owned;
}
unsigned Worker::partitions() const {
  return impl_->partitions;
}
const WorkerCounters& Worker::counters() const {
  return impl_->counters;
}

std::expected<std::unique_ptr<Worker>, std::string> Worker::open(engine::Rules& rules,
                                                                 WorkerOptions options,
                                                                 NoteFn note) {
  std::unique_ptr<Worker> w(new Worker());
  Impl& m = *w->impl_;
  m.rules = &rules;
  m.options = std::move(options);
  m.note = note ? std::move(note) : NoteFn([](const std::string&) {});
  if (m.options.workers == 0 || m.options.index >= m.options.workers)
    return std::unexpected(
        fmt::format("--worker-index must be below --workers ({})", m.options.workers));
  auto n = Nats::connect(m.options.urls);
  if (!n) return std::unexpected(n.error());
  m.nats = std::move(*n);
  auto parts = m.nats->ensure_stream({m.options.stream, m.options.partitions, m.options.replicas});
  if (!parts) return std::unexpected(parts.error());
  m.partitions = *parts;
  auto pg = PgSink::open(m.options.pg, m.options.stream, m.note);
  if (!pg) return std::unexpected(pg.error());
  m.pg = std::move(*pg);
  auto saved = m.pg->checkpoints();
  if (!saved) return std::unexpected(saved.error());
  auto first = m.nats->first_sequence(m.options.stream);
  if (!first) return std::unexpected(first.error());
  watch::ProcessorOptions po;  // the buffer's bound as watch's
  po.lateness_ns = m.options.lateness_ns;
  po.idle_ns = std::clamp<std::int64_t>(m.options.lateness_ns, 0, 5'000'000'000);
  m.processor = std::make_unique<watch::Processor>(
      rules, po, [&m](const Detection& d, const std::string& key) { m.on_detection(d, key); });
  for (unsigned p = 0; p < m.partitions; ++p) {
    if (p % m.options.workers != m.options.index) continue;
    m.owned.push_back(p);
    Impl::Part part;
    part.p = p;
    part.durable = durable_name(m.options.stream, p);
    std::uint64_t start = 1;
    if (auto it = saved->find(p); it != saved->end()) {
      part.high = it->second.high;
      start = it->second.replay_from ? it->second.replay_from : it->second.high + 1;
      if (*first > start && start <= it->second.high)
        m.note(fmt::format(
            "partition {}: the stream no longer holds sequences {} to {} (its limits removed "
            "them): correlations over those events start afresh",
            p, start, *first - 1));
    }
    part.samples.push_back({start, INT64_MIN});
    m.parts.push_back(std::move(part));
  }
  for (Impl::Part& part : m.parts) {
    // A partition's own clock must not advance past what it replays; high is where it left off.
    std::uint64_t start = part.samples.front().seq;
    part.high = start - 1;
    if (auto r = m.make_consumer(part, start); !r) return std::unexpected(r.error());
  }
  return w;
}

std::expected<void, std::string> Worker::run(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  std::int64_t failing_since = 0;
  std::string failure;
  bool busy = false;
  // The processor's clock starts now: streams are idle only after a silence from here on.
  m.processor->advance(mono_ns());
  while (!stop.load(std::memory_order_relaxed)) {
    const bool was_busy = busy;
    busy = false;
    for (Impl::Part& part : m.parts) {
      MsgList ml;
      jsErrCode code = jsErrCode(0);
      const int wait_ms = was_busy ? 5 : std::max<int>(10, 200 / static_cast<int>(m.parts.size()));
      natsStatus s = natsSubscription_Fetch(&ml.list, part.sub, m.options.batch, wait_ms, &code);
      // libnats 3.4 (Debian 12) can report more messages than the batch it allocated room for
      // (seen under valgrind with three workers: Count past the 256-slot array). Only the slots
      // that exist are read; the rest were never stored, are not acknowledged, and JetStream
      // delivers them again after AckWait.
      if (ml.list.Count > m.options.batch) {
        if (++m.reported_overfull <= kReported)
          m.note(
              fmt::format("partition {}: the NATS client reported {} messages for a batch of "
                          "{}; the rest will be delivered again",
                          part.p, ml.list.Count, m.options.batch));
        ml.list.Count = ml.list.Msgs ? m.options.batch : 0;
      }
      if (s == NATS_OK) {
        for (int i = 0; i < ml.list.Count; ++i) {
          natsMsg* msg = ml.list.Msgs[i];
          ml.list.Msgs[i] = nullptr;  // owned by to_ack now
          m.handle(part, msg);
        }
        busy = busy || ml.list.Count > 0;
      } else if (s != NATS_TIMEOUT) {
        const std::string e =
            nats_error(fmt::format("fetching partition {}", part.p).c_str(), s, code);
        if (failure.empty()) m.note(e + "; retrying");
        failure = e;
        if (failing_since == 0) failing_since = mono_ns();
        continue;
      }
      if (natsConnection_Status(m.nats->connection()) == NATS_CONN_STATUS_CONNECTED &&
          s == NATS_OK) {
        failing_since = 0;
        failure.clear();
      } else if (natsConnection_Status(m.nats->connection()) != NATS_CONN_STATUS_CONNECTED) {
        if (failing_since == 0) failing_since = mono_ns();
        if (failure.empty()) {
          failure = "not connected to any NATS server";
          m.note(failure + "; reconnecting");
        }
      } else if (s == NATS_TIMEOUT && !failure.empty()) {
        // Connected and answered (nothing to fetch): the failure is over.
        failing_since = 0;
        failure.clear();
      }
    }
    if (failing_since != 0 &&
        mono_ns() - failing_since > std::int64_t{m.options.fail_after_ms} * 1'000'000)
      return std::unexpected(
          failure + fmt::format("; failing for {} s, stopping", m.options.fail_after_ms / 1000));
    if (failing_since != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    m.processor->advance(mono_ns());
    m.counters.late = m.processor->counters().late;
    if (!m.rows.empty() || !m.to_ack.empty())
      if (auto r = m.flush(); !r) return r;
  }
  m.counters.late = m.processor->counters().late;
  return m.flush();
}

}  // namespace tansa::scale
