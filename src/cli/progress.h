// A one-line progress bar on standard error, redrawn a few times a second by its own thread from
// counters the workers bump. Drawn only when stderr is a terminal, so logs and pipes stay clean.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "hunt/pipeline.h"

namespace tansa::cli {

class ProgressBar {
 public:
  // Starts drawing if `enabled` and stderr is a terminal.
  ProgressBar(const hunt::Counters& counters, bool enabled);
  ~ProgressBar();  // stops and erases the line
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

 private:
  void draw(double seconds) const;

  const hunt::Counters& c_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tansa::cli
