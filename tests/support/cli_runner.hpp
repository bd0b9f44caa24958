// Runs the real binaries (outpost, outpost-hub; their paths come from the
// test target's OUTPOST_*_PATH definitions) against a home, as a user
// would, capturing exit code, stdout and stderr. Cli is the `outpost`
// binary over a device home in a temp dir of its own.
#pragma once

#include <string>

#include "test_support.hpp"

namespace outpost::test {

struct CliOutput {
  int code;
  std::string out;
  std::string err;
};

// Runs `COMMAND --home 'HOME' ARGS` through the shell. command is the shell
// text up to the home: the binary, quoted, with anything that must come
// before it or between it and --home, e.g. "'" OUTPOST_HUB_PATH "'" or
// "OUTPOST_PASSPHRASE=x '" OUTPOST_CLI_PATH "' --quiet".
inline CliOutput run_cli(const std::string& command, const fs::path& home, const std::string& args) {
  CliOutput o{};
  o.code = run(command + " --home '" + home.string() + "' " + args, &o.out, &o.err);
  return o;
}

#ifdef OUTPOST_CLI_PATH  // only in targets that build against the device binary
struct Cli {
  using Output = CliOutput;

  TempDir dir;
  fs::path home = dir / "home";
  std::string env;  // prefixed to the command, e.g. "OUTPOST_PASSPHRASE=x "

  Output operator()(const std::string& args) const {
    return run_cli(env + "'" OUTPOST_CLI_PATH "' --quiet", home, args);
  }

  // Writes data to a file in the temp dir and returns its path.
  fs::path file(const std::string& name, ByteView data) const {
    const fs::path p = dir / name;
    write_file(p, data);
    return p;
  }
};
#endif

}  // namespace outpost::test
