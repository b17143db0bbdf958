// `tansa watch`: the rules and correlations of `hunt`, on logs as they are written (src/watch).
#include "cli/watch.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/scale.h"
#include "engine/engine.h"
#include "report/detections.h"
#include "report/text.h"
#include "watch/forward.h"
#include "watch/watcher.h"

namespace tansa::cli {

namespace {

// How long detections still queued for a webhook or collector may take to leave at the end.
constexpr int kForwardDrainMs = 5000;

struct WatchCli {
  std::vector<std::string> paths;
  std::vector<std::string> rules;
  std::string output, state, lateness = "60s", placeholders, tz;
  std::string syslog_udp, syslog_tcp, json_tcp, metrics;
  std::vector<std::string> webhooks, webhook_headers, forward_syslog;
  std::size_t forward_queue = 10'000;
  bool from_end = false, quiet = false, no_color = false;
  int year = 0;
  engine::RuleSelection selection;  // --min-level, --rule, --tag ...
  TuningOptions tuning;             // --config, --no-config
  ScaleWatchCli scale;              // --nats ...: one worker of many (docs/scale.md)
};

void complain(const std::string& m) {
  std::fprintf(stderr, "tansa watch: %s\n", report::terminal_safe(m).c_str());
}

}  // namespace

// "60s", "500ms", "2m", "1h", or a bare number of seconds -> nanoseconds.
static std::optional<std::int64_t> parse_duration(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0 || i > 12) return std::nullopt;
  const std::int64_t n = std::stoll(std::string(s.substr(0, i)));
  const std::string_view unit = s.substr(i);
  if (unit.empty() || unit == "s") return n * 1'000'000'000;
  if (unit == "ms") return n * 1'000'000;
  if (unit == "m") return n * 60'000'000'000;
  if (unit == "h") return n * 3'600'000'000'000;
  return std::nullopt;
}

namespace {

int run_watch(const WatchCli& opt) {
  watch::WatchOptions w;
  for (const std::string& p : opt.paths) {
    if (p == "-")
      w.json_stdin = true;
    else
      w.paths.push_back(p);
  }
  w.state_path = opt.state;
  w.from_end = opt.from_end;
  w.syslog_udp = opt.syslog_udp;
  w.syslog_tcp = opt.syslog_tcp;
  w.json_tcp = opt.json_tcp;
  w.metrics = opt.metrics;
  w.syslog.year = opt.year;
  auto z = tz_minutes_of(opt.tz);
  if (!z) return complain(z.error()), 2;
  w.syslog.tz_offset_minutes = *z;
  auto lateness = parse_duration(opt.lateness);
  if (!lateness) return complain("--lateness: expected a duration such as 60s, 500ms or 2m"), 2;
  w.lateness_ns = *lateness;
  if (opt.scale.nats.empty() && w.paths.empty() && !w.json_stdin && w.syslog_udp.empty() &&
      w.syslog_tcp.empty() && w.json_tcp.empty())
    return complain("nothing to watch: give files, - or a listener (--syslog-udp ...)"), 2;

  // tansa.yml (--config, the user's, the watched folders'): disabled rules, levels, exclusions and
  // placeholders, as hunt reads them.
  ReadOptions read;
  for (const std::string& p : opt.paths)
    if (p != "-") read.inputs.push_back(p);
  read.quiet = opt.quiet;
  auto tuning = tuning_of(opt.tuning, read, "watch");
  if (!tuning) return complain(tuning.error()), 2;
  const std::string placeholders =
      opt.placeholders.empty() ? tuning->placeholders() : opt.placeholders;
  auto rules = engine::Rules::load({opt.rules, placeholders, 0, std::nullopt});
  if (!rules) return complain(rules.error()), 2;
  engine::Rules& r = **rules;
  if (!opt.quiet && !r.rejected().empty())
    complain(
        fmt::format("{} rules could not be used (see `tansa rules check`)", r.rejected().size()));
  for (const auto& c : r.correlation_rejected()) complain(c.file + ": " + c.id + ": " + c.reason);
  if (r.set().size() == 0) return complain("no usable rules in " + r.paths()[0]), 2;
  if (!opt.scale.nats.empty()) return run_watch_nats(r, opt.scale, w.lateness_ns, opt.quiet);
  const std::vector<RuleInfo> infos = tuning->with_levels(r.infos());  // as written
  auto shown = engine::select_rules(opt.selection, r, infos, *tuning);
  if (!shown) return complain(shown.error()), 2;
  w.shown = std::move(*shown);
  w.tuning = std::make_shared<const engine::Tuning>(std::move(*tuning));

  auto note = [&](const std::string& m) {
    if (!opt.quiet) complain(m);
  };
  // Detections also sent on (webhooks, syslog collectors), each through its own bounded queue.
  watch::Forwarder forward(note, opt.forward_queue);
  for (const std::string& url : opt.webhooks)
    if (auto ok = forward.add_webhook({.url = url, .headers = opt.webhook_headers}); !ok)
      return complain(ok.error()), 2;
  for (const std::string& address : opt.forward_syslog) {
    watch::SyslogForwardOptions so;
    so.address = address;
    if (auto ok = forward.add_syslog(so); !ok) return complain(ok.error()), 2;
  }
  if (!forward.empty()) w.forward = &forward;

  auto watcher = watch::Watcher::open(r, w, note);
  if (!watcher) return complain(watcher.error()), 2;

  // The detections file: cut back to what the state recorded (a run killed between writing a
  // detection and recording it), then appended to.
  const bool to_file = !opt.output.empty() && opt.output != "-";
  std::FILE* out = stdout;
  if (to_file) {
    struct stat st {};
    const auto recorded = (*watcher)->recorded_output_length();
    if (recorded && ::stat(opt.output.c_str(), &st) == 0 &&
        static_cast<std::uint64_t>(st.st_size) > *recorded) {
      if (::truncate(opt.output.c_str(), static_cast<off_t>(*recorded)) != 0)
        return complain(opt.output + ": cannot cut back to the last recorded detection: " +
                        std::strerror(errno)),
               2;
      note(
          fmt::format("{}: cut back from {} to {} bytes, the last detection the state recorded; "
                      "what followed is written again",
                      opt.output, st.st_size, *recorded));
    }
    out = std::fopen(opt.output.c_str(), "ab");
    if (!out) return complain(opt.output + ": " + std::strerror(errno)), 2;
  }
  const report::OutputFormat format = format_of(to_file ? opt.output : "");
  const bool color = !opt.no_color && !to_file && ::isatty(STDOUT_FILENO);
  watch::WriteFn write =
      [&](const Detection& d,
          const std::vector<std::string>& sources) -> std::optional<std::uint64_t> {
    report::DetectionContext ctx{infos, sources};
    auto writer = report::make_writer(format, out, ctx, color);
    writer->write(d);
    writer->finish();
    if (std::ferror(out)) return std::nullopt;
    if (!forward.empty()) forward.push(report::detection_json(d, ctx), infos[d.rule].level);
    if (!to_file) return 0;
    const long at = std::ftell(out);
    if (at < 0) return std::nullopt;
    return static_cast<std::uint64_t>(at);
  };

  const std::atomic<bool>& stop = stop_on_signals();
  if (!opt.quiet) {
    for (const std::string& b : (*watcher)->bound()) complain("listening on " + b);
    complain(fmt::format("watching {} files with {} rules and {} correlations", w.paths.size(),
                         r.set().size(), r.correlator().size()));
  }
  auto ran = (*watcher)->run(stop, write);
  if (to_file) std::fclose(out);
  forward.close(kForwardDrainMs);
  const auto& pc = (*watcher)->processor_counters();
  const auto& wc = (*watcher)->counters();
  if (!opt.quiet)
    complain(fmt::format(
        "stopped: {} events, {} detections written, {} already written before, {} excluded by "
        "tansa.yml, {} late, {} lines not readable, {} UDP datagrams dropped by the kernel",
        pc.events, wc.written, wc.duplicates, wc.excluded, pc.late, wc.skipped, wc.udp_dropped));
  if (!opt.quiet)
    for (const std::string& line : forward.summary()) complain("forwarded to " + line);
  if (pc.forced || pc.evicted || pc.dropped_events)
    complain(fmt::format(
        "memory bounds reached: {} detections fed to the correlations before the watermark, {} "
        "correlation states dropped unjudged, {} events dropped from full correlation windows "
        "(correlations may have missed these)",
        pc.forced, pc.evicted, pc.dropped_events));
  if (!ran) return complain(ran.error()), 1;
  return 0;
}

}  // namespace

void add_watch_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<WatchCli>();
  CLI::App* cmd = app.add_subcommand(
      "watch", "Run the rules and correlations on logs as they are written (files, syslog, JSON)");
  cmd->add_option("paths", opt->paths,
                  "Files to follow as they grow (rotation followed), or - for JSON lines on "
                  "standard input");
  cmd->add_option("-r,--rules", opt->rules, "Rule files or folders (default: tansa's rule pack)");
  cmd->add_option("-o,--output", opt->output,
                  "Detections file, appended to (.jsonl as hunt writes; default: table on "
                  "standard output)");
  cmd->add_option("--state", opt->state,
                  "SQLite file of positions and written detections: resume there after a restart");
  cmd->add_option("--lateness", opt->lateness,
                  "How late an event may be and still be correlated (default 60s)");
  cmd->add_option("--syslog-udp", opt->syslog_udp, "Receive syslog on UDP at HOST:PORT");
  cmd->add_option("--syslog-tcp", opt->syslog_tcp,
                  "Receive syslog on TCP at HOST:PORT (octet-counted or newline framing)");
  cmd->add_option("--json-tcp", opt->json_tcp, "Receive JSON lines on TCP at HOST:PORT");
  cmd->add_option("--metrics", opt->metrics,
                  "Serve Prometheus metrics over HTTP at HOST:PORT (events per input, late events, "
                  "detections, queue depth, lag, checkpoint age)");
  cmd->add_option("--webhook", opt->webhooks,
                  "Also POST each detection's JSON (as in -o x.jsonl) to this http(s) URL; retried "
                  "with backoff, repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--webhook-header", opt->webhook_headers,
                  "A header sent with each webhook POST, \"Name: value\"; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--forward-syslog", opt->forward_syslog,
                  "Also send each detection as RFC 5424 syslog to udp://HOST:PORT or "
                  "tcp://HOST:PORT (octet-counted); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--forward-queue", opt->forward_queue,
                  "Detections each forwarding destination may hold while it is down; beyond it "
                  "they are dropped and counted (default 10000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  cmd->add_flag("--from-end", opt->from_end,
                "Files without a checkpoint: only lines written from now on (default: from the "
                "start)");
  cmd->add_option("--placeholders", opt->placeholders, "YAML file of %placeholder% values");
  add_year_tz_options(cmd, opt->year, opt->tz);
  add_rule_selection_options(cmd, opt->selection);
  add_tuning_options(cmd, opt->tuning);
  cmd->add_flag("-q,--quiet", opt->quiet, "No notes or totals on standard error");
  cmd->add_flag("--no-color", opt->no_color, "Never colour the table");
  add_scale_watch_options(cmd, opt->scale);
  cmd->callback([opt, &status] { status = run_watch(*opt); });
}

}  // namespace tansa::cli
