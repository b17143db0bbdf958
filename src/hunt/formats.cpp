#include "hunt/formats.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "formats/json_logs.h"
#include "formats/keyvalue.h"
#include "formats/m365_csv.h"
#include "formats/syslog.h"
#include "formats/windows_json.h"
#include "formats/zeek.h"
#include "io/byte_source.h"
#include "io/mapped_file.h"

namespace tansa::hunt {

namespace {

// Inputs that must be held whole in memory (compressed EVTX, whole JSON documents) are refused
// beyond this size.
constexpr std::size_t kMaxInMemory = std::size_t{4} << 30;

// Reads a whole small file into `buf` (reused across calls); false on any error.
bool read_small(const std::string& path, std::vector<std::uint8_t>& buf) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && st.st_size >= 0;
  if (ok) {
    buf.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (ok && got < buf.size()) {
      const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        ok = false;
      else
        got += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  return ok;
}

void report(const ReaderContext& ctx, const std::string& reason) {
  (*ctx.diag)(Diagnostic{ctx.input->path, Diagnostic::Where::None, 0, reason});
}

// The input's bytes as a stream: the file (or standard input), or an archive member's bytes.
std::expected<std::unique_ptr<io::ByteSource>, std::string> open_source(const ReaderContext& ctx) {
  if (ctx.in_memory) return io::ByteSource::from_memory(ctx.memory);
  return io::ByteSource::open(ctx.input->path, ctx.stdin_head);
}

// Standard input and compressed files, decompressed whole into memory (bounded).
bool read_whole(const ReaderContext& ctx, std::string& out) {
  auto src = open_source(ctx);
  if (!src) {
    report(ctx, src.error());
    return false;
  }
  auto all = io::read_all(**src, kMaxInMemory);
  if (!all) {
    report(ctx, all.error());
    return false;
  }
  out = std::move(*all);
  return true;
}

bool read_evtx(const ReaderContext& ctx, const Emit& emit, bool carve) {
  evtx::ReadOptions o;
  o.threads = ctx.threads;
  o.file_index = ctx.file_index;
  o.carve = carve;
  evtx::ReadCallbacks cb;
  if (ctx.lanes.size() > 1)
    cb.on_worker_event = [&](const Event& e, unsigned worker) { ctx.lanes[worker](e); };
  else
    cb.on_event = emit;
  cb.on_diagnostic = *ctx.diag;
  if (ctx.in_memory && !ctx.compressed) {
    auto r = evtx::read_bytes(
        {reinterpret_cast<const std::uint8_t*>(ctx.memory.data()), ctx.memory.size()},
        ctx.input->path, o, cb);
    if (!r) report(ctx, r.error());
    return r.has_value();
  }
  if (ctx.input->path == "-" || ctx.compressed) {
    std::string all;
    if (!read_whole(ctx, all)) return false;
    auto r = evtx::read_bytes({reinterpret_cast<const std::uint8_t*>(all.data()), all.size()},
                              ctx.input->path, o, cb);
    if (!r) report(ctx, r.error());
    return r.has_value();
  }
  // Small files are read into a reused buffer: mapping and unmapping thousands of them from
  // several threads costs more in page faults and TLB shootdowns than copying them.
  if (ctx.input->size > 0 && ctx.input->size < (16u << 20)) {
    std::vector<std::uint8_t>& buf = *ctx.scratch;
    if (read_small(ctx.input->path, buf)) {
      auto r = evtx::read_bytes(buf, ctx.input->path, o, cb);
      if (!r) report(ctx, r.error());
      return r.has_value();
    }
  }
  auto r = evtx::read_file(ctx.input->path, o, cb);
  if (!r) report(ctx, r.error());
  return r.has_value();
}

// Whole input as text: a mapping for files, a buffer for standard input.
struct Text {
  io::MappedFile map;
  std::string buffer;
  std::string_view view;
};

bool load_text(const ReaderContext& ctx, Text& t) {
  if (ctx.in_memory && !ctx.compressed) {
    t.view = ctx.memory;
    return true;
  }
  if (ctx.input->path == "-" || ctx.compressed) {
    if (!read_whole(ctx, t.buffer)) return false;
    t.view = t.buffer;
    return true;
  }
  auto m = io::MappedFile::open(ctx.input->path);
  if (!m) {
    report(ctx, m.error());
    return false;
  }
  t.map = std::move(*m);
  t.map.advise_sequential();
  t.view = std::string_view(reinterpret_cast<const char*>(t.map.bytes().data()), t.map.size());
  return true;
}

bool read_windows_json(const ReaderContext& ctx, const Emit& emit) {
  Text t;
  if (!load_text(ctx, t)) return false;
  (void)formats::read_windows_json(t.view, ctx.input->path, ctx.file_index, emit, *ctx.diag);
  return true;
}

// Line-oriented formats stream through a ByteSource (decompressing on the fly).
template <typename Fn>
bool with_lines(const ReaderContext& ctx, Fn&& fn) {
  auto src = open_source(ctx);
  if (!src) {
    report(ctx, src.error());
    return false;
  }
  io::LineReader lines(**src);
  lines.on_long = [&](std::uint64_t line) {
    (*ctx.diag)(
        Diagnostic{ctx.input->path, Diagnostic::Where::Line, line, "line longer than 1 MiB; cut"});
  };
  fn(lines);
  return true;
}

formats::SyslogOptions syslog_options(const ReaderOptions& ro, const ReaderContext& ctx) {
  formats::SyslogOptions o;
  o.year = ro.year;
  o.tz_offset_minutes = ro.tz_offset_minutes;
  o.reference_ns = ctx.input->mtime_ns;
  return o;
}

bool read_json(const ReaderContext& ctx, const Emit& emit) {
  auto src = open_source(ctx);
  if (!src) {
    report(ctx, src.error());
    return false;
  }
  formats::JsonLogsOptions o;
  o.zeek_path_hint = formats::zeek_path_from_filename(ctx.input->path);
  (void)formats::read_json_logs(**src, ctx.input->path, ctx.file_index, o, emit, *ctx.diag);
  return true;
}

bool read_zeek(const ReaderContext& ctx, const Emit& emit) {
  return with_lines(ctx, [&](io::LineReader& lines) {
    (void)formats::read_zeek_tsv(lines, ctx.input->path, ctx.file_index, emit, *ctx.diag);
  });
}

bool read_m365_csv(const ReaderContext& ctx, const Emit& emit) {
  return with_lines(ctx, [&](io::LineReader& lines) {
    (void)formats::read_m365_csv(lines, ctx.input->path, ctx.file_index, emit, *ctx.diag);
  });
}

bool is_evtx(std::string_view head, const std::string&) {
  return head.starts_with(std::string_view("ElfFile\0", 8));
}

bool is_windows_json(std::string_view head, const std::string&) {
  return formats::looks_like_windows_json(head);
}

}  // namespace

std::vector<Format> builtin_formats(const ReaderOptions& ro) {
  auto keyvalue = [ro](const ReaderContext& ctx, const Emit& emit) {
    return with_lines(ctx, [&](io::LineReader& lines) {
      (void)formats::read_keyvalue(lines, ctx.input->path, ctx.file_index, syslog_options(ro, ctx),
                                   emit, *ctx.diag);
    });
  };
  auto syslog = [ro](const ReaderContext& ctx, const Emit& emit) {
    return with_lines(ctx, [&](io::LineReader& lines) {
      (void)formats::read_syslog(lines, ctx.input->path, ctx.file_index, syslog_options(ro, ctx),
                                 emit, *ctx.diag);
    });
  };
  auto sniff = [](bool (*fn)(std::string_view)) {
    return [fn](std::string_view head, const std::string&) { return fn(head); };
  };
  // Most specific first: key=value lines often carry a syslog header, so they are tried first.
  std::vector<Format> out;
  auto evtx = [carve = ro.carve](const ReaderContext& ctx, const Emit& emit) {
    return read_evtx(ctx, emit, carve);
  };
  out.push_back(Format{"evtx", is_evtx, evtx, true});
  out.push_back(Format{"windows-json", is_windows_json, read_windows_json, false});
  out.push_back(Format{"zeek", sniff(formats::looks_like_zeek_tsv), read_zeek, false});
  out.push_back(Format{"json", sniff(formats::looks_like_json_logs), read_json, false});
  out.push_back(Format{"m365-csv", sniff(formats::looks_like_m365_csv), read_m365_csv, false});
  out.push_back(Format{"keyvalue", sniff(formats::looks_like_keyvalue), keyvalue, false});
  out.push_back(Format{"syslog", sniff(formats::looks_like_syslog), syslog, false});
  return out;
}

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const auto& f : builtin_formats({})) names.push_back(f.name);
  return names;
}

}  // namespace tansa::hunt
