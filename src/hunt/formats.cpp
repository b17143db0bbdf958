#include "hunt/formats.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "formats/windows_json.h"
#include "io/mapped_file.h"

namespace tansa::hunt {

namespace {

using Emit = std::function<void(const Event&)>;

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

bool read_evtx(const ReaderContext& ctx, const Emit& emit) {
  evtx::ReadOptions o;
  o.threads = ctx.threads;
  o.file_index = ctx.file_index;
  evtx::ReadCallbacks cb;
  cb.on_event = emit;
  cb.on_diagnostic = *ctx.diag;
  if (ctx.input->path == "-") {
    std::string all(ctx.stdin_head);
    char chunk[65536];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, stdin)) > 0) all.append(chunk, n);
    auto r = evtx::read_bytes({reinterpret_cast<const std::uint8_t*>(all.data()), all.size()}, "-",
                              o, cb);
    if (!r) report(ctx, r.error());
    return r.has_value();
  }
  // Small files are read into a reused buffer: mapping and unmapping thousands of them from
  // several threads costs more in page faults and TLB shootdowns than copying them.
  if (ctx.input->size > 0 && ctx.input->size < (16u << 20)) {
    thread_local std::vector<std::uint8_t> buf;
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
  if (ctx.input->path == "-") {
    t.buffer.assign(ctx.stdin_head);
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) t.buffer.append(buf, n);
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

bool is_evtx(std::string_view head, const std::string&) {
  return head.starts_with(std::string_view("ElfFile\0", 8));
}

bool is_windows_json(std::string_view head, const std::string&) {
  return formats::looks_like_windows_json(head);
}

}  // namespace

std::vector<Format> builtin_formats(const ReaderOptions&) {
  std::vector<Format> out;
  out.push_back(Format{"evtx", is_evtx, read_evtx, true});
  out.push_back(Format{"windows-json", is_windows_json, read_windows_json, false});
  return out;
}

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const auto& f : builtin_formats({})) names.push_back(f.name);
  return names;
}

}  // namespace tansa::hunt
