// What a command line the intruder ran says about the data it touched and where it sent it: the
// paths it names (resolved against the working directory where that was logged) and the remote
// hosts it names (scp/rsync user@host:path, URLs of curl, wget, rclone, PowerShell web clients,
// ftp/sftp/ssh arguments). Pure functions of text: the analysis decides what they mean.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tansa::investigate {

// Words as a shell splits them: whitespace separates, '...' and "..." quote (backslashes stay, so
// Windows paths survive).
[[nodiscard]] std::vector<std::string> command_words(std::string_view command);

// The local or UNC paths a command names: words (or the value of --opt=value, or -Path:value)
// that look like a path, relative ones resolved against `cwd` when it is an absolute POSIX path,
// "." and ".." folded, without a trailing separator. At most 64.
[[nodiscard]] std::vector<std::string> command_paths(std::string_view command,
                                                     std::string_view cwd);

// The remote hosts (addresses or names) a command names: user@host:path, scheme://host/...,
// and the host argument of ftp, sftp, ssh, scp. At most 16.
[[nodiscard]] std::vector<std::string> command_destinations(std::string_view command);

// Whether the command copies, archives, sends or prints file contents (tar, rsync, scp, cp, 7z,
// zip, robocopy, xcopy, rclone, cat, Compress-Archive, Copy-Item, Get-Content ...), directly or
// behind sudo, env, nohup, time, cmd /c or powershell -c. Listing a folder is not reading it.
[[nodiscard]] bool command_reads_files(std::string_view command);

// Whether reading `path` reads something `glob` (an asset's path glob) matches: the path matches
// the glob, or it is the folder the glob's files lie in or one above it (tar -czf x.tgz /data
// reads /data/designs/**). Case-insensitive; / and \ are both separators.
[[nodiscard]] bool path_reads(std::string_view glob, std::string_view path);

}  // namespace tansa::investigate
