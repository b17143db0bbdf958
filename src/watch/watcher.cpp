#include "watch/watcher.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>

#include "formats/windows_json.h"
#include "formats/zeek.h"
#include "watch/clock.h"
#include "watch/follow.h"
#include "watch/follow_evtx.h"
#include "watch/forward.h"
#include "watch/lines.h"
#include "watch/listen.h"
#include "watch/metrics.h"
#include "watch/state.h"

namespace tansa::watch {

namespace {

// Keys of written detections are remembered this long (wall time): far longer than any restart
// re-reads.
constexpr std::int64_t kRememberNs = 7LL * 24 * 3600 * 1'000'000'000;
// Lines a file's unreadable ones are reported for, then only counted.
constexpr std::uint64_t kReportedSkips = 20;
// Bytes read from one input per turn of the loop: the others get their turn (and the loop its
// checkpoint) however fast one of them is written.
constexpr std::size_t kBudget = std::size_t{1} << 20;
// EVTX chunks (64 KiB each) decoded per file per turn of the loop: the same order of bytes.
constexpr std::size_t kEvtxChunksPerPoll = 16;

// The first 64 KiB of a file (empty when it cannot be read): a resumed file's format, and Zeek's
// header, are at its start.
std::string read_head(const std::string& path) {
  std::string head(64 * 1024, '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  head.resize(std::fread(head.data(), 1, head.size(), f));
  std::fclose(f);
  return head;
}

// An EVTX file by its name: followed by record, not by line.
bool is_evtx_path(std::string_view path) {
  if (path.size() < 5) return false;
  std::string ext(path.substr(path.size() - 5));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".evtx";
}

}  // namespace

struct Watcher::Impl {
  // A followed file, with what the loop knows of it.
  struct Followed {
    std::unique_ptr<Follower> follower;  // lines; or
    std::unique_ptr<EvtxFollower> evtx;  // records of an EVTX file
    formats::ZeekTsvLines zeek;          // a Zeek TSV file's header, as its lines give it
    [[nodiscard]] const std::string& path() const { return evtx ? evtx->path() : follower->path(); }
    [[nodiscard]] FilePosition position() const {
      return evtx ? evtx->position() : follower->position();
    }
    std::optional<LineFormat> format;
    bool unsupported = false;
    std::string identity;  // of the file segment last read (device, inode, generation)
    std::uint32_t stream = 0;
    std::int64_t max_time = INT64_MIN;  // latest event time read from it
    // Positions with the latest event time before each, at checkpoints: where a restart must start
    // re-reading to rebuild the correlations' state (the last sample before anything they need).
    struct Sample {
      FilePosition at;
      std::int64_t max_before;
    };
    std::deque<Sample> samples;
    std::uint64_t skipped = 0;
  };
  engine::Rules* rules = nullptr;
  WatchOptions options;
  NoteFn note;
  std::unique_ptr<State> state;
  std::optional<std::uint64_t> output_length;
  std::vector<Followed> files;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::uint32_t> listener_stream;
  std::vector<std::uint64_t> listener_seq;
  std::unique_ptr<Processor> processor;
  std::unique_ptr<MetricsServer> metrics;
  std::int64_t last_checkpoint_wall = 0;
  LineParser parser;
  Event event;
  WatchCounters counters;
  std::vector<RuleInfo> tuned;  // the rule table with tansa.yml's levels, when tuning is given
  std::string error;            // the first failure that stops the run
  const WriteFn* write = nullptr;

  void on_detection(const Detection& d, const std::string& key) {
    if (!error.empty()) return;
    if (d.rule < options.shown.size() && !options.shown[d.rule]) return;
    if (options.tuning && d.rule < tuned.size() && options.tuning->excludes(tuned[d.rule], d)) {
      ++counters.excluded;
      return;
    }
    auto do_write = [&]() -> std::optional<std::uint64_t> {
      return (*write)(d, processor->stream_names());
    };
    if (!state) {
      if (do_write())
        ++counters.written;
      else
        error = "a detection could not be written";
      return;
    }
    auto r = state->record(key, wall_ns(), do_write);
    if (!r) {
      error = r.error();
      return;
    }
    if (*r)
      ++counters.written;
    else
      ++counters.duplicates;
  }

  formats::SyslogOptions syslog_options() const {
    formats::SyslogOptions o = options.syslog;
    if (o.reference_ns == 0) o.reference_ns = wall_ns();
    return o;
  }

  void on_line(Followed& f, std::string_view line, std::uint64_t offset, const FilePosition& pos) {
    ++counters.lines;
    const std::string id = fmt::format("f:{}:{}:{}", pos.dev, pos.ino, pos.generation);
    if (id != f.identity) {
      f.identity = id;
      f.stream = processor->add_stream(f.follower->path(), id);
      // A new file (or generation) starts: nothing before its start is needed again.
      f.samples.clear();
      f.samples.push_back({FilePosition{pos.dev, pos.ino, pos.generation, offset}, INT64_MIN});
    }
    if (line.empty() || f.unsupported) return;
    if (!f.format) {
      std::string matched;
      // Resumed mid-file: the format (and Zeek's header) is at the file's start.
      const std::string head = offset > 0 ? read_head(f.follower->path()) : std::string();
      f.format = sniff_line_format(head.empty() ? line : head, f.follower->path(), matched);
      if (f.format == LineFormat::Zeek && !head.empty()) {
        std::string_view rest = head;
        while (!rest.empty() && rest.front() == '#') {
          const std::size_t nl = rest.find('\n');
          std::string why;
          (void)f.zeek.take(rest.substr(0, nl), event, why);
          rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
      }
      if (!f.format) {
        f.unsupported = true;
        note(f.follower->path() + ": " +
             (matched.empty() ? std::string("format not recognised")
                              : "format " + matched + " cannot be followed line by line") +
             "; not read");
        return;
      }
    }
    const auto skip = [&](const std::string& why) {
      if (++f.skipped <= kReportedSkips)
        note(fmt::format("{}: offset {}: {}", f.follower->path(), offset, why));
      ++counters.skipped;
    };
    if (*f.format == LineFormat::WindowsJson) {
      // One evtx_dump-shaped record per line; cited by its EventRecordID (else by this offset).
      const auto got = formats::read_windows_json(
          line, f.follower->path(), f.stream,
          [&](const Event& e) {
            if (e.time_ns > f.max_time) f.max_time = e.time_ns;
            processor->process(e);
          },
          nullptr, offset);
      if (got.events == 0) skip("not a Windows event in JSON; skipped");
      return;
    }
    if (*f.format == LineFormat::Zeek) {
      std::string why;
      const auto r = f.zeek.take(line, event, why);
      if (r == formats::ZeekTsvLines::Result::Header) return;
      if (r == formats::ZeekTsvLines::Result::Skipped) return skip(why);
    } else if (!parser.parse(*f.format, line, syslog_options(), event)) {
      return skip(fmt::format("not {}; skipped", to_string(*f.format)));
    }
    event.source = SourceRef{f.stream, SourceRef::Kind::Offset, offset};
    if (event.time_ns > f.max_time) f.max_time = event.time_ns;
    processor->process(event);
  }

  // An EVTX file's new records, under a stream named by its path and generation.
  std::size_t poll_evtx(Followed& f) {
    const std::string id = f.evtx->identity();
    if (id != f.identity) {
      f.identity = id;
      f.stream = processor->add_stream(f.evtx->path(), id);
      f.samples.clear();
      f.samples.push_back({f.evtx->position(), INT64_MIN});
    }
    return f.evtx->poll(
        [&](const Event& e) {
          if (e.time_ns > f.max_time) f.max_time = e.time_ns;
          processor->process(e);
        },
        f.stream, kEvtxChunksPerPoll);
  }

  void on_message(std::size_t k, std::string_view message) {
    ++counters.messages;
    const Listener& l = *listeners[k];
    const LineFormat fmt =
        l.kind() == Listener::Kind::SyslogUdp || l.kind() == Listener::Kind::SyslogTcp
            ? LineFormat::Syslog
            : LineFormat::Json;
    if (!parser.parse(fmt, message, syslog_options(), event)) {
      ++counters.skipped;
      return;
    }
    event.source = SourceRef{listener_stream[k], SourceRef::Kind::Record, ++listener_seq[k]};
    processor->process(event);
  }

  std::vector<FileCheckpoint> positions() {
    const std::int64_t need = processor->needed_since();
    std::vector<FileCheckpoint> out;
    for (Followed& f : files) {
      const FilePosition at = f.position();
      if (at.ino == 0) continue;  // never opened
      // Samples of another file or generation than the one being read say nothing about it.
      while (!f.samples.empty() &&
             (f.samples.front().at.ino != at.ino || f.samples.front().at.dev != at.dev ||
              f.samples.front().at.generation != at.generation))
        f.samples.pop_front();
      f.samples.push_back({at, f.max_time});
      // The last sample before which nothing needed was read.
      while (f.samples.size() > 1 && f.samples[1].max_before < need) f.samples.pop_front();
      const std::uint64_t replay = f.samples.front().at.offset;
      out.push_back(
          FileCheckpoint{f.path(), at, replay, f.evtx ? 0 : f.follower->fingerprint(replay)});
    }
    return out;
  }

  // The Prometheus page: counters since start, gauges now.
  std::string render() const {
    std::string out;
    auto metric = [&](const char* name, const char* type, const char* help) {
      fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                     type);
    };
    metric("tansa_watch_events_total", "counter", "Events read, per input.");
    std::map<std::string, std::uint64_t> per_input;
    const auto& names = processor->stream_names();
    const auto& events = processor->stream_events();
    for (std::size_t s = 0; s < names.size(); ++s) per_input[names[s]] += events[s];
    for (const auto& [name, n] : per_input)
      fmt::format_to(std::back_inserter(out), "tansa_watch_events_total{{input=\"{}\"}} {}\n",
                     prometheus_label(name), n);
    // How far behind its file each followed text file is read, in bytes (EVTX files are read by
    // record, so they have no byte lag).
    metric("tansa_watch_file_lag_bytes", "gauge",
           "Bytes written to a followed file and not read yet (its size minus the read position).");
    for (const Followed& f : files) {
      if (f.evtx) continue;
      struct stat st {};
      const FilePosition at = f.position();
      if (::stat(f.path().c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_ino) != at.ino)
        continue;
      const auto size = static_cast<std::uint64_t>(st.st_size);
      fmt::format_to(std::back_inserter(out), "tansa_watch_file_lag_bytes{{input=\"{}\"}} {}\n",
                     prometheus_label(f.path()), size > at.offset ? size - at.offset : 0);
    }
    const ProcessorCounters& pc = processor->counters();
    auto value = [&](const char* name, const char* type, const char* help, auto v) {
      metric(name, type, help);
      fmt::format_to(std::back_inserter(out), "{} {}\n", name, v);
    };
    value("tansa_watch_late_events_total", "counter",
          "Events older than the watermark: evaluated alone, not correlated.", pc.late);
    value("tansa_watch_detections_total", "counter", "Detections written.", counters.written);
    value("tansa_watch_duplicate_detections_total", "counter",
          "Detections recognised as written before a restart and not written again.",
          counters.duplicates);
    value("tansa_watch_excluded_total", "counter",
          "Detections not written because tansa.yml excludes them.", counters.excluded);
    value("tansa_watch_unreadable_lines_total", "counter", "Lines or messages no reader took.",
          counters.skipped);
    value("tansa_watch_udp_dropped_total", "counter",
          "Syslog datagrams the kernel dropped for want of buffer.", counters.udp_dropped);
    value("tansa_watch_released_early_total", "counter",
          "Base detections fed to the correlations before the watermark because the buffer was "
          "full.",
          pc.forced);
    value("tansa_watch_correlation_evicted_total", "counter",
          "Correlation states dropped unjudged because there were more than the limit.",
          pc.evicted);
    value("tansa_watch_correlation_events_dropped_total", "counter",
          "Events dropped from correlation windows that held more than the limit (their "
          "correlation may have missed them).",
          pc.dropped_events);
    value("tansa_watch_correlation_states", "gauge",
          "Live correlation states (one per correlation and group-by value).",
          processor->correlation_states());
    value("tansa_watch_queue_bytes", "gauge", "Bytes of base detections waiting for the watermark.",
          processor->buffered_bytes());
    value("tansa_watch_queue_depth", "gauge",
          "Base detections waiting for the watermark before the correlations.",
          processor->buffered());
    const std::int64_t clock = processor->clock();
    value("tansa_watch_lag_seconds", "gauge",
          "Wall time minus the watermark (event time fully processed); large for old logs.",
          clock == INT64_MIN ? 0.0 : static_cast<double>(wall_ns() - clock) / 1e9);
    value("tansa_watch_checkpoint_age_seconds", "gauge",
          "Seconds since the last checkpoint was written.",
          last_checkpoint_wall == 0 ? 0.0
                                    : static_cast<double>(wall_ns() - last_checkpoint_wall) / 1e9);
    if (options.forward) out += options.forward->render();
    return out;
  }

  std::expected<void, std::string> checkpoint() {
    last_checkpoint_wall = wall_ns();
    auto files_now = positions();
    if (!state) return {};
    return state->checkpoint(files_now, wall_ns() - kRememberNs);
  }
};

Watcher::Watcher() : impl_(std::make_unique<Impl>()) {}
Watcher::~Watcher() = default;

std::expected<std::unique_ptr<Watcher>, std::string> Watcher::open(engine::Rules& rules,
                                                                   WatchOptions options,
                                                                   NoteFn note) {
  std::unique_ptr<Watcher> w(new Watcher());
  Impl& m = *w->impl_;
  m.rules = &rules;
  m.options = std::move(options);
  if (m.options.tuning) m.tuned = m.options.tuning->with_levels(rules.infos());
  m.note = note ? std::move(note) : NoteFn([](const std::string&) {});
  m.processor = std::make_unique<Processor>(
      rules,
      ProcessorOptions{m.options.lateness_ns, m.options.max_buffered_bytes,
                       std::clamp<std::int64_t>(m.options.lateness_ns, 0, 5'000'000'000),
                       m.options.max_states},
      [&m](const Detection& d, const std::string& key) { m.on_detection(d, key); });
  std::vector<FileCheckpoint> saved;
  if (!m.options.state_path.empty()) {
    auto s = State::open(m.options.state_path);
    if (!s) return std::unexpected(s.error());
    m.state = std::move(*s);
    auto f = m.state->files();
    if (!f) return std::unexpected(f.error());
    saved = std::move(*f);
    auto len = m.state->output_length();
    if (!len) return std::unexpected(len.error());
    m.output_length = *len;
  }
  for (const std::string& path : m.options.paths) {
    std::optional<FilePosition> start;
    std::uint64_t fingerprint = 0;
    for (const FileCheckpoint& c : saved)
      if (c.path == path) {
        start = c.at;
        start->offset = std::min(c.replay_from, c.at.offset);  // re-read what correlations need
        fingerprint = c.fingerprint;
      }
    Impl::Followed f;
    if (is_evtx_path(path))
      f.evtx = std::make_unique<EvtxFollower>(path, start, m.options.from_end, m.note);
    else
      f.follower = std::make_unique<Follower>(path, start, m.options.from_end, m.note, fingerprint);
    m.files.push_back(std::move(f));
  }
  struct Want {
    Listener::Kind kind;
    const std::string* address;
  };
  const std::string stdin_name = "-";
  for (const Want& want :
       {Want{Listener::Kind::SyslogUdp, &m.options.syslog_udp},
        Want{Listener::Kind::SyslogTcp, &m.options.syslog_tcp},
        Want{Listener::Kind::JsonTcp, &m.options.json_tcp},
        Want{Listener::Kind::JsonStdin, m.options.json_stdin ? &stdin_name : nullptr}}) {
    if (!want.address || want.address->empty()) continue;
    auto l = Listener::open(want.kind, *want.address);
    if (!l) return std::unexpected(l.error());
    const std::string identity = fmt::format("n:{}:{}", (*l)->name(), wall_ns());
    m.listener_stream.push_back(m.processor->add_stream((*l)->name(), identity));
    m.listener_seq.push_back(0);
    m.listeners.push_back(std::move(*l));
  }
  if (!m.options.metrics.empty()) {
    auto s = MetricsServer::open(m.options.metrics);
    if (!s) return std::unexpected(s.error());
    m.metrics = std::move(*s);
  }
  return w;
}

std::optional<std::uint64_t> Watcher::recorded_output_length() const {
  return impl_->output_length;
}

std::vector<std::string> Watcher::bound() const {
  std::vector<std::string> out;
  for (const auto& l : impl_->listeners) out.push_back(l->name());
  if (impl_->metrics) out.push_back(impl_->metrics->name());
  return out;
}

const ProcessorCounters& Watcher::processor_counters() const {
  return impl_->processor->counters();
}
const WatchCounters& Watcher::counters() const {
  return impl_->counters;
}

std::expected<void, std::string> Watcher::run(const std::atomic<bool>& stop, const WriteFn& write) {
  Impl& m = *impl_;
  m.write = &write;
  std::int64_t last_checkpoint = mono_ns();
  m.processor->advance(mono_ns());
  std::vector<pollfd> fds;
  while (!stop.load(std::memory_order_relaxed) && m.error.empty()) {
    std::size_t got = 0;
    for (Impl::Followed& f : m.files)
      got += f.evtx ? m.poll_evtx(f)
                    : f.follower->poll(
                          [&](std::string_view line, std::uint64_t offset,
                              const FilePosition& pos) { m.on_line(f, line, offset, pos); },
                          kBudget);
    fds.clear();
    for (const auto& l : m.listeners) l->add_fds(fds);
    if (m.metrics) fds.push_back(m.metrics->fd());
    const int timeout = got ? 0 : m.options.poll_ms;
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready > 0) {
      std::size_t at = 0;
      for (std::size_t k = 0; k < m.listeners.size(); ++k) {
        const std::size_t n = m.listeners[k]->fd_count();
        got += m.listeners[k]->service(
            std::span<const pollfd>(fds.data() + at, n),
            [&](std::string_view msg) { m.on_message(k, msg); }, kBudget);
        at += n;
      }
      if (m.metrics && (fds[at].revents & POLLIN)) m.metrics->serve([&] { return m.render(); });
    }
    const std::int64_t now = mono_ns();
    m.processor->advance(now);
    if (m.files.empty() && m.listeners.size() == 1 && m.listeners[0]->ended()) {
      m.processor->advance(now + (std::int64_t{1} << 62));  // every stream idle: release all
      break;
    }
    m.counters.udp_dropped = 0;
    for (const auto& l : m.listeners) m.counters.udp_dropped += l->dropped();
    if (now - last_checkpoint >= std::int64_t{m.options.checkpoint_ms} * 1'000'000) {
      last_checkpoint = now;
      if (auto r = m.checkpoint(); !r) return r;
    }
  }
  if (!m.error.empty()) return std::unexpected(m.error);
  return m.checkpoint();
}

}  // namespace tansa::watch
