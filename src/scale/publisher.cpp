#include "scale/publisher.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "scale/nats.h"
#include "scale/subject.h"
#include "tansa/detection.h"
#include "watch/clock.h"
#include "watch/lines.h"
#include "watch/listen.h"

namespace tansa::scale {

using watch::mono_ms;

std::expected<std::unique_ptr<Publisher>, std::string> Publisher::open(PublishOptions options,
                                                                       NoteFn note) {
  std::unique_ptr<Publisher> p(new Publisher());
  p->options_ = std::move(options);
  p->note_ = note ? std::move(note) : NoteFn([](const std::string&) {});
  auto n = Nats::connect(p->options_.urls);
  if (!n) return std::unexpected(n.error());
  p->nats_ = std::move(*n);
  auto parts =
      p->nats_->ensure_stream({p->options_.stream, p->options_.partitions, p->options_.replicas});
  if (!parts) return std::unexpected(parts.error());
  p->partitions_ = *parts;
  return p;
}

Publisher::~Publisher() = default;

std::expected<void, std::string> Publisher::publish_line(
    std::string_view line, std::string_view format, const std::string& host,
    const std::string& source, const std::string& identity, std::uint64_t offset,
    std::int64_t reference_ns) {
  const std::string subject = raw_subject(host);
  const std::string msg_id = header_value(fmt::format("{}:{}", identity, offset));
  const std::int64_t deadline = mono_ms() + options_.retry_ms;
  std::string last;
  for (int attempt = 0;; ++attempt) {
    natsMsg* m = nullptr;
    natsStatus s =
        natsMsg_Create(&m, subject.c_str(), nullptr, line.data(), static_cast<int>(line.size()));
    const std::string off = std::to_string(offset), year = std::to_string(options_.syslog.year),
                      tz = std::to_string(options_.syslog.tz_offset_minutes),
                      ref = std::to_string(reference_ns), fmt_name(format);
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderFormat, fmt_name.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderSource, source.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderIdentity, identity.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderOffset, off.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderYear, year.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderTz, tz.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kHeaderReference, ref.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, "Nats-Msg-Id", msg_id.c_str());
    if (s != NATS_OK) {
      natsMsg_Destroy(m);
      return std::unexpected(nats_error("cannot build a message", s));
    }
    jsPubAck* ack = nullptr;
    jsErrCode code = jsErrCode(0);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 5000;
    s = js_PublishMsg(&ack, nats_->js(), m, &po, &code);
    natsMsg_Destroy(m);
    if (s == NATS_OK) {
      if (ack->Duplicate)
        ++counters_.duplicates;
      else
        ++counters_.published;
      jsPubAck_Destroy(ack);
      return {};
    }
    last = nats_error(fmt::format("publishing {} offset {} to {}", source, offset, subject).c_str(),
                      s, code);
    if (s == NATS_NO_RESPONDERS)
      last +=
          fmt::format("; no stream stores {}: the servers need the mapping `{}` (docs/scale.md)",
                      subject, mapping_line(partitions_));
    if (mono_ms() >= deadline) return std::unexpected(last);
    if (attempt == 0) note_(last + "; retrying");
    ++counters_.retries;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 4))));
  }
}

std::expected<void, std::string> Publisher::publish_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::unexpected(path + ": cannot be read");
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(path + ": cannot be opened");
  const std::string identity = fmt::format("f:{}:{}:0", static_cast<std::uint64_t>(st.st_dev),
                                           static_cast<std::uint64_t>(st.st_ino));
  const std::string source = header_value(path);
  const std::int64_t reference_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  formats::SyslogOptions so = options_.syslog;
  so.reference_ns = reference_ns;
  watch::LineParser parser;
  std::optional<watch::LineFormat> format;
  Event e;
  Detection host_of;  // only its host is filled, as every writer finds it
  std::string line;
  std::uint64_t offset = 0;
  std::uint64_t reported = 0;
  while (std::getline(in, line)) {
    const std::uint64_t at = offset;
    offset += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ++counters_.lines;
    if (line.empty()) continue;
    if (line.size() > kMaxLine) {
      line.resize(kMaxLine);
      ++counters_.cut;
      note_(fmt::format("{}: offset {}: line longer than {} bytes cut there", path, at, kMaxLine));
    }
    if (!format) {
      std::string matched;
      format = watch::sniff_line_format(line, path, matched);
      // Zeek's rows mean nothing without their file's header, and Windows JSON is read whole by
      // the watcher: neither is published line by line.
      if (format == watch::LineFormat::Zeek || format == watch::LineFormat::WindowsJson)
        format.reset();
      if (!format)
        return std::unexpected(path + ": " +
                               (matched.empty()
                                    ? std::string("format not recognised")
                                    : "format " + matched + " is not published line by line"));
    }
    std::string host;
    if (parser.parse(*format, line, so, e)) {
      host_of.capture(e, 0, std::span<const FieldId>{});
      host = host_of.host;
    } else {
      // Published all the same: the worker counts it unreadable where the other lines are read.
      ++counters_.skipped;
      if (++reported <= 20)
        note_(fmt::format("{}: offset {}: not {}; published without a host", path, at,
                          watch::to_string(*format)));
    }
    if (auto r =
            publish_line(line, watch::to_string(*format), host, source, identity, at, reference_ns);
        !r)
      return r;
  }
  if (in.bad()) return std::unexpected(path + ": read error");
  return {};
}

std::expected<void, std::string> Publisher::publish_listened(
    const std::string& udp, const std::string& tcp, const std::atomic<bool>& stop,
    const std::function<void(const std::string&)>& on_bound) {
  struct Source {
    std::unique_ptr<watch::Listener> listener;
    std::string name, identity;
    std::uint64_t seq = 0;
  };
  std::vector<Source> sources;
  for (const auto& [kind, address] : {std::pair{watch::Listener::Kind::SyslogUdp, &udp},
                                      std::pair{watch::Listener::Kind::SyslogTcp, &tcp}}) {
    if (address->empty()) continue;
    auto l = watch::Listener::open(kind, *address);
    if (!l) return std::unexpected(l.error());
    Source src;
    src.name = header_value((*l)->name());
    src.identity = fmt::format("n:{}:{}", (*l)->name(), watch::wall_ns());
    src.listener = std::move(*l);
    if (on_bound) on_bound(src.listener->name());
    sources.push_back(std::move(src));
  }
  watch::LineParser parser;
  Event e;
  Detection host_of;
  std::vector<pollfd> fds;
  std::expected<void, std::string> failed;
  while (!stop.load(std::memory_order_relaxed) && failed) {
    fds.clear();
    for (const Source& src : sources) src.listener->add_fds(fds);
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    std::size_t at = 0;
    for (Source& src : sources) {
      const std::size_t n = src.listener->fd_count();
      src.listener->service(
          std::span<const pollfd>(fds.data() + at, n),
          [&](std::string_view message) {
            if (!failed) return;
            ++counters_.lines;
            formats::SyslogOptions so = options_.syslog;
            so.reference_ns = watch::wall_ns();
            std::string host;
            if (parser.parse(watch::LineFormat::Syslog, message, so, e)) {
              host_of.host.clear();
              host_of.capture(e, 0, std::span<const FieldId>{});
              host = host_of.host;
            } else {
              ++counters_.skipped;
            }
            failed = publish_line(message, "syslog", host, src.name, src.identity, ++src.seq,
                                  so.reference_ns);
          },
          std::size_t{1} << 20);
      at += n;
    }
  }
  for (const Source& src : sources) counters_.udp_dropped += src.listener->dropped();
  return failed;
}

}  // namespace tansa::scale
