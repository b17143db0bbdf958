#include "scale/nats.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>
#include <vector>

#include "scale/subject.h"

namespace tansa::scale {

std::string nats_error(const char* what, natsStatus s, jsErrCode code) {
  std::string out = fmt::format("{}: {}", what, natsStatus_GetText(s));
  const char* last = nats_GetLastError(nullptr);
  if (last && *last && std::string_view(last) != natsStatus_GetText(s))
    out += fmt::format(" ({})", last);
  if (code != 0) out += fmt::format(" [JetStream error {}]", static_cast<int>(code));
  return out;
}

std::expected<std::unique_ptr<Nats>, std::string> Nats::connect(const std::string& urls) {
  std::unique_ptr<Nats> n(new Nats());
  natsOptions* o = nullptr;
  natsStatus s = natsOptions_Create(&o);
  // Every node of a cluster, so the client reconnects to another when one is lost.
  std::vector<std::string> list;
  for (std::size_t at = 0; at <= urls.size();) {
    std::size_t comma = urls.find(',', at);
    if (comma == std::string::npos) comma = urls.size();
    std::string u = urls.substr(at, comma - at);
    while (!u.empty() && u.front() == ' ') u.erase(0, 1);
    while (!u.empty() && u.back() == ' ') u.pop_back();
    if (!u.empty()) list.push_back(u);
    at = comma + 1;
  }
  if (list.empty()) return std::unexpected("no NATS server URL given");
  std::vector<const char*> servers;
  for (const auto& u : list) servers.push_back(u.c_str());
  if (s == NATS_OK) s = natsOptions_SetServers(o, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(o, false);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 250);
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, 5000);
  if (s == NATS_OK) s = natsOptions_SetName(o, "tansa");
  // Messages published while reconnecting are buffered up to this many bytes, then refused.
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(o, 32 << 20);
  if (s == NATS_OK) s = natsConnection_Connect(&n->nc_, o);
  natsOptions_Destroy(o);
  if (s != NATS_OK) return std::unexpected(nats_error(("cannot connect to " + urls).c_str(), s));
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 5000;
  s = natsConnection_JetStream(&n->js_, n->nc_, &jo);
  if (s != NATS_OK) return std::unexpected(nats_error("JetStream", s));
  return n;
}

Nats::~Nats() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) {
    natsConnection_FlushTimeout(nc_, 2000);
    natsConnection_Destroy(nc_);
  }
}

bool stream_creation_retried(natsStatus s, jsErrCode code,
                             std::chrono::steady_clock::duration waited) {
  if (s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS) return waited < std::chrono::seconds(60);
  if (code == JSClusterNoPeersErr) return waited < std::chrono::seconds(20);
  return false;
}

std::expected<unsigned, std::string> Nats::ensure_stream(const StreamSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    natsStatus s = NATS_OK;
    jsErrCode code = jsErrCode(0);
    auto r = ensure_stream_once(spec, s, code);
    if (r || !stream_creation_retried(s, code, std::chrono::steady_clock::now() - start)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::expected<unsigned, std::string> Nats::ensure_stream_once(const StreamSpec& spec, natsStatus& s,
                                                              jsErrCode& code) {
  jsStreamInfo* si = nullptr;
  s = js_GetStreamInfo(&si, js_, spec.name.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    const char* d = si->Config && si->Config->Description ? si->Config->Description : "";
    const unsigned p = partitions_of_description(d);
    jsStreamInfo_Destroy(si);
    if (p == 0)
      return std::unexpected(fmt::format(
          "stream {} exists but was not made by tansa (its description names no partition count)",
          spec.name));
    return p;
  }
  if (s != NATS_NOT_FOUND && code != JSStreamNotFoundErr)
    return std::unexpected(nats_error(("stream " + spec.name).c_str(), s, code));
  // Exactly the partitions' subjects: a server mapping more partitions than the stream has is
  // refused at publish ("no responders") instead of storing events no worker consumes.
  std::vector<std::string> filters;
  std::vector<const char*> subjects;
  for (unsigned p = 0; p < spec.partitions; ++p) filters.push_back(partition_filter(p));
  for (const auto& f : filters) subjects.push_back(f.c_str());
  const std::string description = stream_description(spec.partitions);
  jsStreamConfig c;
  jsStreamConfig_Init(&c);
  c.Name = spec.name.c_str();
  c.Description = description.c_str();
  c.Subjects = subjects.data();
  c.SubjectsLen = static_cast<int>(subjects.size());
  c.Storage = js_FileStorage;
  c.Replicas = spec.replicas;
  c.Duplicates = 10LL * 60 * 1'000'000'000;  // a publisher's retry within 10 minutes is dropped
  s = js_AddStream(&si, js_, &c, nullptr, &code);
  if (s != NATS_OK) {
    // Another publisher or worker made it in the meantime: use theirs.
    if (code == JSStreamNameExistErr) return ensure_stream_once(spec, s, code);
    return std::unexpected(nats_error(("cannot create stream " + spec.name).c_str(), s, code));
  }
  jsStreamInfo_Destroy(si);
  return spec.partitions;
}

std::expected<std::uint64_t, std::string> Nats::first_sequence(const std::string& stream) {
  jsStreamInfo* si = nullptr;
  jsErrCode code = jsErrCode(0);
  const natsStatus s = js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, &code);
  if (s != NATS_OK) return std::unexpected(nats_error(("stream " + stream).c_str(), s, code));
  const std::uint64_t first = si->State.FirstSeq;
  jsStreamInfo_Destroy(si);
  return first;
}

}  // namespace tansa::scale
