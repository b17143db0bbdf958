// `--metrics HOST:PORT`: Prometheus text exposition over HTTP/1.0 (any path answers). The socket
// is bound to the address written, like the listeners. A scrape is served inside the watch loop:
// the request is read with a 200 ms limit, the page written and the connection closed, so a slow
// scraper delays input by at most that, and nothing runs on another thread.
#pragma once

#include <poll.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tansa::watch {

// A label value in Prometheus text: backslash, double quote and newline escaped.
std::string prometheus_label(std::string_view value);

class MetricsServer {
 public:
  [[nodiscard]] static std::expected<std::unique_ptr<MetricsServer>, std::string> open(
      const std::string& address);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] pollfd fd() const { return pollfd{fd_, POLLIN, 0}; }
  // Serves every waiting scrape with the page `render` gives.
  void serve(const std::function<std::string()>& render);
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  MetricsServer() = default;
  int fd_ = -1;
  std::string name_;
};

}  // namespace tansa::watch
