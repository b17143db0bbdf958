#include "investigate/run.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <variant>

#include "investigate/factindex.h"
#include "investigate/facts.h"

namespace tansa::investigate {

namespace fs = std::filesystem;

constexpr std::size_t kTrimAbove = std::size_t{64} << 20;

bool seeds_analysis(const RuleInfo& rule) {
  return rule.level >= Level::High;
}

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

// The one thread that writes to the case database while reading and draining go on, recording
// each fact it stores in the in-memory index the analysis searches (factindex.h). Batches queue
// up to a bound, so a slow disk slows the readers instead of growing memory. A written batch is
// emptied and kept for the readers' next (spare()): a fresh megabyte per batch would be pages
// the kernel maps, zeroes and takes back, over and over.
class Investigation::Writer {
 public:
  using Detections = std::vector<std::pair<Detection, const RuleInfo*>>;
  Writer(CaseDb& db, FactIndex& index) : db_(db), index_(index), thread_([this] { loop(); }) {}
  ~Writer() { finish(); }

  void push(FactBatch&& facts) { enqueue(Job(std::move(facts))); }
  // An empty batch, with the memory of one already written when there is one.
  FactBatch spare() {
    std::lock_guard lock(mu_);
    if (spare_.empty()) return {};
    FactBatch b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }
  void push(Detections&& detections) { enqueue(Job(std::move(detections))); }
  // Writes what is queued and stops; the database is the caller's again.
  void finish() {
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      done_ = true;
    }
    ready_.notify_all();
    thread_.join();
  }

 private:
  using Job = std::variant<FactBatch, Detections>;
  static constexpr std::size_t kMaxQueued = 16;

  void enqueue(Job&& job) {
    std::unique_lock lock(mu_);
    if (done_) {  // after finish(): written here, never queued where nobody reads
      lock.unlock();
      write(job);
      return;
    }
    room_.wait(lock, [&] { return queue_.size() < kMaxQueued; });
    queue_.push_back(std::move(job));
    lock.unlock();
    ready_.notify_one();
  }
  void loop() {
    for (;;) {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      Job job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      room_.notify_one();
      write(job);
      if (auto* facts = std::get_if<FactBatch>(&job)) {
        facts->clear();
        lock.lock();
        if (spare_.size() < kMaxQueued) spare_.push_back(std::move(*facts));
      }
    }
  }
  void write(const Job& job) {
    if (const auto* facts = std::get_if<FactBatch>(&job))
      db_.add_facts(*facts, index_);
    else
      for (const auto& [d, rule] : std::get<Detections>(job)) db_.add_detection(d, *rule);
  }

  CaseDb& db_;
  FactIndex& index_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Job> queue_;
  std::vector<FactBatch> spare_;
  bool done_ = false;
  std::thread thread_;
};

// One lane's facts (handed to the writer in batches) and coverage of each log source.
class Investigation::Collector final : public engine::EventHook {
 public:
  Collector(Investigation& inv, std::int64_t threshold) : inv_(inv), coverage(threshold) {}
  void on_event(const Event& e) override {
    extract_facts(e, scratch_);
    for (const Fact& f : scratch_) facts.add(f);
    scratch_.clear();
    const Value* id = e.get(kEventId);
    coverage.add_event(e, id && id->type != ValueType::String ? static_cast<int>(id->i) : 0);
    if (facts.size() >= kBatch || facts.bytes() >= kBatchBytes) {
      inv_.writer_->push(std::move(facts));
      facts = inv_.writer_->spare();
      facts.reserve(kBatch, kBatchBytes);
    }
  }
  // A batch is handed to the writer at this many facts or bytes of their text, whichever first.
  static constexpr std::size_t kBatch = 4096, kBatchBytes = std::size_t{1} << 20;
  const FieldId kEventId = field_id("EventID");
  Investigation& inv_;
  std::vector<Fact> scratch_;  // one event's facts, reused
  FactBatch facts;
  Coverage coverage;
};

Investigation::Investigation() = default;
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
  inv->index_ = std::make_unique<FactIndex>();
  inv->writer_ = std::make_unique<Writer>(*inv->db_, *inv->index_);
  return inv;
}

engine::HookFactory Investigation::hooks() {
  const std::int64_t threshold = request_.assets.gap_threshold_ns;
  return [this, threshold](unsigned) -> std::unique_ptr<engine::EventHook> {
    return std::make_unique<Collector>(*this, threshold);
  };
}

std::expected<Outcome, std::string> Investigation::conclude(
    engine::Run& run, const std::function<void(const std::string&)>& problem) {
  if (run.counters().files_read.load() == 0) {
    writer_->finish();
    return std::unexpected("no input could be read");
  }
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const auto t_drain = Clock::now();
  Coverage coverage(request_.assets.gap_threshold_ns);
  for (const auto& hook : run.hooks()) {
    auto& c = static_cast<Collector&>(*hook);
    writer_->push(std::move(c.facts));
    coverage.merge(c.coverage);
  }
  // The writer stores the last facts while the detections go through the correlations here,
  // and writes the detections after.
  (void)run.correlate(problem);  // drain() below reports what went wrong

  // Detections, in order, into the case database; only the strong ones seed the analysis.
  Outcome out;
  AnalysisInput ai;
  const std::vector<RuleInfo>& rules = run.rules().infos();
  const correlate::Correlator& correlator = run.rules().correlator();
  Writer::Detections batch;
  const auto drained = run.drain(
      [&](const Detection& d) {
        if (correlator.suppressed(d.rule)) return;
        ++out.detections;
        batch.emplace_back(d, &rules[d.rule]);
        if (batch.size() >= 1024) {
          writer_->push(std::move(batch));
          batch = {};
        }
        if (seeds_analysis(rules[d.rule]) && ai.detections.size() < kMaxSeeds)
          ai.detections.push_back(d);
      },
      problem);
  writer_->push(std::move(batch));
  writer_->finish();
  if (!drained) return std::unexpected(drained.error());
  ai.streams = coverage.streams();
  db_->add_streams(ai.streams);
  // Any write that failed (facts, detections, coverage) fails here, never quietly; the
  // analysis then answers from the in-memory index, the SQLite indexes wait for
  // index_case_db().
  if (auto loaded = db_->end_loading(); !loaded) return std::unexpected(loaded.error());
  // The sorters' detections, the batches and the duplicate filter are freed by now, in small
  // pieces spread over the heap that malloc keeps: at ten million events about 200 MB that the
  // index and the analysis would add to, not reuse. Given back when there is that much; below,
  // the page faults of taking it again cost more than keeping it.
  if (mallinfo2().fordblks > kTrimAbove) malloc_trim(0);
  index_->finish();
  db_->answer_from(index_.get());
  out.drain_s = since(t_drain);
  const auto t_analysis = Clock::now();

  ai.db = db_.get();
  ai.assets = &request_.assets;
  ai.seeds = request_.seeds;
  ai.claim = request_.claim;
  ai.rules = &rules;
  ai.files = files_;
  auto analysed = analyze(ai);
  if (!analysed) return std::unexpected("the analysis stopped: " + analysed.error());
  out.findings = std::move(*analysed);
  out.analysis_s = since(t_analysis);
  return out;
}

std::expected<double, std::string> Investigation::index_case_db(unsigned threads) {
  const auto t0 = std::chrono::steady_clock::now();
  db_->answer_from(nullptr);  // queries go to SQL, with the indexes, from here on
  index_.reset();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (auto r = db_->build_indexes(threads - 1); !r) return std::unexpected(r.error());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace tansa::investigate
