// How a command line reports: results as text or a --json document, errors as
// "<program>: <message>" on stderr (plus an error document with --json) and an
// exit code, progress bars on a terminal. Used from the main thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "outpost/base/status.hpp"

namespace CLI {
class App;
}

namespace outpost::cli {

// Thrown by a command to stop with an exit code after printing what it must;
// run_cli turns it into the process's exit code.
struct Exit {
  int code;
};

using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct Output {
  explicit Output(std::string program_name) : program(std::move(program_name)) {}

  std::string program;  // prefixes every error message
  bool json = false;    // --json
  bool quiet = false;   // --quiet: no progress bars
  // Set by a shell that can say more about a failure before it is printed
  // (which of its files is damaged); returns the status to report.
  std::function<Status(const Status&)> explain;

  // Prints "<program>: <error>" on stderr (and an error document on stdout
  // with --json), as explain() tells it if set, and exits with code 1.
  [[noreturn]] void fail(const Status& status) const;
  // A missing or malformed option: "<program>: <message>" and exit code 2.
  [[noreturn]] void usage(const std::string& message) const;
  template <class T>
  T take(Result<T> result) const {
    if (!result) fail(result.status());
    return std::move(result).value();
  }
  void check(const Status& status) const {
    if (!status) fail(status);
  }

  // Prints a JSON document (with --json) or the text.
  void print(const nlohmann::json& doc, const std::string& text) const;
  // A progress callback drawing a bar on stderr when it is a terminal (none
  // with --json or --quiet).
  ProgressFn progress(const std::string& label) const;
};

// Parses the command line, which runs the chosen command, and maps the
// outcome to the exit code: 0 done, the code of an Exit (1 failure), 2 usage
// error, 70 internal error (a bug); help prints and returns 0. A failure
// the libraries raise where the command did not expect one (a database
// found damaged mid-command, a full disk) is reported through out.fail()
// with its code (exit 1), not as an internal error.
int run_cli(CLI::App& app, int argc, char** argv, const Output& out);
int run_cli(CLI::App& app, int argc, char** argv, const std::string& program);

}  // namespace outpost::cli
