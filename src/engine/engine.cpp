#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace tansa::engine {

namespace fs = std::filesystem;

std::vector<std::string> rule_pack_candidates() {
  // The kernel resolves /proc/self/exe to the binary's real path, whatever link or working
  // folder it was started from: /usr/local/bin/tansa linked to /opt/tansa/bin/tansa looks in
  // /opt/tansa.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || !exe.is_absolute()) return {};
  const fs::path dir = exe.parent_path();
  return {(dir / "rules").string(), (dir.parent_path() / "rules").string(),
          (dir.parent_path() / "share" / "tansa" / "rules").string()};
}

std::vector<std::string> default_rule_paths() {
  if (const char* env = std::getenv("TANSA_RULES"); env && *env) return {env};
  std::error_code ec;
  for (const std::string& p : rule_pack_candidates())
    if (fs::is_directory(p, ec)) return {p};
  return {};
}

std::string default_cache_dir() {
  std::string dir;
  if (const char* t = std::getenv("TANSA_CACHE")) {
    if (std::string_view(t).empty() || std::string_view(t) == "off") return {};
    dir = t;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = std::string(x) + "/tansa";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = std::string(h) + "/.cache/tansa";
  } else {
    return {};
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  return fs::is_directory(dir, ec) ? dir : std::string();
}

std::optional<int> parse_tz(std::string_view z) {
  if (z.empty() || z == "UTC" || z == "utc" || z == "Z") return 0;
  if (z[0] != '+' && z[0] != '-') return std::nullopt;
  std::string digits;
  for (char c : z.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  if (digits.size() != 4 && digits.size() != 2) return std::nullopt;
  int h = 0, m = 0;
  std::from_chars(digits.data(), digits.data() + 2, h);
  if (digits.size() == 4) std::from_chars(digits.data() + 2, digits.data() + 4, m);
  if (h > 14 || m > 59) return std::nullopt;
  return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
}

std::optional<std::int64_t> parse_time_bound(std::string_view text, bool end_of_day) {
  std::int64_t ns;
  if (!parse_iso_time(text, ns)) return std::nullopt;
  if (end_of_day && text.size() == 10) ns += 86400LL * 1000000000 - 1;
  return ns;
}

std::expected<std::unique_ptr<Rules>, std::string> Rules::load(const RuleOptions& options) {
  auto r = std::make_unique<Rules>();
  sigma::Options so;
  so.threads = options.threads;
  so.cache_dir = options.cache_dir ? *options.cache_dir : default_cache_dir();
  if (!options.placeholders.empty()) {
    auto p = sigma::load_placeholders(options.placeholders);
    if (!p) return std::unexpected(p.error());
    so.placeholders = std::move(*p);
  }
  r->paths_ = options.paths.empty() ? default_rule_paths() : options.paths;
  if (r->paths_.empty()) {
    std::string looked;
    for (const std::string& p : rule_pack_candidates()) looked += (looked.empty() ? "" : ", ") + p;
    return std::unexpected(
        looked.empty()
            ? std::string("no rules given (-r PATH or TANSA_RULES), and the binary's own path "
                          "(/proc/self/exe) cannot be read to find the rule pack")
            : "no rules given (-r PATH or TANSA_RULES), and no rule pack in any of: " + looked);
  }
  sigma::Compiled compiled = sigma::load_and_compile(r->paths_, so);
  sigma::LoadResult& loaded = compiled.loaded;
  r->rejected_ = std::move(loaded.rejected);
  r->set_ = std::move(compiled.set);
  r->correlator_ = std::make_unique<correlate::Correlator>(
      r->set_->rules(), loaded.correlation_rules, r->correlation_rejected_);
  r->correlation_rules_ = std::move(loaded.correlation_rules);
  r->notes_ = std::move(loaded.notes);
  r->notes_.insert(r->notes_.end(), r->set_->notes().begin(), r->set_->notes().end());
  r->from_cache_ = loaded.from_cache;
  return r;
}

std::unique_ptr<Rules> Rules::none() {
  auto r = std::make_unique<Rules>();
  sigma::Options so;
  so.cache_dir = "";
  r->set_ = sigma::RuleSet::compile({}, so, r->rejected_);
  r->correlator_ = std::make_unique<correlate::Correlator>(r->set_->rules(), r->correlation_rules_,
                                                           r->correlation_rejected_);
  r->notes_ = r->set_->notes();
  return r;
}

std::expected<std::unique_ptr<Rules>, std::string> Rules::from_text(std::string_view yaml,
                                                                    const std::string& name) {
  auto r = std::make_unique<Rules>();
  sigma::Options so;
  so.cache_dir = "";
  auto loaded = sigma::load_rules_text(yaml, name, so);
  r->rejected_ = std::move(loaded.rejected);
  r->set_ = sigma::RuleSet::compile(loaded.rules, so, r->rejected_);
  r->correlator_ = std::make_unique<correlate::Correlator>(
      r->set_->rules(), loaded.correlation_rules, r->correlation_rejected_);
  r->correlation_rules_ = std::move(loaded.correlation_rules);
  r->notes_ = r->set_->notes();
  if (r->set_->size() == 0) {
    std::string why;
    for (const auto& x : r->rejected_) why += (why.empty() ? "" : "; ") + x.reason;
    return std::unexpected(why.empty() ? "no rule in " + name : why);
  }
  return r;
}

// The settings with the spill folder named: the system's when none is given.
// The passwords given, then "infected" (malware and incident collections' convention).
static std::vector<std::string> with_default_password(std::vector<std::string> given) {
  if (std::find(given.begin(), given.end(), "infected") == given.end()) given.push_back("infected");
  return given;
}

static Settings with_temp_dir(Settings s) {
  if (s.temp_dir.empty()) s.temp_dir = fs::temp_directory_path().string();
  return s;
}

// One thread's state: its matcher, the hit buffer it reuses, and the command's hook.
struct Run::Lane {
  explicit Lane(const sigma::RuleSet& set) : matcher(set) {}
  sigma::Matcher matcher;
  std::vector<std::uint32_t> hits;
  EventHook* hook = nullptr;
};

Run::Run(Rules& rules, Settings settings, std::optional<std::vector<hunt::Format>> formats)
    : rules_(rules),
      correlator_([&] {
        std::vector<correlate::Rejection> again;  // reported when the rules were loaded
        return std::make_unique<correlate::Correlator>(rules.set().rules(),
                                                       rules.correlation_rules(), again);
      }()),
      settings_(with_temp_dir(std::move(settings))),
      threads_(settings_.threads ? settings_.threads
                                 : std::max(1u, std::thread::hardware_concurrency())),
      pipeline_(formats ? std::move(*formats) : hunt::builtin_formats(settings_.reader),
                hunt::Options{settings_.format, settings_.from_ns, settings_.to_ns,
                              with_default_password(settings_.reader.archive_passwords)}),
      sorter_(rules.set().rules(), settings_.sort_memory, settings_.temp_dir) {
  // With correlations every base detection must reach them; selection is the caller's then.
  const correlate::Correlator& correlator = *correlator_;
  if (correlator.size() != 0) settings_.rule_enabled.clear();
  // A rule whose detections only feed correlations keeps just the fields they read.
  slim_.resize(rules_.set().size());
  for (std::uint32_t r = 0; r < slim_.size(); ++r) {
    if (!correlator.suppressed(r)) continue;
    std::vector<FieldId> ids;
    for (const auto& name : correlator.fields_read(r)) ids.push_back(field_id(name));
    std::sort(ids.begin(), ids.end());
    slim_[r] = std::move(ids);
  }
}

Run::~Run() = default;

std::expected<void, std::string> Run::check() const {
  const auto& formats = pipeline_.formats();
  if (settings_.format.empty() ||
      std::any_of(formats.begin(), formats.end(),
                  [&](const hunt::Format& f) { return f.name == settings_.format; }))
    return {};
  std::string names;
  for (const auto& f : formats) names += (names.empty() ? "" : ", ") + f.name;
  return std::unexpected("unknown --format '" + settings_.format + "' (one of: " + names + ")");
}

void Run::read(const std::vector<hunt::Input>& inputs, const DiagnosticSink& diag,
               const HookFactory& hooks) {
  read_lanes(inputs, diag, hooks, nullptr, 0, 0);
}

void Run::read_base(const std::vector<hunt::Input>& inputs, const DiagnosticSink& diag,
                    std::uint64_t seed1, std::uint64_t seed2, const BaseSink& sink) {
  read_lanes(inputs, diag, {}, &sink, seed1, seed2);
}

std::expected<void, std::string> Run::add_base(Detection&& d, const std::optional<RecordKey>& key) {
  if (key && !settings_.keep_duplicates && !copies_.add(*key, d.source, d.rule))
    return {};  // the record repeated at the same source: read() evaluates it once
  const std::vector<bool>& enabled = settings_.rule_enabled;
  if (!enabled.empty() && (d.rule >= enabled.size() || !enabled[d.rule])) return {};
  counters_.detections.fetch_add(1, std::memory_order_relaxed);
  return sorter_.add(std::move(d));
}

bool Run::resolve_copies(const Detection& d, Detection& out) const {
  out = d;
  return copies_.resolve(out);
}

void Run::read_lanes(const std::vector<hunt::Input>& inputs, const DiagnosticSink& diag,
                     const HookFactory& hooks, const BaseSink* sink, std::uint64_t seed1,
                     std::uint64_t seed2) {
  lanes_.clear();
  hooks_.clear();
  // A worker evaluates every copy: the submitter keeps one (add_base).
  if (!settings_.keep_duplicates && !sink) duplicates_ = std::make_unique<DuplicateFilter>();
  const bool keyed = sink && !settings_.keep_duplicates;
  std::vector<hunt::Emit> emit;
  for (unsigned k = 0; k < threads_; ++k) {
    lanes_.push_back(std::make_unique<Lane>(rules_.set()));
    if (hooks) hooks_.push_back(hooks(k));
    Lane& lane = *lanes_.back();
    lane.hook = hooks ? hooks_.back().get() : nullptr;
    emit.emplace_back([this, &lane, &diag, &inputs, sink, keyed, seed1, seed2](const Event& e) {
      if (duplicates_ && !duplicates_->first(e)) return;  // a copy of a record already seen
      lane.hits.clear();
      lane.matcher.match(e, lane.hits);
      const std::vector<bool>& enabled = settings_.rule_enabled;
      std::optional<RecordKey> key;
      if (keyed && !lane.hits.empty()) key = record_key(e, seed1, seed2);
      for (std::uint32_t rule : lane.hits) {
        if (!enabled.empty() && (rule >= enabled.size() || !enabled[rule])) continue;
        Detection d;
        if (rule < slim_.size() && slim_[rule])
          d.capture(e, rule, *slim_[rule]);
        else
          d.capture(e, rule);
        counters_.detections.fetch_add(1, std::memory_order_relaxed);
        if (sink) {
          (*sink)(std::move(d), key);
          continue;
        }
        if (auto r = sorter_.add(std::move(d)); !r)
          diag(Diagnostic{e.source.file < inputs.size() ? inputs[e.source.file].path : "",
                          Diagnostic::Where::None, 0, r.error()});
      }
      if (lane.hook) lane.hook->on_event(e);
    });
  }
  pipeline_.run(inputs, emit, counters_, diag);
  // Every record has been seen: what remains of the filter is which sources were copies.
  if (duplicates_) duplicates_->forget_records();
  std::uint64_t unfiltered = 0;
  for (const auto& lane : lanes_) unfiltered += lane->matcher.scan_failures();
  if (unfiltered && diag)
    diag(Diagnostic{"", Diagnostic::Where::None, 0,
                    fmt::format("{} events were matched against every candidate rule because the "
                                "literal prefilter could not scan them (Vectorscan scratch or scan "
                                "error); no detection is lost, matching was slower",
                                unfiltered)});
}

std::expected<void, std::string> Run::correlate(
    const std::function<void(const std::string&)>& problem) {
  if (!correlated_) correlated_ = pass_through_correlations(problem);
  if (!*correlated_) return *correlated_;
  if (!lost_.empty()) return std::unexpected("detections were lost: " + lost_);
  return {};
}

std::expected<void, std::string> Run::pass_through_correlations(
    const std::function<void(const std::string&)>& problem) {
  correlate::Correlator& correlator = *correlator_;
  if (correlator.size() == 0) return {};
  merged_ = std::make_unique<hunt::DetectionSorter>(correlator.rules(), settings_.sort_memory,
                                                    settings_.temp_dir);
  // A detection that cannot be kept is lost: the first such error fails the whole drain, so no
  // caller reads a shortened stream as the whole one.
  auto keep = [&](Detection&& d) {
    if (auto r = merged_->add(std::move(d)); !r) {
      problem(r.error());
      if (lost_.empty()) lost_ = r.error();
    }
  };
  // Detections of rules that only feed correlations stop here: they are never shown.
  Detection resolved;
  auto drained = sorter_.drain([&](Detection& base) {
    // Detections given by add_base() of a record seen at several sources: the smallest one's,
    // citing the others, as read() evaluates only one copy.
    if (copies_.any() && !resolve_copies(base, resolved)) return;
    Detection& d = copies_.any() ? resolved : base;
    // A record read() met in several inputs: the correlations cite the smallest of its sources,
    // as they do for add_base()'s, not whichever copy a lane happened to evaluate first.
    if (duplicates_ && duplicates_->any()) duplicates_->resolve(d);
    correlator.add(d, keep);
    if (!correlator.suppressed(d.rule)) keep(std::move(d));  // the sorter reads it no more
  });
  correlator.finish(keep);
  return drained;
}

std::expected<void, std::string> Run::drain(
    const std::function<void(const Detection&)>& show,
    const std::function<void(const std::string&)>& problem) {
  (void)correlate(problem);                // its outcome is read below
  if (!*correlated_) return *correlated_;  // the stream broke: nothing after it is whole
  // A detection of a record seen in several inputs cites the smallest source and lists the rest;
  // the new source can sort earlier among the detections of the same time, so those are
  // collected and ordered again before they are shown.
  std::function<void(const Detection&)> pass = show;
  std::vector<Detection> same_time;
  const DetectionOrder order{correlator_->rules()};
  auto flush = [&] {
    std::sort(same_time.begin(), same_time.end(), order);
    for (const Detection& d : same_time) show(d);
    same_time.clear();
  };
  if (duplicates_ && duplicates_->any())
    pass = [&](const Detection& d) {
      if (!same_time.empty() && same_time.front().time_ns != d.time_ns) flush();
      same_time.push_back(d);
      duplicates_->resolve(same_time.back());
    };
  // add_base()'s copies: base detections were resolved before the correlations saw them; a
  // correlation's detection cites the evaluated copy too, and lists the others as read() gives it.
  Detection resolved;
  if (copies_.any())
    pass = [&](const Detection& d) {
      if (resolve_copies(d, resolved)) show(resolved);
    };
  // A detection the correlations' pass lost lets the rest through, then fails the drain.
  auto shown = merged_ ? merged_->drain(pass) : sorter_.drain(pass);
  flush();
  if (!shown) return shown;
  if (!lost_.empty()) return std::unexpected("detections were lost: " + lost_);
  return {};
}

}  // namespace tansa::engine
