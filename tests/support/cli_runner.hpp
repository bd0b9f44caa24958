// Runs the real `outpost` binary (OUTPOST_CLI_PATH) against a device home in
// a temp dir, as a user would, capturing exit code, stdout and stderr.
#pragma once

#include <string>

#include "test_support.hpp"

namespace outpost::test {

struct Cli {
  TempDir dir;
  fs::path home = dir / "home";
  std::string env;  // prefixed to the command, e.g. "OUTPOST_PASSPHRASE=x "

  struct Output {
    int code;
    std::string out;
    std::string err;
  };

  Output operator()(const std::string& args) const {
    Output o{};
    o.code = run(env + "'" OUTPOST_CLI_PATH "' --quiet --home '" + home.string() + "' " + args, &o.out, &o.err);
    return o;
  }

  // Writes data to a file in the temp dir and returns its path.
  fs::path file(const std::string& name, ByteView data) const {
    const fs::path p = dir / name;
    write_file(p, data);
    return p;
  }
};

}  // namespace outpost::test
