#include "hunt/formats.h"

#include <cstdio>
#include <string>

#include "evtx/reader.h"
#include "formats/windows_json.h"
#include "io/mapped_file.h"

namespace tansa::hunt {

namespace {

// Whole input as text: a mapping for files, a buffer for standard input.
struct Text {
  io::MappedFile map;
  std::string buffer;
  std::string_view view;
};

bool load_text(const ReaderContext& ctx, Text& t) {
  if (ctx.input->path == "-") {
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) t.buffer.append(buf, n);
    t.view = t.buffer;
    return true;
  }
  auto m = io::MappedFile::open(ctx.input->path);
  if (!m) {
    (*ctx.diag)(Diagnostic{ctx.input->path, Diagnostic::Where::None, 0, m.error()});
    return false;
  }
  t.map = std::move(*m);
  t.map.advise_sequential();
  t.view = std::string_view(reinterpret_cast<const char*>(t.map.bytes().data()), t.map.size());
  return true;
}

}  // namespace

std::vector<Format> builtin_formats(const ReaderOptions&) {
  std::vector<Format> out;
  out.push_back(
      Format{"evtx",
             [](std::string_view head, const std::string&) {
               return head.starts_with(std::string_view("ElfFile\0", 8));
             },
             [](const ReaderContext& ctx, const std::function<void(const Event&)>& emit) {
               evtx::ReadOptions o;
               o.threads = ctx.threads;
               o.file_index = ctx.file_index;
               evtx::ReadCallbacks cb;
               cb.on_event = emit;
               cb.on_diagnostic = *ctx.diag;
               auto r = evtx::read_file(ctx.input->path, o, cb);
               if (!r)
                 (*ctx.diag)(Diagnostic{ctx.input->path, Diagnostic::Where::None, 0, r.error()});
               return r.has_value();
             },
             true});
  out.push_back(Format{"windows-json",
                       [](std::string_view head, const std::string&) {
                         return formats::looks_like_windows_json(head);
                       },
                       [](const ReaderContext& ctx, const std::function<void(const Event&)>& emit) {
                         Text t;
                         if (!load_text(ctx, t)) return false;
                         (void)formats::read_windows_json(t.view, ctx.input->path, ctx.file_index,
                                                          emit, *ctx.diag);
                         return true;
                       },
                       false});
  return out;
}

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const auto& f : builtin_formats({})) names.push_back(f.name);
  return names;
}

}  // namespace tansa::hunt
