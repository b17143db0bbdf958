// Replays fixed inputs through a fuzz target, once each, in a fixed order: the deterministic half of
// fuzzing (the OSS-Fuzz practice of re2, simdjson and vectorscan). The test build links every fuzz
// target with this main instead of libFuzzer, and CTest runs it over the target's seeds
// (fuzz/seeds/<target>) and regression inputs (fuzz/regressions/<target>), so CI says the same
// thing on every run of the same commit. Discovery is scripts/fuzz.sh, with libFuzzer.
//
//   replay [-rss_limit_mb=N] [-timeout=S] PATH...
//
// PATH is a file or a folder (every regular file under it, in name order). Fails, naming the input,
// when the target crashes (the sanitizers abort), runs longer than S seconds on one input, or the
// process's peak resident memory passes N MiB. Prints one line per target with the count replayed
// and the peak memory.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

// A small quarantine keeps AddressSanitizer's own holding of freed memory from dominating the peak
// that -rss_limit_mb checks.
extern "C" __attribute__((used)) const char* __asan_default_options() {
  return "quarantine_size_mb=16:detect_leaks=1";
}

namespace {

const char* g_current = "";

void on_alarm(int) {
  // Only async-signal-safe calls here.
  const char msg[] = "replay: timeout on ";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)!::write(2, g_current, std::strlen(g_current));
  (void)!::write(2, "\n", 1);
  ::_exit(70);
}

long peak_rss_mb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;  // kilobytes on Linux
}

bool parse_flag(const char* arg, const char* name, long& value) {
  const std::size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0) return false;
  value = std::strtol(arg + n, nullptr, 10);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  long rss_limit_mb = 512, timeout_s = 60;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (parse_flag(argv[i], "-rss_limit_mb=", rss_limit_mb) ||
        parse_flag(argv[i], "-timeout=", timeout_s))
      continue;
    std::error_code ec;
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p, ec))
        if (e.is_regular_file()) files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(p, ec)) {
      inputs.push_back(p.string());
    } else {
      std::fprintf(stderr, "replay: %s: no such file or folder\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 2;
  }
  ::signal(SIGALRM, on_alarm);
  for (const std::string& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    g_current = path.c_str();
    ::alarm(static_cast<unsigned>(timeout_s));
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ::alarm(0);
    if (const long mb = peak_rss_mb(); mb > rss_limit_mb) {
      std::fprintf(stderr, "replay: peak memory %ld MiB passed the limit of %ld MiB on %s\n", mb,
                   rss_limit_mb, path.c_str());
      return 71;
    }
  }
  std::printf("replay: %zu inputs, no crash, no timeout, peak memory %ld MiB (limit %ld)\n",
              inputs.size(), peak_rss_mb(), rss_limit_mb);
  return 0;
}
