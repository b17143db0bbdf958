#include "hunt/sorter.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <queue>

namespace tansa::hunt {

std::size_t footprint(const Detection& d) {
  std::size_t n = sizeof(Detection) + d.host.size() + d.related.size() * sizeof(SourceRef);
  for (const auto& [k, v] : d.fields)
    n += sizeof(std::pair<std::string, std::string>) + k.size() + v.size();
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
  pending_bytes_ += footprint(d);
  pending_.push_back(std::move(d));
  ++count_;
  if (pending_bytes_ > budget_) return spill();
  return {};
}

std::expected<void, std::string> DetectionSorter::spill() {
  std::stable_sort(pending_.begin(), pending_.end(), order_);
  std::string path = tmp_dir_ + "/tansa-run-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0)
    return std::unexpected(
        fmt::format("cannot create a spill file in {}: {}", tmp_dir_, std::strerror(errno)));
  std::FILE* f = ::fdopen(fd, "wb");
  runs_.push_back(path);
  std::string buf;
  for (const Detection& d : pending_) {
    buf.clear();
    d.serialize(buf);
    std::uint64_t n = buf.size();
    if (std::fwrite(&n, 8, 1, f) != 1 || std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      std::fclose(f);
      return std::unexpected(
          fmt::format("cannot write spill file {}: {}", path, std::strerror(errno)));
    }
  }
  if (std::fclose(f) != 0) return std::unexpected(fmt::format("cannot write spill file {}", path));
  pending_.clear();
  pending_.shrink_to_fit();
  pending_bytes_ = 0;
  return {};
}

namespace {
// Reads a run file back one detection at a time.
struct RunReader {
  std::FILE* f = nullptr;
  std::string buf;
  Detection current;
  bool next() {
    std::uint64_t n;
    if (std::fread(&n, 8, 1, f) != 1) return false;
    if (n > (1ULL << 32)) return false;  // our own file, but never trust a length blindly
    buf.resize(n);
    if (std::fread(buf.data(), 1, n, f) != n) return false;
    std::size_t pos = 0;
    return current.deserialize(buf, pos);
  }
};
}  // namespace

std::expected<void, std::string> DetectionSorter::drain(
    const std::function<void(const Detection&)>& fn) {
  std::lock_guard lock(mu_);
  if (runs_.empty()) {
    std::stable_sort(pending_.begin(), pending_.end(), order_);
    for (const Detection& d : pending_) fn(d);
    pending_.clear();
    return {};
  }
  if (!pending_.empty())
    if (auto r = spill(); !r) return r;
  std::vector<RunReader> readers(runs_.size());
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    readers[i].f = std::fopen(runs_[i].c_str(), "rb");
    if (!readers[i].f) return std::unexpected(fmt::format("cannot reopen spill file {}", runs_[i]));
  }
  // Ties between runs break by run index, which keeps the merge stable like the in-memory sort.
  auto greater = [&](std::size_t a, std::size_t b) {
    if (order_(readers[b].current, readers[a].current)) return true;
    if (order_(readers[a].current, readers[b].current)) return false;
    return a > b;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(greater)> heap(greater);
  for (std::size_t i = 0; i < readers.size(); ++i)
    if (readers[i].next()) heap.push(i);
  while (!heap.empty()) {
    std::size_t i = heap.top();
    heap.pop();
    fn(readers[i].current);
    if (readers[i].next()) heap.push(i);
  }
  for (RunReader& r : readers) std::fclose(r.f);
  return {};
}

}  // namespace tansa::hunt
