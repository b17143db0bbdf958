// `tansa dump`: EVTX records as JSON lines in evtx_dump's shape, in file order.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "evtx/reader.h"

namespace tansa::cli {

namespace {

namespace fs = std::filesystem;

bool has_evtx_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".evtx";
}

// Files as given; folders walked recursively for *.evtx, sorted so output is reproducible.
std::vector<std::string> expand(const std::vector<std::string>& inputs, int& problems) {
  std::vector<std::string> out;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code ec2;
        if (it->is_regular_file(ec2) && has_evtx_extension(it->path()))
          found.push_back(it->path().string());
      }
      if (ec) {
        std::fprintf(stderr, "%s: %s\n", in.c_str(), ec.message().c_str());
        ++problems;
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(in, ec)) {
      out.push_back(in);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", in.c_str());
      ++problems;
    }
  }
  return out;
}

struct Options {
  std::vector<std::string> inputs;
  unsigned threads = 0;
  std::string output;
};

int run(const Options& opt) {
  int problems = 0;
  const std::vector<std::string> files = expand(opt.inputs, problems);
  int fd = STDOUT_FILENO;
  if (!opt.output.empty() && opt.output != "-") {
    fd = ::open(opt.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::perror(opt.output.c_str());
      return 2;
    }
  }

  std::mutex diag_mu;
  evtx::ReadCallbacks cb;
  bool write_failed = false;
  // The reader hands over a whole chunk's lines at a time (tens of KiB): write them straight to
  // the descriptor, no stdio copy.
  cb.on_json = [&](std::string_view lines) {
    while (!lines.empty() && !write_failed) {
      const ssize_t n = ::write(fd, lines.data(), lines.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        write_failed = true;
        break;
      }
      lines.remove_prefix(static_cast<std::size_t>(n));
    }
  };
  cb.on_diagnostic = [&](const Diagnostic& d) {
    std::lock_guard lock(diag_mu);
    std::fprintf(stderr, "%s\n", to_string(d).c_str());
  };
  evtx::ReadOptions ro;
  ro.threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::size_t read = 0;
  for (std::size_t i = 0; i < files.size() && !write_failed; ++i) {
    ro.file_index = static_cast<std::uint32_t>(i);
    auto stats = evtx::read_file(files[i], ro, cb);
    if (!stats) {
      std::fprintf(stderr, "%s: %s\n", files[i].c_str(), stats.error().c_str());
      continue;
    }
    ++read;
  }
  if (fd != STDOUT_FILENO && ::close(fd) != 0) write_failed = true;
  if (write_failed) {
    std::fprintf(stderr, "tansa dump: write error\n");
    return 1;
  }
  return read > 0 ? 0 : 1;
}

}  // namespace

void add_dump_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("dump", "Write EVTX records as JSON lines, in evtx_dump's shape");
  cmd->add_option("inputs", opt->inputs, "EVTX files or folders (searched recursively for *.evtx)")
      ->required();
  cmd->add_option("--threads", opt->threads, "Decoding threads (default: all cores)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("-o,--output", opt->output, "Write JSON lines to this file instead of stdout");
  cmd->callback([&status, opt] { status = run(*opt); });
}

}  // namespace tansa::cli
