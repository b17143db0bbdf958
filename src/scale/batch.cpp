#include "scale/batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "scale/nats.h"
#include "tansa/detection.h"

namespace tansa::scale {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kItemVersion = 1;
constexpr std::size_t kChunkBytes = 256 << 10;  // detections per result message, about
constexpr int kHeartbeatMs = 3000;              // in-progress acknowledgement while reading
constexpr std::int64_t kResultMaxAgeNs = 24LL * 3600 * 1'000'000'000;

// Records of an attempt, in the order a worker publishes them.
enum Kind : std::uint8_t {
  kStart = 'S',
  kDetections = 'D',
  kDiagnostics = 'G',
  kProgress = 'P',
  kEnd = 'E'
};

struct Out {
  std::string s;
  void u8(std::uint8_t v) { s.push_back(static_cast<char>(v)); }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view v) {
    u64(v.size());
    s.append(v);
  }
};

struct In {
  std::string_view s;
  std::size_t pos = 0;
  bool ok = true;
  std::uint8_t u8() {
    if (pos + 1 > s.size()) return fail();
    return static_cast<std::uint8_t>(s[pos++]);
  }
  std::uint64_t u64() {
    if (pos + 8 > s.size()) return fail();
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= std::uint64_t{static_cast<std::uint8_t>(s[pos + i])} << (8 * i);
    pos += 8;
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok || n > s.size() - pos) return fail(), std::string();
    std::string v(s.substr(pos, n));
    pos += n;
    return v;
  }
  std::string_view view() {
    const std::uint64_t n = u64();
    if (!ok || n > s.size() - pos) return fail(), std::string_view();
    std::string_view v = s.substr(pos, n);
    pos += n;
    return v;
  }
  std::uint8_t fail() {
    ok = false;
    pos = s.size();
    return 0;
  }
};

void put_strings(Out& o, const std::vector<std::string>& v) {
  o.u64(v.size());
  for (const auto& x : v) o.str(x);
}
std::vector<std::string> get_strings(In& in) {
  std::vector<std::string> v;
  const std::uint64_t n = in.u64();
  for (std::uint64_t i = 0; in.ok && i < n; ++i) v.push_back(in.str());
  return v;
}

std::string encode_item(const JobSpec& j, std::uint32_t index, const hunt::Input& input) {
  Out o;
  o.u8(kItemVersion);
  o.str(j.job);
  o.str(j.cwd);
  put_strings(o, j.rules);
  o.str(j.placeholders);
  o.str(j.format);
  o.i64(j.reader.year);
  o.i64(j.reader.tz_offset_minutes);
  put_strings(o, j.reader.archive_passwords);
  o.u8(j.reader.carve);
  o.i64(j.from_ns);
  o.i64(j.to_ns);
  o.u8(j.keep_duplicates);
  o.u64(j.seed1);
  o.u64(j.seed2);
  o.u64(j.rule_digest);
  o.u64(index);
  o.str(input.path);
  o.u64(input.size);
  o.i64(input.mtime_ns);
  o.str(input.archive);
  o.u64(input.member);
  o.u64(input.inner.size());
  for (std::uint32_t m : input.inner) o.u64(m);
  return std::move(o.s);
}

struct Item {
  JobSpec spec;
  std::uint32_t index = 0;
  hunt::Input input;
};

std::optional<Item> decode_item(std::string_view bytes) {
  In in{bytes};
  Item it;
  JobSpec& j = it.spec;
  if (in.u8() != kItemVersion) return std::nullopt;
  j.job = in.str();
  j.cwd = in.str();
  j.rules = get_strings(in);
  j.placeholders = in.str();
  j.format = in.str();
  j.reader.year = static_cast<int>(in.i64());
  j.reader.tz_offset_minutes = static_cast<int>(in.i64());
  j.reader.archive_passwords = get_strings(in);
  j.reader.carve = in.u8() != 0;
  j.from_ns = in.i64();
  j.to_ns = in.i64();
  j.keep_duplicates = in.u8() != 0;
  j.seed1 = in.u64();
  j.seed2 = in.u64();
  j.rule_digest = in.u64();
  it.index = static_cast<std::uint32_t>(in.u64());
  it.input.path = in.str();
  it.input.size = in.u64();
  it.input.mtime_ns = in.i64();
  it.input.archive = in.str();
  it.input.member = static_cast<std::uint32_t>(in.u64());
  const std::uint64_t inner = in.u64();
  for (std::uint64_t k = 0; in.ok && k < inner && k < 64; ++k)
    it.input.inner.push_back(static_cast<std::uint32_t>(in.u64()));
  if (!in.ok || in.pos != bytes.size() || inner > 64) return std::nullopt;
  return it;
}

// The header of every result record.
void put_head(Out& o, Kind kind, std::uint32_t index, std::uint64_t attempt, std::uint64_t seq) {
  o.u8(kind);
  o.u64(index);
  o.u64(attempt);
  o.u64(seq);
}

std::string work_subject(const std::string& job) {
  return "tansa.work." + job;
}
std::string result_subject(const std::string& job) {
  return "tansa.result." + job;
}

// A stream of one subject filter: created when missing, else used as it is.
std::expected<void, std::string> ensure_stream(Nats& n, const char* name, const char* subjects,
                                               jsRetentionPolicy retention, int replicas,
                                               std::int64_t max_age_ns) {
  jsStreamInfo* si = nullptr;
  jsErrCode code = jsErrCode(0);
  const auto start = Clock::now();
  for (;;) {
    natsStatus s = js_GetStreamInfo(&si, n.js(), name, nullptr, &code);
    if (s == NATS_OK) {
      const bool same = si->Config && si->Config->Retention == retention;
      jsStreamInfo_Destroy(si);
      if (!same)
        return std::unexpected(fmt::format("stream {} exists with another retention policy", name));
      return {};
    }
    if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
      jsStreamConfig c;
      jsStreamConfig_Init(&c);
      const char* subj[] = {subjects};
      c.Name = name;
      c.Subjects = subj;
      c.SubjectsLen = 1;
      c.Retention = retention;
      c.Storage = js_FileStorage;
      c.Replicas = replicas;
      c.MaxAge = max_age_ns;
      s = js_AddStream(&si, n.js(), &c, nullptr, &code);
      if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return {};
      }
      if (code == JSStreamNameExistErr) continue;  // made by another process meanwhile
    }
    const std::string why = nats_error(fmt::format("stream {}", name).c_str(), s, code);
    if (!stream_creation_retried(s, code, Clock::now() - start)) return std::unexpected(why);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Both streams and the workers' shared durable consumer.
std::expected<void, std::string> ensure_work(Nats& n, int replicas) {
  if (auto r = ensure_stream(n, kWorkStream, "tansa.work.>", js_WorkQueuePolicy, replicas, 0); !r)
    return r;
  if (auto r = ensure_stream(n, kResultStream, "tansa.result.>", js_LimitsPolicy, replicas,
                             kResultMaxAgeNs);
      !r)
    return r;
  jsConsumerInfo* ci = nullptr;
  jsErrCode code = jsErrCode(0);
  natsStatus s = js_GetConsumerInfo(&ci, n.js(), kWorkStream, kWorkConsumer, nullptr, &code);
  if (s == NATS_OK) {
    jsConsumerInfo_Destroy(ci);
    return {};
  }
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = kWorkConsumer;
  cc.FilterSubject = "tansa.work.>";
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = std::int64_t{kAckWaitS} * 1'000'000'000;
  cc.MaxDeliver = -1;
  cc.DeliverPolicy = js_DeliverAll;
  s = js_AddConsumer(&ci, n.js(), kWorkStream, &cc, nullptr, &code);
  if (s == NATS_OK) {
    jsConsumerInfo_Destroy(ci);
    return {};
  }
  if (code == JSConsumerNameExistErr || code == JSConsumerExistingActiveErr) return {};
  return std::unexpected(nats_error("creating the workers' consumer", s, code));
}

std::expected<void, std::string> publish(Nats& n, const std::string& subject,
                                         const std::string& data, const char* msg_id = nullptr) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id;
  jsErrCode code = jsErrCode(0);
  jsPubAck* pa = nullptr;
  const natsStatus s = js_Publish(&pa, n.js(), subject.c_str(), data.data(),
                                  static_cast<int>(data.size()), &po, &code);
  jsPubAck_Destroy(pa);
  if (s != NATS_OK)
    return std::unexpected(nats_error(("publishing to " + subject).c_str(), s, code));
  return {};
}

void purge(Nats& n, const char* stream, const std::string& subject) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Stream.Purge.Subject = subject.c_str();
  jsErrCode code = jsErrCode(0);
  (void)js_PurgeStream(n.js(), stream, &o, &code);  // what is left expires (results: MaxAge)
}

}  // namespace

std::string new_job_id() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

std::uint64_t rules_digest(const std::vector<RuleInfo>& infos) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the table
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;
  };
  for (const RuleInfo& r : infos) {
    mix(r.id);
    mix(r.title);
    mix(to_string(r.level));
    mix(r.name);
  }
  return h ^ infos.size();
}

engine::Settings job_settings(const JobSpec& spec, unsigned threads) {
  engine::Settings s;
  s.threads = threads;
  s.format = spec.format;
  s.reader = spec.reader;
  s.from_ns = spec.from_ns;
  s.to_ns = spec.to_ns;
  s.keep_duplicates = spec.keep_duplicates;
  return s;
}

// ---- the submitter ------------------------------------------------------------------------------

namespace {

struct Attempt {
  std::uint64_t next_seq = 0;           // records received in order so far
  bool broken = false;                  // a record missing or out of order: never accepted
  std::vector<std::string> detections;  // payloads of its detection records
  std::vector<Diagnostic> diagnostics;
};

struct ItemState {
  bool done = false;
  std::uint64_t accepted = 0;  // the attempt kept
  std::map<std::uint64_t, Attempt> attempts;
  unsigned started = 0;
};

// Detections of one record payload, after its head: (key?, detection)...
bool parse_detections(std::string_view payload,
                      std::vector<std::pair<Detection, std::optional<engine::RecordKey>>>& out) {
  In in{payload};
  in.pos = 1 + 8 * 3;
  const std::uint64_t n = in.u64();
  for (std::uint64_t i = 0; in.ok && i < n; ++i) {
    std::optional<engine::RecordKey> key;
    if (in.u8()) {
      engine::RecordKey k{};
      k.h1 = in.u64();
      k.h2 = in.u64();
      k.record_id = in.u64();
      k.time_ns = in.i64();
      key = k;
    }
    const std::string_view bytes = in.view();
    if (!in.ok) return false;
    Detection d;
    std::size_t pos = 0;
    if (!d.deserialize(bytes, pos) || pos != bytes.size()) return false;
    out.emplace_back(std::move(d), key);
  }
  return in.ok && in.pos == payload.size();
}

}  // namespace

std::expected<void, std::string> submit(engine::Run& run, const JobSpec& spec,
                                        const std::vector<hunt::Input>& inputs,
                                        const SubmitOptions& options, const DiagnosticSink& diag,
                                        NoteFn note, SubmitTotals& totals) {
  auto nats = Nats::connect(options.nats);
  if (!nats) return std::unexpected(nats.error());
  Nats& n = **nats;
  if (auto r = ensure_work(n, options.replicas); !r) return r;

  // Results first: every record of this job, from the stream's start, in order.
  natsSubscription* sub = nullptr;
  const std::string results = result_subject(spec.job);
  {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = kResultStream;
    so.Ordered = true;
    jsErrCode code = jsErrCode(0);
    const natsStatus s = js_SubscribeSync(&sub, n.js(), results.c_str(), nullptr, &so, &code);
    if (s != NATS_OK)
      return std::unexpected(nats_error(("subscribing to " + results).c_str(), s, code));
    natsSubscription_SetPendingLimits(sub, -1, -1);
  }
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> sub_owner(
      sub, [](natsSubscription* s) {
        natsSubscription_Unsubscribe(s);
        natsSubscription_Destroy(s);
      });

  const std::string work = work_subject(spec.job);
  for (std::uint32_t i = 0; i < inputs.size(); ++i) {
    const std::string id = fmt::format("{}.{}", spec.job, i);
    if (auto r = publish(n, work, encode_item(spec, i, inputs[i]), id.c_str()); !r) {
      purge(n, kWorkStream, work);
      return r;
    }
  }
  if (options.verbose)
    note(fmt::format("{} inputs submitted as job {} on {} (subject {})", inputs.size(), spec.job,
                     kWorkStream, work));

  std::vector<ItemState> items(inputs.size());
  std::size_t done = 0;
  auto last = Clock::now();
  std::expected<void, std::string> failure;
  auto finish_item = [&](std::uint32_t index, Attempt& a, In& end) {
    const std::uint64_t records = end.u64(), count = end.u64(), ndiag = end.u64();
    const std::uint64_t events = end.u64(), bytes = end.u64(), read = end.u64(), failed = end.u64();
    const std::string error = end.str();
    if (!end.ok || a.broken || records != a.next_seq || ndiag != a.diagnostics.size()) return false;
    std::vector<std::pair<Detection, std::optional<engine::RecordKey>>> all;
    for (const std::string& p : a.detections)
      if (!parse_detections(p, all)) return false;
    if (all.size() != count) return false;
    for (auto& [d, key] : all) {
      if (d.source.file != index) return false;  // not this input's: refuse the attempt
    }
    for (auto& [d, key] : all)
      if (auto r = run.add_base(std::move(d), key); !r && failure)
        failure = std::unexpected(r.error());
    for (const Diagnostic& g : a.diagnostics)
      if (diag) diag(g);
    hunt::Counters& c = totals.counters;
    c.events += events;
    c.bytes_total += bytes;
    c.bytes_read += bytes;
    c.files_read += read;
    c.files_failed += failed;
    c.detections += count;
    if (!error.empty()) {
      totals.failed.emplace_back(index, error);
      c.files_failed += 1;
      if (diag) diag(Diagnostic{inputs[index].path, Diagnostic::Where::None, 0, error});
    }
    return true;
  };

  while (done < inputs.size() && failure) {
    natsMsg* msg = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&msg, sub, 1000);
    if (s == NATS_TIMEOUT) {
      if (Clock::now() - last > std::chrono::seconds(options.stall_s)) break;
      continue;
    }
    if (s != NATS_OK) {
      if (Clock::now() - last > std::chrono::seconds(options.stall_s)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    std::unique_ptr<natsMsg, void (*)(natsMsg*)> owner(msg, natsMsg_Destroy);
    last = Clock::now();
    In in{std::string_view(natsMsg_GetData(msg),
                           static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
    const auto kind = static_cast<Kind>(in.u8());
    const std::uint64_t index = in.u64(), attempt = in.u64(), seq = in.u64();
    if (!in.ok || index >= items.size() || kind == kProgress) continue;
    ItemState& item = items[index];
    if (item.done) {
      if (kind == kEnd && attempt != item.accepted) ++totals.attempts_ignored;
      continue;
    }
    if (kind == kStart) {
      if (item.started++ && options.verbose)
        note(fmt::format("{}: delivered again (attempt {}), an earlier worker died or was late",
                         inputs[index].path, item.started));
      item.attempts[attempt];
    }
    Attempt& a = item.attempts[attempt];
    if (kind == kEnd) {
      if (finish_item(static_cast<std::uint32_t>(index), a, in)) {
        item.done = true;
        item.accepted = attempt;
        totals.attempts_ignored += item.attempts.size() - 1;
        item.attempts.clear();
        ++done;
      } else {
        ++totals.attempts_ignored;
        item.attempts.erase(attempt);
      }
      continue;
    }
    if (seq != a.next_seq) a.broken = true;
    ++a.next_seq;
    if (a.broken) continue;
    if (kind == kDetections) {
      a.detections.emplace_back(in.s);
    } else if (kind == kDiagnostics) {
      const std::uint64_t count = in.u64();
      for (std::uint64_t k = 0; in.ok && k < count; ++k) {
        Diagnostic g;
        g.file = in.str();
        g.where = static_cast<Diagnostic::Where>(std::min<std::uint8_t>(in.u8(), 2));
        g.position = in.u64();
        g.reason = in.str();
        a.diagnostics.push_back(std::move(g));
      }
      if (!in.ok) a.broken = true;
    }
  }
  purge(n, kResultStream, results);
  if (done < inputs.size()) {
    purge(n, kWorkStream, work);
    const std::string why = fmt::format(
        "no worker finished it (nothing from any worker for {} s: none running, or "
        "every attempt died); not evaluated",
        options.stall_s);
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      if (items[i].done) continue;
      totals.failed.emplace_back(i, why);
      totals.counters.files_failed += 1;
      if (diag) diag(Diagnostic{inputs[i].path, Diagnostic::Where::None, 0, why});
    }
  }
  return failure;
}

// ---- the worker ---------------------------------------------------------------------------------

namespace {

struct WorkerState {
  const BatchWorkerOptions& options;
  Nats& n;
  NoteFn note;
  std::string rules_key;  // the rules loaded last: paths and placeholders
  std::unique_ptr<engine::Rules> rules;
  std::uint64_t digest = 0;  // of `rules`, computed once (a profile showed it per item)
  std::mt19937_64 random{std::random_device{}()};

  // Publishes the item's records in order; the first failure stops the attempt.
  struct Attempt {
    WorkerState& w;
    std::string subject;
    std::uint32_t index;
    std::uint64_t id;
    std::uint64_t seq = 0;
    std::expected<void, std::string> ok;
    std::expected<void, std::string> send(Kind kind, const std::function<void(Out&)>& body) {
      if (!ok) return ok;
      Out o;
      put_head(o, kind, index, id, kind == kProgress ? 0 : seq);
      body(o);
      if (kind != kProgress) ++seq;
      auto r = publish(w.n, subject, o.s);
      if (!r) ok = r;
      return r;
    }
  };

  std::expected<engine::Rules*, std::string> rules_for(const JobSpec& spec) {
    const std::vector<std::string>& paths = options.rules.empty() ? spec.rules : options.rules;
    std::string key;
    for (const auto& p : paths) key += p + '\n';
    key += '\0' + spec.placeholders;
    if (!rules || key != rules_key) {
      rules.reset();
      auto loaded = engine::Rules::load({paths, spec.placeholders, options.threads, std::nullopt});
      if (!loaded) return std::unexpected("rules: " + loaded.error());
      rules = std::move(*loaded);
      rules_key = key;
      digest = rules_digest(rules->infos());
    }
    if (digest != spec.rule_digest)
      return std::unexpected(
          "this worker's rules differ from the submitting hunt's (another rule table); give the "
          "worker the same rules (-r) and placeholders");
    return rules.get();
  }

  void handle(natsMsg* msg) {
    auto item = decode_item(std::string_view(natsMsg_GetData(msg),
                                             static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    if (!item) {
      note(fmt::format("a work item on {} cannot be read; dropped", natsMsg_GetSubject(msg)));
      natsMsg_Term(msg, nullptr);
      return;
    }
    Attempt a{*this, result_subject(item->spec.job), item->index, random()};
    std::uint64_t delivered = 1;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      delivered = meta->NumDelivered;
      jsMsgMetaData_Destroy(meta);
    }
    note(fmt::format("item {} of job {} ({}){}", item->index, item->spec.job, item->input.path,
                     delivered > 1 ? fmt::format(", delivery {}", delivered) : ""));
    (void)a.send(kStart, [](Out&) {});

    // While it works: the item's AckWait extended, and the submitter told it is alive.
    std::mutex mu;
    std::condition_variable cv;
    bool working = true;
    std::thread beat([&] {
      std::unique_lock lock(mu);
      while (
          !cv.wait_for(lock, std::chrono::milliseconds(kHeartbeatMs), [&] { return !working; })) {
        natsMsg_InProgress(msg, nullptr);
        Out o;
        put_head(o, kProgress, a.index, a.id, 0);
        (void)publish(n, a.subject, o.s);
      }
    });
    auto stop_beat = [&] {
      {
        std::lock_guard lock(mu);
        working = false;
      }
      cv.notify_all();
      if (beat.joinable()) beat.join();
    };

    std::string error;
    std::uint64_t count = 0;
    std::vector<Diagnostic> diags;
    std::uint64_t events = 0, bytes = 0, read = 0, failed = 0;
    // Paths (rules, placeholders, inputs) as the submitting hunt gave them, from its working
    // folder, so rules load in its order and problems name inputs as it does.
    std::expected<engine::Rules*, std::string> r = std::unexpected(std::string());
    std::error_code ec;
    if (!item->spec.cwd.empty() && std::filesystem::current_path(ec) != item->spec.cwd)
      std::filesystem::current_path(item->spec.cwd, ec);
    if (ec)
      r = std::unexpected(fmt::format(
          "the submitting hunt's working folder {} cannot be entered on this worker ({}); inputs "
          "and rules must be on storage the workers share, at the same paths",
          item->spec.cwd, ec.message()));
    else
      r = rules_for(item->spec);
    if (!r) {
      error = r.error();
    } else {
      engine::Run run(**r, job_settings(item->spec, options.threads));
      if (auto ok = run.check(); !ok) {
        error = ok.error();
      } else {
        std::mutex out_mu;
        Out chunk;
        std::uint64_t in_chunk = 0;
        auto flush = [&] {
          if (in_chunk == 0) return;
          (void)a.send(kDetections, [&](Out& o) {
            o.u64(in_chunk);
            o.s += chunk.s;
          });
          chunk.s.clear();
          in_chunk = 0;
        };
        std::mutex diag_mu;
        const DiagnosticSink sink_diag = [&](const Diagnostic& g) {
          std::lock_guard lock(diag_mu);
          diags.push_back(g);
        };
        const std::uint32_t index = item->index;
        run.read_base({item->input}, sink_diag, item->spec.seed1, item->spec.seed2,
                      [&](Detection&& d, const std::optional<engine::RecordKey>& key) {
                        d.source.file = index;  // the submitter's input index
                        std::string bytes_of;
                        d.serialize(bytes_of);
                        std::lock_guard lock(out_mu);
                        chunk.u8(key.has_value());
                        if (key) {
                          chunk.u64(key->h1);
                          chunk.u64(key->h2);
                          chunk.u64(key->record_id);
                          chunk.i64(key->time_ns);
                        }
                        chunk.str(bytes_of);
                        ++in_chunk;
                        ++count;
                        if (chunk.s.size() >= kChunkBytes) flush();
                      });
        flush();
        const hunt::Counters& c = run.counters();
        events = c.events.load();
        bytes = c.bytes_total.load();
        read = c.files_read.load();
        failed = c.files_failed.load();
      }
    }
    for (std::size_t at = 0; at < diags.size(); at += 1000) {
      const std::size_t end = std::min(diags.size(), at + 1000);
      (void)a.send(kDiagnostics, [&](Out& o) {
        o.u64(end - at);
        for (std::size_t k = at; k < end; ++k) {
          o.str(diags[k].file);
          o.u8(static_cast<std::uint8_t>(diags[k].where));
          o.u64(diags[k].position);
          o.str(diags[k].reason);
        }
      });
    }
    if (options.hold_ms > 0 && count > 0 && a.ok) {
      note(fmt::format("item {}: {} detections published; holding {} ms before its end record",
                       item->index, count, options.hold_ms));
      std::this_thread::sleep_for(std::chrono::milliseconds(options.hold_ms));
    }
    const std::uint64_t records = a.seq;
    (void)a.send(kEnd, [&](Out& o) {
      o.u64(records);
      o.u64(count);
      o.u64(diags.size());
      o.u64(events);
      o.u64(bytes);
      o.u64(read);
      o.u64(failed);
      o.str(error);
    });
    stop_beat();
    if (!a.ok) {
      // Not acknowledged: delivered again after AckWait, to this worker or another.
      note(fmt::format("item {}: results not stored ({}); it will be delivered again", item->index,
                       a.ok.error()));
      return;
    }
    jsErrCode code = jsErrCode(0);
    if (const natsStatus s = natsMsg_AckSync(msg, nullptr, &code); s != NATS_OK)
      note(fmt::format("item {}: {}; it may be delivered again (its results are kept once)",
                       item->index, nats_error("acknowledging", s, code)));
    note(fmt::format("item {} done: {} detections{}", item->index, count,
                     error.empty() ? "" : "; failed: " + error));
  }
};

}  // namespace

std::expected<void, std::string> run_batch_worker(const BatchWorkerOptions& options,
                                                  const std::atomic<bool>& stop, NoteFn note) {
  auto nats = Nats::connect(options.nats);
  if (!nats) return std::unexpected(nats.error());
  Nats& n = **nats;
  if (auto r = ensure_work(n, options.replicas); !r) return r;
  natsSubscription* sub = nullptr;
  {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = kWorkStream;
    so.Consumer = kWorkConsumer;
    jsErrCode code = jsErrCode(0);
    const natsStatus s =
        js_PullSubscribe(&sub, n.js(), "tansa.work.>", kWorkConsumer, nullptr, &so, &code);
    if (s != NATS_OK) return std::unexpected(nats_error("subscribing to the work queue", s, code));
  }
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> sub_owner(
      sub, [](natsSubscription* s) { natsSubscription_Destroy(s); });
  note(fmt::format("waiting for work on {} (consumer {})", kWorkStream, kWorkConsumer));
  WorkerState w{options, n, note};
  while (!stop.load()) {
    MsgList ml;
    jsErrCode code = jsErrCode(0);
    const natsStatus s = natsSubscription_Fetch(&ml.list, sub, 1, 1000, &code);
    // libnats 3.4 can report more messages than the batch it allocated (commit 273a370): only the
    // slots that exist are read; the rest are delivered again after AckWait.
    if (ml.list.Count > 1) ml.list.Count = ml.list.Msgs ? 1 : 0;
    if (s == NATS_TIMEOUT || (s == NATS_OK && ml.list.Count == 0)) continue;
    if (s != NATS_OK) {
      note(nats_error("fetching work", s, code));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    for (int i = 0; i < ml.list.Count; ++i) w.handle(ml.list.Msgs[i]);
  }
  return {};
}

}  // namespace tansa::scale
