#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace tansa::cli {

namespace {
std::string human_bytes(double b) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  return fmt::format("{:.1f} {}", b, kUnits[u]);
}
}  // namespace

ProgressBar::ProgressBar(const hunt::Counters& counters, bool enabled) : c_(counters) {
  if (!enabled || !::isatty(STDERR_FILENO)) return;
  thread_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
      draw(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::fputs("\r\x1b[2K", stderr);
    std::fflush(stderr);
  });
}

ProgressBar::~ProgressBar() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ProgressBar::draw(double seconds) const {
  const double total = static_cast<double>(c_.bytes_total.load());
  const double read = static_cast<double>(c_.bytes_read.load());
  const double frac = total > 0 ? std::min(1.0, read / total) : 0;
  constexpr int kWidth = 28;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const std::string line =
      fmt::format("\r\x1b[2K[{}] {:3.0f}%  {} / {}  {} events  {} detections  {}/s", bar,
                  frac * 100, human_bytes(read), human_bytes(total), c_.events.load(),
                  c_.detections.load(), human_bytes(seconds > 0 ? read / seconds : 0));
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace tansa::cli
