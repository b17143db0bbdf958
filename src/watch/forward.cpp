#include "watch/forward.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "watch/clock.h"
#include "watch/listen.h"
#include "watch/metrics.h"

namespace tansa::watch {

namespace {

constexpr int kFirstBackoffMs = 500;
constexpr int kMaxBackoffMs = 30'000;
// The largest UDP payload an IPv4 datagram can carry.
constexpr std::size_t kMaxDatagram = 65'507;

int severity_of(Level level) {
  switch (level) {
    case Level::Critical:
      return 2;
    case Level::High:
      return 3;
    case Level::Medium:
      return 4;
    case Level::Low:
      return 5;
    case Level::Informational:
      return 6;
  }
  return 6;
}

// RFC 5424 HOSTNAME: printable US-ASCII without blanks, at most 255 characters, "-" when none.
std::string header_token(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s) {
    if (out.size() == max) break;
    if (c > 32 && c < 127) out.push_back(c);
  }
  return out.empty() ? std::string("-") : out;
}

std::string this_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "-";
  return buf;
}

enum class Outcome : std::uint8_t { Sent, Retry, Reject };
struct Delivery {
  Outcome outcome;
  std::string why;  // for Retry and Reject
};

struct Item {
  std::string json;
  Level level;
};

}  // namespace

std::string syslog_message(const std::string& json, Level level, int facility,
                           const std::string& hostname, std::int64_t now_ns) {
  const std::time_t secs = static_cast<std::time_t>(now_ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("<{}>1 {:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z {} tansa - DETECTION - {}",
                     facility * 8 + severity_of(level), tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (now_ns / 1000) % 1'000'000,
                     header_token(hostname, 255), json);
}

class Destination {
 public:
  Destination(std::string name, std::size_t max_queue, Forwarder::NoteFn note)
      : name_(std::move(name)), max_queue_(max_queue), note_(std::move(note)) {}
  virtual ~Destination() = default;

  void start() {
    thread_ = std::thread([this] { loop(); });
  }

  void push(const std::string& json, Level level) {
    {
      std::lock_guard lock(mu_);
      if (closing_ || queue_.size() >= max_queue_) {
        ++counters_.dropped;
        if (!said_full_) {
          said_full_ = true;
          note_(
              fmt::format("{}: queue full ({} detections): detections are being dropped for it, "
                          "counted in tansa_watch_forward_dropped_total",
                          name_, max_queue_));
        }
        return;
      }
      queue_.push_back(Item{json, level});
      counters_.queued = queue_.size();
    }
    cv_.notify_one();
  }

  void close(int drain_ms) {
    {
      std::lock_guard lock(mu_);
      if (!thread_.joinable()) return;
      closing_ = true;
      drain_until_ = mono_ms() + std::max(drain_ms, 0);
    }
    cv_.notify_one();
    thread_.join();
    std::lock_guard lock(mu_);
    counters_.dropped += queue_.size();
    queue_.clear();
    counters_.queued = 0;
  }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const ForwardCounters& counters() const { return counters_; }

 protected:
  // Delivers one message; runs on the destination's thread only.
  virtual Delivery deliver(const Item& item) = 0;
  // Drops a connection after a failure (TCP: the next attempt connects again).
  virtual void reset() {}

 private:
  void loop() {
    int backoff = kFirstBackoffMs;
    std::set<std::string> said;
    while (true) {
      Item item;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty() || (closing_ && mono_ms() >= drain_until_)) return;
        item = queue_.front();
      }
      const Delivery d = deliver(item);
      if (d.outcome == Outcome::Retry) {
        ++counters_.retries;
        reset();
        if (said.insert("retry " + d.why).second)
          note_(fmt::format("{}: {}; retrying with backoff", name_, d.why));
        std::unique_lock lock(mu_);
        const std::int64_t wake = mono_ms() + backoff;
        const std::int64_t until = closing_ ? std::min(wake, drain_until_) : wake;
        cv_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(until - mono_ms(), 0)),
                     [&] { return closing_ && mono_ms() >= drain_until_; });
        if (closing_ && mono_ms() >= drain_until_) return;
        backoff = std::min(backoff * 2, kMaxBackoffMs);
        continue;  // the same detection again: order is kept
      }
      backoff = kFirstBackoffMs;
      if (d.outcome == Outcome::Sent)
        ++counters_.sent;
      else {
        ++counters_.rejected;
        if (said.insert("reject " + d.why).second)
          note_(
              fmt::format("{}: {}; that detection is not sent again (counted in "
                          "tansa_watch_forward_rejected_total)",
                          name_, d.why));
      }
      std::lock_guard lock(mu_);
      queue_.pop_front();
      counters_.queued = queue_.size();
    }
  }

  std::string name_;
  std::size_t max_queue_;
  Forwarder::NoteFn note_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool closing_ = false, said_full_ = false;
  std::int64_t drain_until_ = 0;
  ForwardCounters counters_;
  std::thread thread_;
};

namespace {

class Webhook final : public Destination {
 public:
  Webhook(const WebhookOptions& o, std::size_t max_queue, Forwarder::NoteFn note)
      : Destination("webhook " + o.url, max_queue, std::move(note)), options_(o) {}
  ~Webhook() override {
    if (headers_) curl_slist_free_all(headers_);
    if (curl_) curl_easy_cleanup(curl_);
  }

  std::expected<void, std::string> init() {
    curl_ = curl_easy_init();
    if (!curl_) return std::unexpected(std::string("libcurl could not start"));
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    for (const std::string& h : options_.headers) {
      if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos)
        return std::unexpected("webhook header '" + h + "': expected 'Name: value' on one line");
      headers_ = curl_slist_append(headers_, h.c_str());
    }
    if (!headers_) return std::unexpected(std::string("libcurl: out of memory"));
    bool ok = curl_easy_setopt(curl_, CURLOPT_URL, options_.url.c_str()) == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_) == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, long{options_.timeout_ms}) == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Webhook::discard) == CURLE_OK &&
              curl_easy_setopt(curl_, CURLOPT_USERAGENT, "tansa") == CURLE_OK;
    if (!ok) return std::unexpected(std::string("libcurl rejected the webhook's options"));
    // The URL must be one libcurl can use with the protocols allowed: checked now, not at the
    // first detection.
    CURLU* u = curl_url();
    const CURLUcode rc =
        u ? curl_url_set(u, CURLUPART_URL, options_.url.c_str(), 0) : CURLUE_OUT_OF_MEMORY;
    char* scheme = nullptr;
    std::string s;
    if (rc == CURLUE_OK && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) s = scheme;
    curl_free(scheme);
    curl_url_cleanup(u);
    if (rc != CURLUE_OK)
      return std::unexpected("webhook '" + options_.url + "': " + curl_url_strerror(rc));
    if (s != "http" && s != "https")
      return std::unexpected("webhook '" + options_.url +
                             "': only http:// and https:// are sent to");
    return {};
  }

 private:
  static std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

  Delivery deliver(const Item& item) override {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, item.json.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(item.json.size()));
    const CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) return {Outcome::Retry, curl_easy_strerror(rc)};
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) return {Outcome::Sent, {}};
    const std::string why = fmt::format("HTTP {}", code);
    if (code == 408 || code == 429 || code >= 500) return {Outcome::Retry, why};
    return {Outcome::Reject, why};
  }

  WebhookOptions options_;
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
};

class SyslogOut final : public Destination {
 public:
  SyslogOut(const SyslogForwardOptions& o, bool udp, std::string host, std::string port,
            std::size_t max_queue, Forwarder::NoteFn note)
      : Destination("syslog " + o.address, max_queue, std::move(note)),
        options_(o),
        udp_(udp),
        host_(std::move(host)),
        port_(std::move(port)),
        hostname_(o.hostname.empty() ? this_host() : o.hostname) {}
  ~SyslogOut() override { reset(); }

  // Resolves the address now, so a name that does not resolve is said at the start.
  std::expected<void, std::string> init() {
    addrinfo* res = nullptr;
    if (const int rc = resolve(&res); rc != 0)
      return std::unexpected("syslog '" + options_.address + "': " + ::gai_strerror(rc));
    ::freeaddrinfo(res);
    return {};
  }

 private:
  int resolve(addrinfo** res) const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = udp_ ? SOCK_DGRAM : SOCK_STREAM;
    return ::getaddrinfo(host_.c_str(), port_.c_str(), &hints, res);
  }

  void reset() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // A socket connected to the collector (UDP too, so its errors come back), or why not.
  std::string connect() {
    addrinfo* res = nullptr;
    if (const int rc = resolve(&res); rc != 0) return ::gai_strerror(rc);
    std::string why = "no address";
    for (addrinfo* ai = res; ai && fd_ < 0; ai = ai->ai_next) {
      const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) {
        why = std::strerror(errno);
        continue;
      }
      timeval tv{options_.timeout_ms / 1000, (options_.timeout_ms % 1000) * 1000};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        why = std::strerror(errno);
        ::close(fd);
        continue;
      }
      fd_ = fd;
    }
    ::freeaddrinfo(res);
    return fd_ >= 0 ? std::string() : why;
  }

  Delivery deliver(const Item& item) override {
    std::string msg =
        syslog_message(item.json, item.level, options_.facility, hostname_, wall_ns());
    if (udp_ && msg.size() > kMaxDatagram)
      return {Outcome::Reject,
              fmt::format("a detection of {} bytes does not fit a UDP datagram (use tcp://)",
                          msg.size())};
    if (fd_ < 0)
      if (std::string why = connect(); !why.empty()) return {Outcome::Retry, "connect: " + why};
    if (!udp_) msg = fmt::format("{} {}", msg.size(), msg);  // RFC 6587 octet counting
    std::size_t off = 0;
    while (off < msg.size()) {
      const ssize_t n = ::send(fd_, msg.data() + off, msg.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        // A partly sent frame cannot be finished on a new connection: the whole message goes again
        // there, and the collector drops the broken frame with the old connection.
        return {Outcome::Retry, std::string("send: ") + std::strerror(errno)};
      }
      off += static_cast<std::size_t>(n);
    }
    return {Outcome::Sent, {}};
  }

  SyslogForwardOptions options_;
  bool udp_;
  std::string host_, port_, hostname_;
  int fd_ = -1;
};

}  // namespace

Forwarder::Forwarder(NoteFn note, std::size_t max_queue)
    : note_(note ? std::move(note) : NoteFn([](const std::string&) {})),
      max_queue_(std::max<std::size_t>(max_queue, 1)) {}

Forwarder::~Forwarder() {
  close(0);
}

std::expected<void, std::string> Forwarder::add_webhook(const WebhookOptions& o) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK)
    return std::unexpected(std::string("libcurl: ") + curl_easy_strerror(global));
  auto w = std::make_unique<Webhook>(o, max_queue_, note_);
  if (auto ok = w->init(); !ok) return std::unexpected(ok.error());
  w->start();
  destinations_.push_back(std::move(w));
  return {};
}

std::expected<void, std::string> Forwarder::add_syslog(const SyslogForwardOptions& o) {
  const std::string_view a = o.address;
  bool udp;
  if (a.starts_with("udp://"))
    udp = true;
  else if (a.starts_with("tcp://"))
    udp = false;
  else
    return std::unexpected("syslog forwarding '" + o.address +
                           "': expected udp://HOST:PORT or tcp://HOST:PORT");
  auto parts = split_address(std::string(a.substr(6)));
  if (!parts) return std::unexpected("syslog forwarding '" + o.address + "': " + parts.error());
  auto s = std::make_unique<SyslogOut>(o, udp, parts->first, parts->second, max_queue_, note_);
  if (auto ok = s->init(); !ok) return std::unexpected(ok.error());
  s->start();
  destinations_.push_back(std::move(s));
  return {};
}

void Forwarder::push(const std::string& json, Level level) {
  for (auto& d : destinations_) d->push(json, level);
}

void Forwarder::close(int drain_ms) {
  // Every destination drains at once: the deadline is shared, not summed.
  std::vector<std::thread> closing;
  for (auto& d : destinations_) closing.emplace_back([&d, drain_ms] { d->close(drain_ms); });
  for (auto& t : closing) t.join();
}

std::vector<std::pair<std::string, const ForwardCounters*>> Forwarder::counters() const {
  std::vector<std::pair<std::string, const ForwardCounters*>> out;
  for (const auto& d : destinations_) out.emplace_back(d->name(), &d->counters());
  return out;
}

std::string Forwarder::render() const {
  std::string out;
  const auto metric = [&](const char* name, const char* type, const char* help, auto get) {
    if (destinations_.empty()) return;
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& d : destinations_)
      fmt::format_to(std::back_inserter(out), "{}{{destination=\"{}\"}} {}\n", name,
                     prometheus_label(d->name()), get(d->counters()));
  };
  metric("tansa_watch_forward_sent_total", "counter", "Detections delivered to the destination.",
         [](const ForwardCounters& c) { return c.sent.load(); });
  metric("tansa_watch_forward_retries_total", "counter",
         "Failed deliveries tried again after a backoff.",
         [](const ForwardCounters& c) { return c.retries.load(); });
  metric("tansa_watch_forward_dropped_total", "counter",
         "Detections not sent because the destination's queue was full or tansa stopped first.",
         [](const ForwardCounters& c) { return c.dropped.load(); });
  metric("tansa_watch_forward_rejected_total", "counter",
         "Detections the destination refused for good (HTTP 4xx, too long for UDP).",
         [](const ForwardCounters& c) { return c.rejected.load(); });
  metric("tansa_watch_forward_queue_depth", "gauge", "Detections waiting to be sent.",
         [](const ForwardCounters& c) { return c.queued.load(); });
  return out;
}

std::vector<std::string> Forwarder::summary() const {
  std::vector<std::string> out;
  for (const auto& d : destinations_) {
    const ForwardCounters& c = d->counters();
    out.push_back(fmt::format("{}: {} sent, {} retries, {} dropped, {} rejected", d->name(),
                              c.sent.load(), c.retries.load(), c.dropped.load(),
                              c.rejected.load()));
  }
  return out;
}

}  // namespace tansa::watch
