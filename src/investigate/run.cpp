#include "investigate/run.h"

#include <filesystem>

#include "investigate/facts.h"

namespace tansa::investigate {

namespace fs = std::filesystem;

bool seeds_analysis(const RuleInfo& rule) { return rule.level >= Level::High; }

std::expected<Seed, std::string> parse_seed(const std::string& text) {
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  if (colon == std::string::npos || (kind != "ip" && kind != "user" && kind != "host"))
    return std::unexpected("--seed " + text + ": expected ip:ADDRESS, user:NAME or host:NAME");
  return Seed{kind, text.substr(colon + 1)};
}

void drop_case_db(std::vector<hunt::Input>& inputs, const std::string& case_path) {
  std::erase_if(inputs, [&](const hunt::Input& in) {
    std::error_code ec;
    return fs::path(in.path).filename() == fs::path(case_path).filename() &&
           fs::equivalent(in.path, case_path, ec);
  });
}

// One lane's facts (flushed in batches) and coverage of each log source.
class Investigation::Collector final : public engine::EventHook {
 public:
  Collector(Investigation& inv, std::int64_t threshold) : inv_(inv), coverage(threshold) {}
  void on_event(const Event& e) override {
    extract_facts(e, facts);
    const StreamOf s = stream_of(e);
    if (!s.source.empty()) {
      static const FieldId kEventId = field_id("EventID");
      const Value* id = e.get(kEventId);
      coverage.add(s, e.time_ns,
                   id && id->type != ValueType::String ? static_cast<int>(id->i) : 0);
    }
    if (facts.size() >= 4096) inv_.flush(facts);
  }
  Investigation& inv_;
  std::vector<Fact> facts;
  Coverage coverage;
};

Investigation::~Investigation() = default;

std::expected<std::unique_ptr<Investigation>, std::string> Investigation::open(
    Request request, const std::vector<hunt::Input>& inputs) {
  std::unique_ptr<Investigation> inv(new Investigation());
  inv->request_ = std::move(request);
  for (const auto& in : inputs) inv->files_.push_back(in.path);
  auto db = CaseDb::create(inv->request_.case_path);
  if (!db) return std::unexpected(db.error());
  inv->db_ = std::move(*db);
  inv->db_->add_files(inv->files_);
  return inv;
}

void Investigation::flush(std::vector<Fact>& facts) {
  std::lock_guard lock(db_mu_);
  db_->add_facts(facts);
  facts.clear();
}

engine::HookFactory Investigation::hooks() {
  const std::int64_t threshold = request_.assets.gap_threshold_ns;
  return [this, threshold](unsigned) -> std::unique_ptr<engine::EventHook> {
    return std::make_unique<Collector>(*this, threshold);
  };
}

std::expected<Outcome, std::string> Investigation::conclude(
    engine::Run& run, const std::function<void(const std::string&)>& problem) {
  if (run.counters().files_read.load() == 0) return std::unexpected("no input could be read");
  Coverage coverage(request_.assets.gap_threshold_ns);
  for (const auto& hook : run.hooks()) {
    auto& c = static_cast<Collector&>(*hook);
    flush(c.facts);
    coverage.merge(c.coverage);
  }

  // Detections, in order, through the correlations, into the case database; only the strong
  // ones seed the analysis.
  Outcome out;
  AnalysisInput ai;
  const std::vector<RuleInfo>& rules = run.rules().infos();
  const correlate::Correlator& correlator = run.rules().correlator();
  const auto drained = run.drain(
      [&](const Detection& d) {
        if (correlator.suppressed(d.rule)) return;
        ++out.detections;
        db_->add_detection(d, rules[d.rule]);
        if (seeds_analysis(rules[d.rule]) && ai.detections.size() < kMaxSeeds)
          ai.detections.push_back(d);
      },
      problem);
  if (!drained) return std::unexpected(drained.error());
  ai.streams = coverage.streams();
  db_->add_streams(ai.streams);
  if (auto r = db_->finish_loading(); !r) return std::unexpected(r.error());

  ai.db = db_.get();
  ai.assets = &request_.assets;
  ai.seeds = request_.seeds;
  ai.claim_bytes = request_.claim_bytes;
  ai.rules = &rules;
  ai.files = files_;
  auto analysed = analyze(ai);
  if (!analysed) return std::unexpected("the analysis stopped: " + analysed.error());
  out.findings = std::move(*analysed);
  return out;
}

}  // namespace tansa::investigate
