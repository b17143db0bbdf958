#include "hunt/pipeline.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <thread>

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
  if (!options_.force_format.empty()) {
    for (const Format& f : formats_)
      if (f.name == options_.force_format) return &f;
    return nullptr;
  }
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
  for (const Format& f : formats_)
    if (f.sniff && f.sniff(head, input.path)) return &f;
  return nullptr;
}

void Pipeline::read_one(const Input& input, const Format* format, std::uint32_t index,
                        std::span<const Emit> lanes, std::vector<std::uint8_t>& scratch,
                        Counters& counters, const DiagnosticSink& diag) {
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
                    compressed(input),
                    lanes,
                    &scratch};
  const std::uint64_t before = counters.bytes_read.load();
  const bool ok = format->read(ctx, lanes[0]);
  // Readers that do not report progress themselves count as fully read when done.
  if (counters.bytes_read.load() == before) counters.bytes_read.fetch_add(input.size);
  (ok ? counters.files_read : counters.files_failed).fetch_add(1);
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
  for (std::uint32_t i = 0; i < inputs.size(); ++i) {
    format[i] = detect(inputs[i]);
    const bool split =
        format[i] && format[i]->parallel_inside && threads > 1 && inputs[i].size >= kSplitBytes;
    (split ? serial : pooled).push_back(i);
  }
  const std::span<const Emit> all(counted);
  for (std::uint32_t i : serial)
    read_one(inputs[i], format[i], i, all, scratch[0], counters, diag);

  std::atomic<std::size_t> next{0};
  auto worker = [&](unsigned k) {
    for (std::size_t j; (j = next.fetch_add(1)) < pooled.size();)
      read_one(inputs[pooled[j]], format[pooled[j]], pooled[j], all.subspan(k, 1), scratch[k],
               counters, diag);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<std::size_t>(threads, pooled.size()); ++t)
    pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
  if (const std::uint64_t n = FieldTable::global().overflowed() - overflowed_before; n && diag)
    diag(Diagnostic{"", Diagnostic::Where::None, 0,
                    fmt::format("{} values had field names beyond the field table's bound ({} "
                                "names, {} bytes a name) and are kept under '{}'",
                                n, kMaxFieldNames, kMaxFieldNameBytes, kOverflowField)});
}

}  // namespace tansa::hunt
