// `tansa publish`: log files onto NATS JetStream for `tansa watch --nats` workers (src/scale).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/scale.h"
#include "report/text.h"
#include "scale/publisher.h"

namespace tansa::cli {

namespace {

struct PublishCli {
  std::vector<std::string> paths;
  std::string nats, stream = "TANSA_RAW", tz;
  std::string syslog_udp, syslog_tcp;  // listeners, as watch's
  unsigned partitions = 8;
  int replicas = 1, year = 0;
  bool quiet = false;
};

void complain(const std::string& m) {
  std::fprintf(stderr, "tansa publish: %s\n", report::terminal_safe(m).c_str());
}

int run_publish(const PublishCli& opt) {
  scale::PublishOptions o;
  o.urls = opt.nats;
  o.stream = opt.stream;
  o.partitions = opt.partitions;
  o.replicas = opt.replicas;
  o.syslog.year = opt.year;
  auto z = tz_minutes_of(opt.tz);
  if (!z) return complain(z.error()), 2;
  o.syslog.tz_offset_minutes = *z;
  auto note = [&](const std::string& m) {
    if (!opt.quiet) complain(m);
  };
  if (opt.paths.empty() && opt.syslog_udp.empty() && opt.syslog_tcp.empty())
    return complain("nothing to publish: give files or a listener (--syslog-udp ...)"), 2;
  auto p = scale::Publisher::open(o, note);
  if (!p) return complain(p.error()), 2;
  int status = 0;
  for (const std::string& path : opt.paths) {
    if (auto r = (*p)->publish_file(path); !r) {
      complain(r.error());
      status = 1;
      // A line that could not be published stops the run: what follows would be out of order.
      if (r.error().starts_with("publishing")) break;
    }
  }
  if (status == 0 && (!opt.syslog_udp.empty() || !opt.syslog_tcp.empty())) {
    const std::atomic<bool>& stop = stop_on_signals();
    auto r =
        (*p)->publish_listened(opt.syslog_udp, opt.syslog_tcp, stop, [&](const std::string& b) {
          if (!opt.quiet) complain("listening on " + b);
        });
    if (!r) {
      complain(r.error());
      status = 1;
    }
  }
  const auto& c = (*p)->counters();
  if (!opt.quiet)
    complain(fmt::format(
        "{} lines read, {} published to {} ({} partitions), {} already there, {} without a host "
        "(not readable), {} retries, {} UDP datagrams dropped by the kernel",
        c.lines, c.published, opt.stream, (*p)->partitions(), c.duplicates, c.skipped, c.retries,
        c.udp_dropped));
  return status;
}

}  // namespace

void add_publish_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<PublishCli>();
  CLI::App* cmd = app.add_subcommand(
      "publish",
      "Publish log lines (files, syslog received) to NATS JetStream (tansa.raw.<host>) for `watch "
      "--nats` workers");
  cmd->add_option("paths", opt->paths, "Log files (syslog, key=value, JSON lines)");
  cmd->add_option("--syslog-udp", opt->syslog_udp,
                  "Also receive syslog on UDP at HOST:PORT and publish each message until "
                  "stopped (SIGINT/SIGTERM)");
  cmd->add_option("--syslog-tcp", opt->syslog_tcp,
                  "Also receive syslog on TCP at HOST:PORT (octet-counted or newline framing)");
  cmd->add_option("--nats", opt->nats,
                  "NATS server URLs, comma-separated (every node of a cluster)")
      ->required();
  cmd->add_option("--stream", opt->stream, "JetStream stream (default TANSA_RAW)");
  cmd->add_option("--partitions", opt->partitions,
                  "Partitions when the stream is created (the servers' mapping must agree)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--replicas", opt->replicas, "Replicas when the stream is created (1..5)")
      ->check(CLI::Range(1, 5));
  add_year_tz_options(cmd, opt->year, opt->tz);
  cmd->add_flag("-q,--quiet", opt->quiet, "No notes or totals on standard error");
  cmd->callback([opt, &status] { status = run_publish(*opt); });
}

}  // namespace tansa::cli
