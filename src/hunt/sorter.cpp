#include "hunt/sorter.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <queue>

namespace tansa::hunt {

namespace {

// What malloc hands out for `n` bytes: 16-byte steps with an 8-byte header, 32 at least.
constexpr std::size_t chunk(std::size_t n) {
  return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}
// A string's heap bytes: none while it fits in the object (libstdc++ keeps 15 chars inline).
std::size_t heap(const std::string& s) {
  return s.capacity() > 15 ? chunk(s.capacity() + 1) : 0;
}
template <class T>
std::size_t heap(const std::vector<T>& v) {
  return v.capacity() ? chunk(v.capacity() * sizeof(T)) : 0;
}

}  // namespace

std::size_t footprint(const Detection& d) {
  std::size_t n =
      sizeof(Detection) + heap(d.host) + heap(d.fields) + heap(d.related) + heap(d.copies);
  for (const auto& [k, v] : d.fields) n += heap(k) + heap(v);
  return n;
}

DetectionSorter::DetectionSorter(std::span<const RuleInfo> rules, std::size_t budget_bytes,
                                 std::string tmp_dir)
    : order_{rules}, budget_(budget_bytes), tmp_dir_(std::move(tmp_dir)) {}

DetectionSorter::~DetectionSorter() {
  for (const std::string& r : runs_) ::unlink(r.c_str());
}

std::expected<void, std::string> DetectionSorter::add(Detection&& d) {
  std::lock_guard lock(mu_);
  // The deque's own blocks hold the Detection objects; footprint() counts them (sizeof).
  pending_bytes_ += footprint(d);
  pending_.push_back(std::move(d));
  ++count_;
  if (pending_bytes_ > budget_ || pending_.size() == UINT32_MAX) return spill();
  return {};
}

std::vector<std::uint32_t> DetectionSorter::sorted_pending() const {
  // Indices, not the detections, are sorted: 4 bytes each of scratch instead of a second copy
  // of every Detection object (std::stable_sort's buffer).
  std::vector<std::uint32_t> at(pending_.size());
  for (std::size_t i = 0; i < at.size(); ++i) at[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(at.begin(), at.end(), [&](std::uint32_t a, std::uint32_t b) {
    return order_(pending_[a], pending_[b]);
  });
  return at;
}

std::expected<void, std::string> DetectionSorter::spill() {
  const std::vector<std::uint32_t> order = sorted_pending();
  std::string path = tmp_dir_ + "/tansa-run-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0)
    return std::unexpected(
        fmt::format("cannot create a spill file in {}: {}", tmp_dir_, std::strerror(errno)));
  std::FILE* f = ::fdopen(fd, "wb");
  runs_.push_back(path);
  std::string buf;
  for (const std::uint32_t i : order) {
    const Detection& d = pending_[i];
    buf.clear();
    d.serialize(buf);
    std::uint64_t n = buf.size();
    max_record_ = std::max<std::size_t>(max_record_, buf.size());
    if (std::fwrite(&n, 8, 1, f) != 1 || std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      std::fclose(f);
      return std::unexpected(
          fmt::format("cannot write spill file {}: {}", path, std::strerror(errno)));
    }
  }
  if (std::fclose(f) != 0) return std::unexpected(fmt::format("cannot write spill file {}", path));
  std::deque<Detection>().swap(pending_);  // every block; `= {}` would clear and keep one
  pending_bytes_ = 0;
  return {};
}

std::expected<bool, std::string> RunReader::next() {
  std::uint64_t n;
  const std::size_t got = std::fread(&n, 1, 8, f_);
  if (got == 0 && std::feof(f_)) return false;
  auto corrupt = [&](std::string_view why) {
    return std::unexpected(
        fmt::format("spill file {}: offset {}: {}; the run is incomplete", name_, offset_, why));
  };
  if (got != 8) return corrupt("truncated record length");
  if (n > max_record_)
    return corrupt(fmt::format("record of {} bytes, longer than any written", n));
  buf_.resize(n);
  if (std::fread(buf_.data(), 1, n, f_) != n) return corrupt("truncated record");
  std::size_t pos = 0;
  if (!current_.deserialize(buf_, pos) || pos != n) return corrupt("record does not parse");
  if (current_.rule >= rule_count_) return corrupt("rule index out of range");
  offset_ += 8 + n;
  return true;
}

std::expected<void, std::string> DetectionSorter::drain(const std::function<void(Detection&)>& fn) {
  std::lock_guard lock(mu_);
  if (runs_.empty()) {
    for (const std::uint32_t i : sorted_pending()) fn(pending_[i]);
    std::deque<Detection>().swap(pending_);
    return {};
  }
  if (!pending_.empty())
    if (auto r = spill(); !r) return r;
  std::vector<std::unique_ptr<std::FILE, int (*)(std::FILE*)>> files;
  std::vector<RunReader> readers;
  files.reserve(runs_.size());
  readers.reserve(runs_.size());
  for (const std::string& run : runs_) {
    files.emplace_back(std::fopen(run.c_str(), "rb"), &std::fclose);
    if (!files.back()) return std::unexpected(fmt::format("cannot reopen spill file {}", run));
    readers.emplace_back(files.back().get(), run, max_record_, order_.rules.size());
  }
  // Ties between runs break by run index, which keeps the merge stable like the in-memory sort.
  auto greater = [&](std::size_t a, std::size_t b) {
    if (order_(readers[b].current(), readers[a].current())) return true;
    if (order_(readers[a].current(), readers[b].current())) return false;
    return a > b;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(greater)> heap(greater);
  auto advance = [&](std::size_t i) -> std::expected<void, std::string> {
    auto more = readers[i].next();
    if (!more) return std::unexpected(more.error());
    if (*more) heap.push(i);
    return {};
  };
  for (std::size_t i = 0; i < readers.size(); ++i)
    if (auto r = advance(i); !r) return r;
  while (!heap.empty()) {
    std::size_t i = heap.top();
    heap.pop();
    fn(readers[i].current());
    if (auto r = advance(i); !r) return r;
  }
  return {};
}

}  // namespace tansa::hunt
