#include "watch/processor.h"

#include <fmt/format.h>

#include <algorithm>

namespace tansa::watch {

namespace {

// What a buffered detection costs, near enough to bound memory by. Sizes, not capacities: a
// copy must cost what the original did, or the running total drifts.
std::size_t approx_bytes(const Detection& d) {
  std::size_t n = sizeof(Detection) + 32 + d.host.size() + d.fields.size() * sizeof(d.fields[0]) +
                  d.related.size() * sizeof(SourceRef);
  for (const auto& [k, v] : d.fields) n += k.size() + v.size();
  return n;
}

}  // namespace

bool Processor::Later::operator()(const Detection& a, const Detection& b) const {
  return DetectionOrder{*rules}(b, a);
}

Processor::Processor(engine::Rules& rules, ProcessorOptions options, EmitFn emit)
    : rules_(rules),
      options_(options),
      emit_(std::move(emit)),
      matcher_(rules.set()),
      correlator_([&] {
        std::vector<correlate::Rejection> again;  // reported when the rules were loaded
        return std::make_unique<correlate::Correlator>(rules.set().rules(),
                                                       rules.correlation_rules(), again);
      }()),
      buffer_(Later{&rules.infos()}) {
  const correlate::Correlator& c = *correlator_;
  slim_.resize(rules_.set().size());
  correlator_->set_max_states(options_.max_states);
  correlator_->set_max_events_per_state(options_.max_events_per_state);
  for (std::uint32_t r = 0; r < slim_.size(); ++r) {
    if (!c.feeds(r)) continue;
    std::vector<FieldId> ids;
    for (const auto& name : c.fields_read(r)) ids.push_back(field_id(name));
    std::sort(ids.begin(), ids.end());
    slim_[r] = std::move(ids);
  }
  for (const auto& cr : rules_.correlation_rules())
    max_timespan_ = std::max(max_timespan_, cr->timespan_ns);
}

Processor::~Processor() = default;

std::uint32_t Processor::add_stream(std::string name, std::string identity) {
  names_.push_back(std::move(name));
  identities_.push_back(std::move(identity));
  stream_max_.push_back(INT64_MIN);
  stream_events_.push_back(0);
  stream_touch_.push_back(INT64_MIN);
  return static_cast<std::uint32_t>(names_.size() - 1);
}

std::string Processor::key_of(const Detection& d) const {
  const auto& infos = rules_.infos();
  const std::string_view id = d.rule < infos.size() ? std::string_view(infos[d.rule].id) : "?";
  const std::string_view stream = d.source.file < identities_.size()
                                      ? std::string_view(identities_[d.source.file])
                                      : std::string_view("?");
  // One event gives one group key per correlation, so rule and event identify a detection.
  return fmt::format("{}|{}|{}", id, stream, d.source.position);
}

void Processor::emit(const Detection& d) {
  ++counters_.detections;
  emit_(d, key_of(d));
}

void Processor::feed(const Detection& d) {
  correlate::Correlator& c = *correlator_;
  c.add(d, [&](Detection&& out) { emit(out); });
}

void Processor::process(const Event& e) {
  ++counters_.events;
  const bool correlating = correlator_->size() != 0;
  const bool late = correlating && e.time_ns < fed_to_;
  if (late) ++counters_.late;
  if (e.time_ns > max_time_) max_time_ = e.time_ns;
  if (e.source.file < stream_max_.size()) {
    stream_max_[e.source.file] = std::max(stream_max_[e.source.file], e.time_ns);
    stream_touch_[e.source.file] = now_;
    ++stream_events_[e.source.file];
  }
  hits_.clear();
  matcher_.match(e, hits_);
  for (std::uint32_t rule : hits_) {
    if (!correlator_->suppressed(rule)) {
      Detection d;
      d.capture(e, rule);
      emit(d);
    }
    // Only what the correlations use waits for them, and only the fields they read.
    if (!correlating || late || rule >= slim_.size() || !slim_[rule]) continue;
    Detection d;
    d.capture(e, rule, *slim_[rule]);
    buffered_bytes_ += approx_bytes(d);
    buffer_.push(std::move(d));
  }
  while (!buffer_.empty() && buffered_bytes_ > options_.max_buffered_bytes) {
    fed_to_ = std::max(fed_to_, buffer_.top().time_ns);
    ++counters_.forced;
    release_top();
  }
  counters_.scan_failures = matcher_.scan_failures();
  counters_.evicted = correlator_->evicted();
  counters_.dropped_events = correlator_->dropped_events();
}

void Processor::advance(std::int64_t now_ns) {
  now_ = now_ns;
  if (max_time_ == INT64_MIN) return;
  // The slowest active stream's clock; none active: everything may go.
  std::int64_t slowest = INT64_MAX;
  for (std::size_t s = 0; s < stream_max_.size(); ++s)
    if (stream_max_[s] != INT64_MIN && now_ns - stream_touch_[s] < options_.idle_ns)
      slowest = std::min(slowest, stream_max_[s]);
  std::int64_t to = max_time_;
  if (slowest != INT64_MAX)
    to = slowest < INT64_MIN + options_.lateness_ns ? INT64_MIN : slowest - options_.lateness_ns;
  while (!buffer_.empty() && buffer_.top().time_ns <= to) release_top();
  fed_to_ = std::max(fed_to_, to);
  counters_.evicted = correlator_->evicted();
  counters_.dropped_events = correlator_->dropped_events();
}

void Processor::release_top() {
  Detection d = buffer_.top();
  buffer_.pop();
  buffered_bytes_ -= std::min(buffered_bytes_, approx_bytes(d));
  feed(d);
}

std::size_t Processor::correlation_states() const {
  return correlator_->live_states();
}

std::int64_t Processor::needed_since() const {
  if (correlator_->size() == 0) return INT64_MAX;
  std::int64_t need = INT64_MAX;
  if (fed_to_ != INT64_MIN)
    need = fed_to_ < INT64_MIN + max_timespan_ ? INT64_MIN : fed_to_ - max_timespan_;
  if (!buffer_.empty()) need = std::min(need, buffer_.top().time_ns);
  return need;
}

}  // namespace tansa::watch
