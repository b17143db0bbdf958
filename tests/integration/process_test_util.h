// Child processes and ports for the integration tests that start servers and workers themselves
// (NATS, PostgreSQL, tansa workers): each on 127.0.0.1, on a port the kernel chose, stopped by
// the PID the test started.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_util.h"

namespace tansa::testing {

// A port nothing listens on now (the kernel's choice, released for the server to take).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

// One child process, its standard output and error to a file, started in `cwd` when given,
// stopped by its PID (SIGKILL when the test ends without stopping it).
class Proc {
 public:
  Proc(const std::vector<std::string>& argv, const std::filesystem::path& err,
       const std::string& cwd = {})
      : err_(err) {
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 2);
      ::dup2(fd, 1);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Proc() { stop(SIGKILL); }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;
  // Sends `sig` and waits for the exit; returns the wait status.
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  // Waits for it to exit by itself; returns its exit code (-1: killed or still running).
  int wait(int seconds) {
    for (int i = 0; i < seconds * 20 && pid_ > 0; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  [[nodiscard]] bool alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }
  [[nodiscard]] std::string err() const { return slurp(err_); }

 private:
  std::filesystem::path err_;
  pid_t pid_ = -1;
};

// Whether `ok` held within `seconds` (asked every 100 ms).
inline bool wait_until(int seconds, const std::function<bool()>& ok) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace tansa::testing
