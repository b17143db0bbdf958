#include "hunt/pipeline.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <tuple>
#include <thread>

#include "io/archive.h"
#include "io/byte_source.h"

namespace tansa::hunt {

Pipeline::Pipeline(std::vector<Format> formats, Options options)
    : formats_(std::move(formats)), options_(std::move(options)) {}

bool Pipeline::compressed(const Input& input) const {
  if (input.path == "-")
    return io::sniff_compression(stdin_head_) != io::ByteSource::Compression::None;
  char magic[4] = {};
  const int fd = ::open(input.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::read(fd, magic, sizeof magic);
  ::close(fd);
  return n > 0 && io::sniff_compression(std::string_view(magic, static_cast<std::size_t>(n))) !=
                      io::ByteSource::Compression::None;
}

const Format* Pipeline::detect(const Input& input) const {
  // A forced format needs no head; detect_head alone decides what --format means.
  if (!options_.force_format.empty()) return detect_head({}, input.path);
  if (!input.archive.empty()) return nullptr;  // detected from its bytes when read
  std::string head;
  if (input.path == "-") {
    // Standard input cannot be reopened: its head is kept and handed to the reader.
    if (!stdin_sniffed_) {
      stdin_sniffed_ = true;
      stdin_head_.resize(65536);
      std::size_t got = 0;
      while (got < stdin_head_.size()) {
        const ssize_t n = ::read(STDIN_FILENO, stdin_head_.data() + got, stdin_head_.size() - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      stdin_head_.resize(got);
    }
    head = io::decompress_head(stdin_head_);
  } else {
    head = io::read_head(input.path);
  }
  return detect_head(head, input.path);
}

const Format* Pipeline::detect_head(std::string_view head, const std::string& path) const {
  if (!options_.force_format.empty()) {
    for (const Format& f : formats_)
      if (f.name == options_.force_format) return &f;
    return nullptr;
  }
  for (const Format& f : formats_)
    if (f.sniff && f.sniff(head, path)) return &f;
  return nullptr;
}

void Pipeline::read_one(const Input& input, const Format* format, std::uint32_t index,
                        std::span<const Emit> lanes, std::vector<std::uint8_t>& scratch,
                        Counters& counters, const DiagnosticSink& diag, const std::string* memory) {
  if (!format) {
    counters.files_failed.fetch_add(1);
    diag(Diagnostic{input.path, Diagnostic::Where::None, 0,
                    options_.force_format.empty() ? "format not recognised; skipped (use --format)"
                                                  : "unknown --format " + options_.force_format});
    counters.bytes_read.fetch_add(input.size);
    return;
  }
  ReaderContext ctx{&input,
                    index,
                    static_cast<unsigned>(lanes.size()),
                    &diag,
                    &counters.bytes_read,
                    input.path == "-" ? std::string_view(stdin_head_) : std::string_view(),
                    memory ? io::sniff_compression(*memory) != io::ByteSource::Compression::None
                           : compressed(input),
                    lanes,
                    &scratch,
                    memory != nullptr,
                    memory ? std::string_view(*memory) : std::string_view()};
  const std::uint64_t before = counters.bytes_read.load();
  const bool ok = format->read(ctx, lanes[0]);
  // Readers that do not report progress themselves count as fully read when done.
  if (counters.bytes_read.load() == before) counters.bytes_read.fetch_add(input.size);
  (ok ? counters.files_read : counters.files_failed).fetch_add(1);
}

void Pipeline::read_archive(const std::vector<Input>& inputs,
                            std::span<const std::uint32_t> members, std::span<const Emit> lanes,
                            std::vector<std::uint8_t>& scratch, Counters& counters,
                            const DiagnosticSink& diag) {
  const std::string& path = inputs[members.front()].archive;
  std::size_t unrecognised = 0;
  auto fail = [&](std::span<const std::uint32_t> left, const std::string& why) {
    for (std::uint32_t i : left) {
      counters.files_failed.fetch_add(1);
      counters.bytes_read.fetch_add(inputs[i].size);
      diag(Diagnostic{inputs[i].path, Diagnostic::Where::None, 0, why});
    }
  };
  // One member's bytes, read as the file they would be outside the archive.
  auto read_member = [&](std::uint32_t index, const std::string& bytes) {
    const Input& in = inputs[index];
    const std::string head = io::decompress_head(bytes);
    if (io::looks_like_archive(bytes, head, in.path) && options_.force_format.empty()) {
      counters.files_failed.fetch_add(1);
      counters.bytes_read.fetch_add(in.size);
      diag(Diagnostic{in.path, Diagnostic::Where::None, 0,
                      fmt::format("an archive inside an archive is opened only when its name says "
                                  "it is one (.zip, .7z, .tar.gz...) and it lies at most {} levels "
                                  "deep; extract it",
                                  kMaxArchiveNesting)});
      return;
    }
    const Format* f = detect_head(head, in.path);
    if (!f && options_.force_format.empty()) {
      // Archives carry documents and tools beside logs: counted once, not one line each.
      ++unrecognised;
      counters.bytes_read.fetch_add(in.size);
      return;
    }
    read_one(in, f, index, lanes, scratch, counters, diag, &bytes);
  };
  // The members `group` (in the walker's order) from one pass over `walker`; `depth` is how many
  // of their ordinals the walkers around this one have used (0: the outermost archive).
  std::function<void(io::ArchiveWalker&, std::span<const std::uint32_t>, std::size_t)> walk =
      [&](io::ArchiveWalker& walker, std::span<const std::uint32_t> group, std::size_t depth) {
        auto ordinal = [&](std::uint32_t i) {
          return depth == 0 ? inputs[i].member : inputs[i].inner[depth - 1];
        };
        std::size_t k = 0;
        io::ArchiveMember m;
        while (k < group.size()) {
          auto more = walker.next(m);
          if (!more) return fail(group.subspan(k), more.error());
          if (!*more) return fail(group.subspan(k), "member missing when the archive was read again");
          if (m.ordinal != ordinal(group[k])) continue;
          // Every input in this member: itself, or the members of the archive it is.
          std::size_t end = k;
          while (end < group.size() && ordinal(group[end]) == m.ordinal) ++end;
          const auto here = group.subspan(k, end - k);
          k = end;
          auto bytes = walker.read();
          if (!bytes) {
            if (walker.bomb()) return fail(group.subspan(k - here.size()), bytes.error());
            fail(here, bytes.error());
            continue;
          }
          if (here.size() == 1 && inputs[here[0]].inner.size() == depth) {
            read_member(here[0], *bytes);
            continue;
          }
          auto inner = io::ArchiveWalker::open_memory(*bytes, options_.archive_passwords);
          if (!inner) {
            fail(here, inner.error());
            continue;
          }
          walk(**inner, here, depth + 1);
        }
      };
  auto walker = io::ArchiveWalker::open(path, options_.archive_passwords);
  if (!walker) return fail(members, walker.error());
  walk(**walker, members, 0);
  if (unrecognised)
    diag(Diagnostic{path, Diagnostic::Where::None, 0,
                    fmt::format("{} {} in no format tansa reads; skipped", unrecognised,
                                unrecognised == 1 ? "member is" : "members are")});
}

void Pipeline::run(const std::vector<Input>& inputs, std::span<const Emit> lanes,
                   Counters& counters, const DiagnosticSink& diag) {
  const std::uint64_t overflowed_before = FieldTable::global().overflowed();
  for (const Input& in : inputs) counters.bytes_total.fetch_add(in.size);
  const auto threads = static_cast<unsigned>(lanes.size());
  if (threads == 0) return;

  // Each lane counts its events and drops those outside the time window before passing them on.
  std::vector<Emit> counted;
  for (unsigned k = 0; k < threads; ++k)
    counted.emplace_back([&, k](const Event& e) {
      counters.events.fetch_add(1, std::memory_order_relaxed);
      if (e.time_ns < options_.from_ns || e.time_ns > options_.to_ns) return;
      lanes[k](e);
    });
  std::vector<std::vector<std::uint8_t>> scratch(threads);

  // Large files whose reader parallelises internally go one after another with every lane; the
  // rest are spread over a pool, one file per worker at a time, each worker with its own lane.
  std::vector<const Format*> format(inputs.size());
  std::vector<std::uint32_t> serial, pooled;
  // Small files are not worth splitting: a file of a few chunks keeps one thread busy while the
  // others read other files.
  constexpr std::uint64_t kSplitBytes = 8u << 20;
  // Archive members are read in one pass over their archive: one pooled task per archive.
  std::vector<std::vector<std::uint32_t>> archives;
  for (std::uint32_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].archive.empty()) {
      if (archives.empty() || inputs[archives.back().front()].archive != inputs[i].archive)
        archives.emplace_back();
      archives.back().push_back(i);
      continue;
    }
    format[i] = detect(inputs[i]);
    const bool split =
        format[i] && format[i]->parallel_inside && threads > 1 && inputs[i].size >= kSplitBytes;
    (split ? serial : pooled).push_back(i);
  }
  const std::span<const Emit> all(counted);
  for (std::uint32_t i : serial) read_one(inputs[i], format[i], i, all, scratch[0], counters, diag);

  std::atomic<std::size_t> next{0};
  const std::size_t tasks = pooled.size() + archives.size();
  auto worker = [&](unsigned k) {
    for (std::size_t j; (j = next.fetch_add(1)) < tasks;) {
      if (j < archives.size()) {  // archives first: they are usually the big ones
        // The inputs are sorted by path, so members by name: back to the archive's order.
        std::vector<std::uint32_t> order = archives[j];
        std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
          return std::tie(inputs[x].member, inputs[x].inner) <
                 std::tie(inputs[y].member, inputs[y].inner);
        });
        read_archive(inputs, order, all.subspan(k, 1), scratch[k], counters, diag);
        continue;
      }
      const std::uint32_t i = pooled[j - archives.size()];
      read_one(inputs[i], format[i], i, all.subspan(k, 1), scratch[k], counters, diag);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<std::size_t>(threads, tasks); ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
  if (const std::uint64_t n = FieldTable::global().overflowed() - overflowed_before; n && diag)
    diag(Diagnostic{"", Diagnostic::Where::None, 0,
                    fmt::format("{} values had field names beyond the field table's bound ({} "
                                "names, {} bytes a name) and are kept under '{}'",
                                n, kMaxFieldNames, kMaxFieldNameBytes, kOverflowField)});
}

}  // namespace tansa::hunt
