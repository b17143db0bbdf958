#include "correlate/correlator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

namespace tansa::correlate {

namespace {

using C = sigma::CorrelationRule;

struct Ev {
  std::int64_t time;
  SourceRef source;
  std::uint32_t ref;  // position of the rule in the correlation's `rules`
  std::string value;  // the `field` value (value_* types)
  std::string host;
  // The events this entry stands for: temporal windows keep only the first and the newest of a
  // run of events of one rule, and the newest carries the run's middle in its weight.
  std::uint32_t weight = 1;
};

struct State {
  std::vector<Ev> events;          // in time order; a vector, not a deque: most windows are short
  std::vector<std::string> group;  // the group-by values, for the output
  // The time of the one entry of `due` that stands for this state, INT64_MIN when none: a state
  // has at most one, so `due` grows with the live keys, not with the events.
  std::int64_t scheduled = INT64_MIN;
};

// first_seen: what one key has shown so far. Values are remembered with the time they were last
// seen, so a timespan can age them out; a key that shows more distinct values than kMaxSeen stops
// being judged (it has no baseline worth the name, and its memory stays bounded).
struct Baseline {
  std::uint64_t events = 0;
  SourceRef first;
  bool saturated = false;
  std::unordered_map<std::string, std::int64_t> seen;  // field index + '\x1f' + value -> last time
};
constexpr std::size_t kMaxSeen = 4096;

struct Compiled {
  std::uint32_t index = 0;  // rule index of the correlation
  const C* rule = nullptr;
  std::vector<std::uint32_t> refs;                    // rule indices, in `rules` order
  std::vector<std::vector<std::string>> group_field;  // per ref: the field for each group-by entry
  std::vector<std::string> value_field;               // per ref: the field for condition.field
  std::vector<std::vector<std::string>> seen_fields;  // per ref: first_seen's watched fields
  bool judged_at_close = false;                       // the condition has an upper bound
};

std::string_view field_of(const Detection& d, std::string_view name) {
  for (const auto& [k, v] : d.fields)
    if (k == name) return v;
  return {};
}

bool number(std::string_view s, double& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool holds(const C& c, double v) {
  for (const auto& [op, bound] : c.condition) {
    bool ok = false;
    switch (op) {
      case C::Op::Gt:
        ok = v > bound;
        break;
      case C::Op::Gte:
        ok = v >= bound;
        break;
      case C::Op::Lt:
        ok = v < bound;
        break;
      case C::Op::Lte:
        ok = v <= bound;
        break;
      case C::Op::Eq:
        ok = v == bound;
        break;
      case C::Op::Neq:
        ok = v != bound;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

const char* measure_name(C::Type t) {
  switch (t) {
    case C::Type::EventCount:
      return "event_count";
    case C::Type::ValueCount:
      return "value_count";
    case C::Type::ValueSum:
      return "value_sum";
    case C::Type::ValueAvg:
      return "value_avg";
    case C::Type::ValuePercentile:
      return "value_percentile";
    case C::Type::FirstSeen:
      return "history";
    default:
      return "matched_rules";
  }
}

}  // namespace

struct Correlator::Impl {
  std::vector<std::shared_ptr<const C>> owned;  // the parsed correlations Compiled points into
  std::vector<RuleInfo> rules;
  std::size_t base = 0;
  std::vector<Compiled> corr;
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> users;  // rule -> (corr, ref)
  std::vector<bool> suppressed;
  std::unordered_map<std::string, State> states;
  std::unordered_map<std::string, Baseline> baselines;  // first_seen, for the whole input
  // When each state may next need attention (an event leaving its window), earliest first: time
  // only moves forward, so states are visited when due instead of by scanning them all.
  struct Due {
    std::int64_t at;
    std::uint32_t corr;
    std::string key;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  std::int64_t now = INT64_MIN;
  std::size_t max_states = SIZE_MAX;  // live keys (windows and first_seen baselines) at most
  std::uint64_t evicted = 0;
  std::size_t max_events_per_state = SIZE_MAX;  // entries of one window at most
  std::uint64_t dropped_events = 0;

  // The measure of a window and whether the correlation fires on it.
  bool fires(const Compiled& c, std::span<const Ev> evs, std::string& measure) const {
    const C& r = *c.rule;
    switch (r.type) {
      case C::Type::Temporal: {
        std::set<std::uint32_t> seen;
        for (const Ev& e : evs) seen.insert(e.ref);
        measure = std::to_string(seen.size());
        return seen.size() == c.refs.size();
      }
      case C::Type::TemporalOrdered: {
        std::uint32_t next = 0;
        for (const Ev& e : evs)
          if (next < c.refs.size() && e.ref == next) ++next;
        measure = std::to_string(next);
        return next == c.refs.size();
      }
      case C::Type::EventCount:
        measure = std::to_string(evs.size());
        return holds(r, static_cast<double>(evs.size()));
      case C::Type::ValueCount: {
        std::set<std::string_view> distinct;
        for (const Ev& e : evs)
          if (!e.value.empty()) distinct.insert(e.value);
        measure = std::to_string(distinct.size());
        return holds(r, static_cast<double>(distinct.size()));
      }
      default: {
        std::vector<double> xs;
        for (const Ev& e : evs) {
          double x;
          if (number(e.value, x)) xs.push_back(x);
        }
        if (xs.empty()) return false;
        double v = 0;
        if (r.type == C::Type::ValuePercentile) {
          std::sort(xs.begin(), xs.end());
          const auto rank = static_cast<std::size_t>(
              std::ceil(r.percentile / 100.0 * static_cast<double>(xs.size())));
          v = xs[std::clamp<std::size_t>(rank, 1, xs.size()) - 1];
        } else {
          for (double x : xs) v += x;
          if (r.type == C::Type::ValueAvg) v /= static_cast<double>(xs.size());
        }
        char buf[32];
        auto res = std::to_chars(buf, buf + sizeof buf, v);
        measure.assign(buf, res.ptr);
        return holds(r, v);
      }
    }
  }

  // A correlation detection at the event that completed it, carrying the group-by values.
  static Detection started(const Compiled& c, const std::vector<std::string>& group,
                           std::int64_t time, const SourceRef& source, const std::string& host) {
    Detection out;
    out.time_ns = time;
    out.source = source;
    out.rule = c.index;
    out.host = host;
    for (std::size_t g = 0; g < c.rule->group_by.size(); ++g)
      out.fields.emplace_back(c.rule->group_by[g], group[g]);
    return out;
  }

  Detection make(const Compiled& c, const State& s, std::size_t count,
                 const std::string& measure) const {
    const Ev& last = s.events[count - 1];
    Detection out = started(c, s.group, last.time, last.source, last.host);
    out.fields.emplace_back(measure_name(c.rule->type), measure);
    std::uint64_t events = 0;
    for (std::size_t i = 0; i < count; ++i) events += s.events[i].weight;
    out.fields.emplace_back("events", std::to_string(events));
    constexpr std::size_t kMaxRelated = 100;  // the first events; the count says how many in all
    for (std::size_t i = 0; i < count && out.related.size() < kMaxRelated; ++i)
      out.related.push_back(s.events[i].source);
    return out;
  }

  // Judges windows of upper-bound correlations that closed before `t`; drops stale events.
  void expire(State& s, const Compiled& c, std::int64_t t, std::vector<Detection>& out) {
    const std::int64_t span = c.rule->timespan_ns;
    if (c.judged_at_close) {
      while (!s.events.empty() && s.events.front().time + span < t) {
        const std::int64_t end = s.events.front().time + span;
        std::size_t n = 0;
        while (n < s.events.size() && s.events[n].time <= end) ++n;
        std::string measure;
        if (fires(c, std::span<const Ev>(s.events.data(), n), measure)) {
          State w{
              std::vector<Ev>(s.events.begin(), s.events.begin() + static_cast<std::ptrdiff_t>(n)),
              s.group};
          out.push_back(make(c, w, n, measure));
        }
        s.events.erase(s.events.begin(), s.events.begin() + static_cast<std::ptrdiff_t>(n));
      }
    } else {
      std::size_t n = 0;
      while (n < s.events.size() && s.events[n].time + span < t) ++n;
      s.events.erase(s.events.begin(), s.events.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }

  // first_seen fires on the event that shows a value the key has not shown before, once the key
  // has enough history (the condition bounds the number of its earlier events).
  void first_seen(const Compiled& c, std::uint32_t ref, const Detection& d, std::string key,
                  std::vector<std::string> group, std::vector<Detection>& out) {
    if (!baselines.contains(key))
      while (states.size() + baselines.size() >= max_states && shed_one()) {
      }
    Baseline& b = baselines[key];
    if (b.events == 0) b.first = d.source;
    if (b.saturated) return;
    const auto& fields = c.seen_fields[ref];
    std::vector<std::pair<std::string, std::string>> fresh;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      const std::string_view v = field_of(d, fields[f]);
      if (v.empty()) continue;
      std::string k = std::to_string(f);
      k += '\x1f';
      k.append(v);
      auto it = b.seen.find(k);
      const bool known = it != b.seen.end() && (c.rule->timespan_ns == 0 ||
                                                it->second + c.rule->timespan_ns >= d.time_ns);
      if (!known) fresh.emplace_back(c.rule->fields[f], std::string(v));
      if (it != b.seen.end())
        it->second = d.time_ns;
      else if (b.seen.size() < kMaxSeen)
        b.seen.emplace(std::move(k), d.time_ns);
      else
        b.saturated = true;
    }
    if (!fresh.empty() && holds(*c.rule, static_cast<double>(b.events))) {
      Detection o = started(c, group, d.time_ns, d.source, d.host);
      for (auto& [f, v] : fresh) o.fields.emplace_back(std::move(f), std::move(v));
      o.fields.emplace_back("history", std::to_string(b.events));
      o.related = {b.first, d.source};  // where the key's history starts, and the new value
      out.push_back(std::move(o));
    }
    ++b.events;
  }

  void add(const Detection& d, std::vector<Detection>& out) {
    if (d.rule >= users.size()) return;
    now = std::max(now, d.time_ns);
    for (const auto& [ci, ref] : users[d.rule]) {
      const Compiled& c = corr[ci];
      std::string key = std::to_string(ci);
      std::vector<std::string> group;
      for (const auto& f : c.group_field[ref]) {
        const std::string_view v = field_of(d, f);
        key += '\x1f';
        key.append(v);
        group.emplace_back(v);
      }
      if (c.rule->type == C::Type::FirstSeen) {
        first_seen(c, ref, d, std::move(key), std::move(group), out);
        continue;
      }
      State& s = states[key];
      if (s.group.empty()) s.group = std::move(group);
      expire(s, c, d.time_ns, out);
      Ev ev{
          d.time_ns, d.source, ref,
          c.value_field[ref].empty() ? std::string() : std::string(field_of(d, c.value_field[ref])),
          d.host};
      const bool temporal =
          c.rule->type == C::Type::Temporal || c.rule->type == C::Type::TemporalOrdered;
      const std::size_t n = s.events.size();
      if (temporal && n >= 2 && s.events[n - 1].ref == ref && s.events[n - 2].ref == ref) {
        // A run of one rule's events: whether the temporal correlation fires (in any order or in
        // the rules' order, within the timespan) depends only on the run's first and newest, so
        // the newest replaces the previous newest. A flood of one rule keeps two entries per key.
        ev.weight = s.events[n - 1].weight + 1;
        s.events[n - 1] = std::move(ev);
      } else {
        if (n >= max_events_per_state) {  // the oldest goes, counted
          s.events.erase(s.events.begin());
          ++dropped_events;
        }
        s.events.push_back(std::move(ev));
      }
      if (!c.judged_at_close) {
        std::string measure;
        if (fires(c, s.events, measure)) {
          out.push_back(make(c, s, s.events.size(), measure));
          s.events.clear();  // the next firing needs a fresh set of events
        }
      }
      if (s.scheduled != INT64_MIN) continue;  // its entry in `due` will visit it
      if (s.events.empty()) {
        states.erase(key);
        continue;
      }
      schedule(s, ci, key);
      while (states.size() + baselines.size() > max_states && shed_one()) {
      }
    }
    sweep(out);
  }

  void schedule(State& s, std::uint32_t ci, std::string key) {
    s.scheduled = s.events.front().time + corr[ci].rule->timespan_ns;
    due.push(Due{s.scheduled, ci, std::move(key)});
  }

  // Over the limit (windows and baselines counted together): the window due soonest goes,
  // unjudged, else any first_seen baseline (there is no order to choose by); counted. False when
  // nothing could go.
  bool shed_one() {
    while (!due.empty()) {
      Due d = due.top();
      due.pop();
      auto it = states.find(d.key);
      if (it == states.end() || it->second.scheduled != d.at) continue;
      states.erase(it);
      ++evicted;
      return true;
    }
    if (baselines.empty()) return false;
    baselines.erase(baselines.begin());
    ++evicted;
    return true;
  }

  // Visits the states whose oldest event may have left its window: judges closed windows, drops
  // stale events, and forgets keys with none left. Memory follows the live keys.
  void sweep(std::vector<Detection>& out) {
    while (!due.empty() && due.top().at < now) {
      Due d = due.top();
      due.pop();
      auto it = states.find(d.key);
      if (it == states.end() || it->second.scheduled != d.at) continue;  // stands for no state
      State& s = it->second;
      s.scheduled = INT64_MIN;
      expire(s, corr[d.corr], now, out);
      if (s.events.empty())
        states.erase(it);
      else
        schedule(s, d.corr, std::move(d.key));
    }
  }
};

Correlator::Correlator(std::span<const RuleInfo> base,
                       const std::vector<std::shared_ptr<const sigma::CorrelationRule>>& rules,
                       std::vector<Rejection>& rejected)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.rules.assign(base.begin(), base.end());
  m.base = base.size();
  // Correlations get indices after the base rules; references resolve by id or name, to base
  // rules or to other correlations (chains).
  m.owned = rules;
  std::vector<const C*> usable;
  for (const auto& r : m.owned) usable.push_back(r.get());
  std::map<std::string, std::uint32_t> by_ref;
  for (std::uint32_t i = 0; i < m.rules.size(); ++i) {
    if (!m.rules[i].id.empty()) by_ref.emplace(m.rules[i].id, i);
    if (!m.rules[i].name.empty()) by_ref.emplace(m.rules[i].name, i);
  }
  for (std::size_t k = 0; k < usable.size(); ++k) {
    const auto idx = static_cast<std::uint32_t>(m.base + k);
    if (!usable[k]->info.id.empty()) by_ref.emplace(usable[k]->info.id, idx);
    if (!usable[k]->name.empty()) by_ref.emplace(usable[k]->name, idx);
  }
  std::vector<Compiled> compiled;
  for (std::size_t k = 0; k < usable.size(); ++k) {
    const C& r = *usable[k];
    Compiled c;
    c.index = static_cast<std::uint32_t>(m.base + k);
    c.rule = &r;
    std::string missing;
    for (const auto& ref : r.rules) {
      auto it = by_ref.find(ref);
      if (it == by_ref.end())
        missing += (missing.empty() ? "" : ", ") + ref;
      else
        c.refs.push_back(it->second);
    }
    if (!missing.empty()) {
      rejected.push_back({r.file, r.info.id, "refers to rules that were not loaded: " + missing});
      c.refs.clear();
    }
    for (const auto& ref_name : r.rules) {
      // A field name, or what an alias calls it in this referenced rule.
      auto in_rule = [&](const std::string& name) {
        if (auto a = r.aliases.find(name); a != r.aliases.end())
          if (auto f = a->second.find(ref_name); f != a->second.end()) return f->second;
        return name;
      };
      std::vector<std::string> fields, watched;
      for (const auto& g : r.group_by) fields.push_back(in_rule(g));
      for (const auto& f : r.fields) watched.push_back(in_rule(f));
      c.group_field.push_back(std::move(fields));
      c.value_field.push_back(in_rule(r.field));
      c.seen_fields.push_back(std::move(watched));
    }
    for (const auto& [op, _] : r.condition)
      if (r.type != C::Type::FirstSeen)
        c.judged_at_close =
            c.judged_at_close || op == C::Op::Lt || op == C::Op::Lte || op == C::Op::Eq;
    compiled.push_back(std::move(c));
  }
  for (std::size_t k = 0; k < usable.size(); ++k) m.rules.push_back(usable[k]->info);
  m.users.assign(m.rules.size(), {});
  m.suppressed.assign(m.rules.size(), false);
  std::vector<int> generate_votes(m.rules.size(), 0), total(m.rules.size(), 0);
  for (std::uint32_t ci = 0; ci < compiled.size(); ++ci) {
    const Compiled& c = compiled[ci];
    for (std::uint32_t ref = 0; ref < c.refs.size(); ++ref) {
      m.users[c.refs[ref]].emplace_back(ci, ref);
      ++total[c.refs[ref]];
      if (c.rule->generate) ++generate_votes[c.refs[ref]];
    }
  }
  // Only single-event rules are hidden: a correlation's detection is already a summary, and one
  // that feeds a chain (a burst of failures, then a success) is worth seeing on its own.
  for (std::size_t i = 0; i < m.base; ++i) m.suppressed[i] = total[i] > 0 && generate_votes[i] == 0;
  m.corr = std::move(compiled);
}

Correlator::~Correlator() = default;

const std::vector<RuleInfo>& Correlator::rules() const {
  return impl_->rules;
}
bool Correlator::suppressed(std::uint32_t rule) const {
  return rule < impl_->suppressed.size() && impl_->suppressed[rule];
}
bool Correlator::feeds(std::uint32_t rule) const {
  return rule < impl_->users.size() && !impl_->users[rule].empty();
}
std::size_t Correlator::size() const {
  return impl_->corr.size();
}
std::vector<std::string> Correlator::fields_read(std::uint32_t rule) const {
  std::vector<std::string> out;
  if (rule >= impl_->users.size()) return out;
  for (const auto& [ci, ref] : impl_->users[rule]) {
    const Compiled& c = impl_->corr[ci];
    for (const auto& f : c.group_field[ref]) out.push_back(f);
    if (!c.value_field[ref].empty()) out.push_back(c.value_field[ref]);
    for (const auto& f : c.seen_fields[ref]) out.push_back(f);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
void Correlator::set_max_events_per_state(std::size_t n) {
  impl_->max_events_per_state = std::max<std::size_t>(n, 2);
}

std::uint64_t Correlator::dropped_events() const {
  return impl_->dropped_events;
}

void Correlator::set_max_states(std::size_t n) {
  impl_->max_states = std::max<std::size_t>(n, 1);
}
std::uint64_t Correlator::evicted() const {
  return impl_->evicted;
}
std::size_t Correlator::live_states() const {
  return impl_->states.size() + impl_->baselines.size();
}

void Correlator::add(const Detection& d, const std::function<void(Detection&&)>& emit) {
  // Correlation detections may feed further correlations; depth bounds reference cycles. No
  // detection is copied: the base one is read where it is, and each produced one is handed to
  // `emit` once the next level has read it (the correlator keeps values, not references).
  std::vector<Detection> produced;
  impl_->add(d, produced);
  for (int depth = 1; !produced.empty(); ++depth) {
    std::vector<Detection> next;
    if (depth < 8)
      for (const Detection& p : produced) impl_->add(p, next);
    for (Detection& p : produced) emit(std::move(p));
    produced = std::move(next);
  }
}

void Correlator::finish(const std::function<void(Detection&&)>& emit) {
  std::vector<Detection> out;
  impl_->now = INT64_MAX - (std::int64_t{1} << 62);  // every window is closed now
  impl_->sweep(out);
  for (Detection& d : out) emit(std::move(d));
}

}  // namespace tansa::correlate
