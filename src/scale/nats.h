// A NATS connection with its JetStream context, and the one stream tansa uses. Every libnats call's
// status is checked here; failures come back as std::expected errors naming the call and the
// server's reason, never as empty answers.
//
//   auto c = Nats::connect("nats://a:4222,nats://b:4222");   // reconnects by itself afterwards
//   auto p = c->ensure_stream({"TANSA_RAW", 8, 3});          // creates it or checks it: partitions
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

namespace tansa::scale {

// libnats status (and JetStream error code) as text.
[[nodiscard]] std::string nats_error(const char* what, natsStatus s, jsErrCode code = jsErrCode(0));

// Whether creating a stream that failed with (s, code), `waited` after the first try, is tried
// again. A cluster electing a leader (a node just lost) answers late or not at all: a minute. One
// still forming knows too few peers to place the replicas asked for (JetStream error 10005, "no
// suitable peers for placement"): 20 seconds, since a cluster smaller than the replicas for good
// is the operator's to fix and is said soon.
[[nodiscard]] bool stream_creation_retried(natsStatus s, jsErrCode code,
                                           std::chrono::steady_clock::duration waited);

struct StreamSpec {
  std::string name;
  unsigned partitions = 8;  // used when the stream is created; an existing one's count wins
  int replicas = 1;
};

class Nats {
 public:
  // `urls`: comma-separated server URLs (every node of a cluster, so a lost node is survived).
  // Reconnects without limit afterwards; calls fail while disconnected.
  [[nodiscard]] static std::expected<std::unique_ptr<Nats>, std::string> connect(
      const std::string& urls);
  ~Nats();
  Nats(const Nats&) = delete;
  Nats& operator=(const Nats&) = delete;

  // The raw-event stream: created (subjects tansa.part.<p>.* for each partition p, file storage,
  // `replicas`, a duplicate window for Nats-Msg-Id) when missing. Returns its partition count.
  // A cluster electing a leader or still forming is waited for (stream_creation_retried).
  [[nodiscard]] std::expected<unsigned, std::string> ensure_stream(const StreamSpec& spec);
  // The stream's first sequence still stored (older ones were removed by its limits).
  [[nodiscard]] std::expected<std::uint64_t, std::string> first_sequence(const std::string& stream);

  [[nodiscard]] natsConnection* connection() const { return nc_; }
  [[nodiscard]] jsCtx* js() const { return js_; }

 private:
  Nats() = default;
  // One try; a failure's status and JetStream code in `s` and `code`.
  std::expected<unsigned, std::string> ensure_stream_once(const StreamSpec& spec, natsStatus& s,
                                                          jsErrCode& code);
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

// A message list freed on scope exit.
struct MsgList {
  natsMsgList list{};
  ~MsgList() { natsMsgList_Destroy(&list); }
};

}  // namespace tansa::scale
