#include "survey/metrics.h"

#include <algorithm>
#include <charconv>

namespace tansa::survey {

int windows_event_id(const Event& e) {
  static const FieldId kEventId = field_id("EventID");
  const Value* id = e.get(kEventId);
  if (!id) return 0;
  if (id->type == ValueType::Int || id->type == ValueType::UInt || id->type == ValueType::HexInt)
    return static_cast<int>(id->i);
  int n = 0;
  std::from_chars(id->text.data(), id->text.data() + id->text.size(), n);
  return n;
}

void MetricsHook::on_event(const Event& e) {
  investigate::StreamOf s = investigate::stream_of(e);
  if (s.source.empty()) s.source = e.logsource.product.empty() ? "(no channel)" : "(unnamed)";
  if (s.host.empty()) s.host = "(no host)";
  const int id = windows_event_id(e);
  by_stream_.add(s, e.time_ns, id);
  // The file's own row: keyed by its index, so a file's records and silences are its own.
  investigate::StreamOf f;
  f.host = std::to_string(e.source.file);
  f.record = s.record;
  by_file_.add(f, e.time_ns, id);
}

engine::HookFactory MetricsCollector::hooks() const {
  const std::int64_t gap = gap_ns_;
  return [gap](unsigned) { return std::make_unique<MetricsHook>(gap); };
}

LogMetrics metrics_of(const investigate::Stream& s) {
  LogMetrics m;
  m.host = s.host;
  m.source = s.source;
  m.events = s.events;
  if (!s.active.empty()) {
    m.first = s.active.front().start;
    m.last = s.active.back().end;
  }
  for (std::size_t i = 1; i < s.active.size(); ++i)
    m.silences.push_back({s.active[i - 1].end, s.active[i].start});
  if (!s.records.empty()) {
    m.first_record = s.records.front().first;
    m.last_record = s.records.back().last;
    for (std::size_t i = 1; i < s.records.size(); ++i) {
      m.missing_records += s.records[i].first - s.records[i - 1].last - 1;
      ++m.record_holes;
    }
  }
  for (const auto& [id, n] : s.event_ids) m.top_event_ids.push_back({id, n});
  std::sort(m.top_event_ids.begin(), m.top_event_ids.end(),
            [](const EventIdCount& a, const EventIdCount& b) {
              return a.events != b.events ? a.events > b.events : a.id < b.id;
            });
  if (m.top_event_ids.size() > 10) m.top_event_ids.resize(10);
  return m;
}

Metrics MetricsCollector::finish(const std::vector<std::unique_ptr<engine::EventHook>>& lanes,
                                 const std::vector<std::string>& files) const {
  investigate::Coverage streams(gap_ns_), by_file(gap_ns_);
  for (const auto& lane : lanes) {
    auto& h = static_cast<MetricsHook&>(*lane);
    streams.merge(h.by_stream_);
    by_file.merge(h.by_file_);
  }
  Metrics out;
  out.gap_ns = gap_ns_;
  for (const investigate::Stream& s : streams.streams()) out.streams.push_back(metrics_of(s));
  // Every input has its row, an empty one included: a log that holds nothing is an answer.
  out.files.resize(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) out.files[i].file = files[i];
  for (const investigate::Stream& s : by_file.streams()) {
    std::size_t index = files.size();
    std::from_chars(s.host.data(), s.host.data() + s.host.size(), index);
    if (index >= files.size()) continue;
    LogMetrics m = metrics_of(s);
    m.file = files[index];
    m.host.clear();
    m.source.clear();
    out.files[index] = std::move(m);
  }
  return out;
}

}  // namespace tansa::survey
