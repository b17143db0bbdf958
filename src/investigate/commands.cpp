#include "investigate/commands.h"

#include <algorithm>
#include <cctype>

#include "investigate/assets.h"
#include "tansa/net.h"

namespace tansa::investigate {

namespace {

constexpr std::size_t kMaxPaths = 64;
constexpr std::size_t kMaxDestinations = 16;
constexpr std::size_t kMaxCommand = 64 * 1024;  // longer command lines are read this far

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_sep(char c) { return c == '/' || c == '\\'; }

bool drive_path(std::string_view w) {
  return w.size() >= 3 && std::isalpha(static_cast<unsigned char>(w[0])) && w[1] == ':' &&
         is_sep(w[2]);
}

bool looks_like_path(std::string_view w) {
  if (w.empty() || w.find("://") != std::string_view::npos) return false;
  if (w[0] == '/' || w.starts_with("\\\\") || drive_path(w) || w.starts_with("./") ||
      w.starts_with("../") || w.starts_with("~/") || w.starts_with(".\\") || w == "." || w == "..")
    return true;
  // "designs/2024" or "SatelliteDesign\orbit": a separator inside a word that is not an option
  // or a remote spec (user@host:path).
  return w[0] != '-' && w.find(':') == std::string_view::npos &&
         std::any_of(w.begin(), w.end(), is_sep);
}

// Folds "." and ".." and repeated separators; keeps the path's own separator style and prefix.
std::string normalise(std::string_view p) {
  std::string prefix;
  char sep = p.find('\\') != std::string_view::npos && p.find('/') == std::string_view::npos ? '\\'
                                                                                            : '/';
  if (p.starts_with("\\\\")) {
    prefix = "\\\\";
    p.remove_prefix(2);
  } else if (drive_path(p)) {
    prefix = std::string(p.substr(0, 2)) + sep;
    p.remove_prefix(3);
  } else if (!p.empty() && is_sep(p[0])) {
    prefix = std::string(1, sep);
    p.remove_prefix(1);
  }
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = i;
    while (j < p.size() && !is_sep(p[j])) ++j;
    const std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (prefix.empty())
        parts.push_back(part);
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out = prefix;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out += sep;
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string base_name(const std::string& w) {
  std::string b = lower(w.substr(w.find_last_of("/\\") + 1));
  if (b.ends_with(".exe")) b.resize(b.size() - 4);
  return b;
}

// The index of the program in `words`, past wrappers (sudo -u root, env A=1, nohup, timeout 10,
// nice -n 5, cmd /c, powershell -c, bash -c) and their options.
std::size_t program_index(const std::vector<std::string>& words) {
  static const char* const kWrappers[] = {"sudo", "env", "nohup", "time", "nice", "ionice",
                                          "timeout", "cmd", "powershell", "pwsh", "bash", "sh",
                                          "stdbuf", "doas", "runuser"};
  static const char* const kValued[] = {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U",
                                        "-n", "-c", "-s"};
  std::size_t i = 0;
  while (i < words.size()) {
    const std::string b = base_name(words[i]);
    if (std::find(std::begin(kWrappers), std::end(kWrappers), b) == std::end(kWrappers)) break;
    const bool shell = b == "bash" || b == "sh" || b == "cmd" || b == "powershell" || b == "pwsh";
    ++i;
    while (i < words.size()) {
      const std::string& w = words[i];
      const std::string lw = lower(w);
      if (shell && (lw == "-c" || lw == "/c" || lw == "/k" || lw == "-command")) {
        ++i;  // the command follows
        break;
      }
      if (!w.empty() && (w[0] == '-' || (w[0] == '/' && w.size() == 2))) {
        const bool valued =
            !shell && std::find(std::begin(kValued), std::end(kValued), w) != std::end(kValued);
        i += valued ? 2 : 1;
      } else if (w.find('=') != std::string::npos || (b == "timeout" && !w.empty() &&
                                                      std::isdigit(static_cast<unsigned char>(w[0])))) {
        ++i;  // env's NAME=value, timeout's duration
      } else {
        break;
      }
    }
  }
  return i;
}

}  // namespace

std::vector<std::string> command_words(std::string_view command) {
  command = command.substr(0, kMaxCommand);
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : command) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

std::vector<std::string> command_paths(std::string_view command, std::string_view cwd) {
  std::vector<std::string> out;
  const auto words = command_words(command);
  const std::size_t program = program_index(words);
  // A program that reads files takes bare names as paths too ("tar -czf x.tgz designs").
  const bool reader = command_reads_files(command);
  for (std::size_t i = program + 1; i < words.size(); ++i) {
    std::string w = words[i];
    if (out.size() >= kMaxPaths) break;
    // --source=/data, -Path:C:\x, -DestinationPath=...
    if (!w.empty() && w[0] == '-') {
      const std::size_t eq = w.find_first_of("=:");
      if (eq == std::string::npos) continue;
      w = w.substr(eq + 1);
    }
    const bool bare = reader && !w.empty() && w[0] != '-' &&
                      w.find_first_of(":@=") == std::string::npos && !parse_ip(w);
    if (!looks_like_path(w) && !bare) continue;
    std::string p = w;
    if (p.starts_with("~/")) continue;  // a home folder we cannot resolve
    const bool absolute = p[0] == '/' || p.starts_with("\\\\") || drive_path(p);
    if (!absolute && cwd.starts_with("/")) p = std::string(cwd) + "/" + p;
    out.push_back(normalise(p));
  }
  return out;
}

std::vector<std::string> command_destinations(std::string_view command) {
  std::vector<std::string> out;
  auto add = [&](std::string host) {
    if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
    if (host.empty() || out.size() >= kMaxDestinations) return;
    if (std::find(out.begin(), out.end(), host) == out.end()) out.push_back(std::move(host));
  };
  const auto words = command_words(command);
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    if (!w.empty() && w[0] == '-') {
      const std::size_t eq = w.find_first_of("=");
      if (eq == std::string::npos) continue;
      w = w.substr(eq + 1);
    }
    // scheme://[user@]host[:port]/...
    if (const auto s = w.find("://"); s != std::string::npos && s > 0) {
      std::string rest = w.substr(s + 3);
      rest = rest.substr(0, rest.find_first_of("/?#"));
      if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
      if (!rest.starts_with("[")) rest = rest.substr(0, rest.find(':'));
      add(rest);
      continue;
    }
    // user@host:path (scp, rsync, sftp)
    if (const auto at = w.find('@'); at != std::string::npos && at > 0) {
      std::string rest = w.substr(at + 1);
      const auto colon = rest.find(':');
      if (colon != std::string::npos) {
        add(rest.substr(0, colon));
        continue;
      }
      if (i > 0) {
        const std::size_t pi = program_index(words);
        const std::string prog = pi < words.size() ? base_name(words[pi]) : "";
        if (prog == "ssh" || prog == "sftp" || prog == "ftp") add(rest);
      }
      continue;
    }
    // host:path for scp/rsync, a bare address anywhere, ftp/sftp/ssh host
    if (parse_ip(w)) {
      add(w);
      continue;
    }
    if (const auto colon = w.find(':');
        colon != std::string::npos && colon > 1 && parse_ip(w.substr(0, colon))) {
      add(w.substr(0, colon));
      continue;
    }
    if (i == 1 || (i > 1 && words[i - 1][0] != '-')) {
      const std::string prog =
          program_index(words) < words.size() ? base_name(words[program_index(words)]) : "";
      if ((prog == "ftp" || prog == "sftp" || prog == "ssh") && i == words.size() - 1 &&
          w.find('.') != std::string::npos && !looks_like_path(w))
        add(w);
    }
  }
  return out;
}

bool command_reads_files(std::string_view command) {
  static const char* const kReaders[] = {
      "tar",  "rsync", "scp",    "cp",     "7z",       "7za",   "7zr",    "zip",  "rar",
      "gzip", "bzip2", "xz",     "zstd",   "robocopy", "xcopy", "copy",   "rclone", "cat",
      "dd",   "base64", "openssl", "curl", "wget",     "sftp",  "ftp",    "mv",   "less",
      "more", "head",  "tail",   "split",  "cpio",     "pax",   "s3cmd",  "aws",  "azcopy",
      "gsutil", "megacmd", "mega-put", "winrar", "makecab", "certutil", "esentutl"};
  static const char* const kPowerShell[] = {"compress-archive", "copy-item", "get-content",
                                            "invoke-webrequest", "invoke-restmethod",
                                            "start-bitstransfer", "move-item"};
  const auto words = command_words(command);
  const std::size_t program = program_index(words);
  if (program >= words.size()) return false;
  const std::string b = base_name(words[program]);
  if (std::find(std::begin(kReaders), std::end(kReaders), b) != std::end(kReaders)) return true;
  for (std::size_t i = program; i < words.size(); ++i)
    for (const char* ps : kPowerShell)
      if (lower(words[i]) == ps) return true;
  return false;
}

bool path_reads(std::string_view glob, std::string_view path) {
  if (path.empty()) return false;
  if (glob_match(glob, path)) return true;
  // The folder the glob's files lie in: its literal part up to the last separator before the
  // first wildcard.
  const std::size_t wild = glob.find_first_of("*?[");
  std::string_view fixed = glob.substr(0, wild);
  if (wild != std::string_view::npos) {
    std::size_t k = fixed.size();
    while (k > 0 && !is_sep(fixed[k - 1])) --k;
    fixed = fixed.substr(0, k);
  }
  while (!fixed.empty() && is_sep(fixed.back())) fixed.remove_suffix(1);
  std::string f = lower(fixed), p = lower(path);
  for (char& c : f)
    if (c == '\\') c = '/';
  for (char& c : p)
    if (c == '\\') c = '/';
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (f.empty()) return false;
  // The path is that folder or one above it.
  return f == p || (f.starts_with(p) && (p == "/" || f[p.size()] == '/'));
}

}  // namespace tansa::investigate
