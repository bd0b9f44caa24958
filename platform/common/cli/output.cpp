#include "outpost/cli/output.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "outpost/base/guard.hpp"
#include "outpost/cli/text.hpp"

namespace outpost::cli {

void Output::fail(const Status& reported) const {
  const Status status = explain ? explain(reported) : reported;
  if (json) {
    std::cout << nlohmann::json{{"error", {{"code", std::string(errc_name(status.code()))}, {"message", status.message()}}}}
              << "\n";
  }
  std::cerr << program << ": " << status.to_string() << "\n";
  throw Exit{1};
}

void Output::usage(const std::string& message) const {
  std::cerr << program << ": " << message << "\n";
  throw Exit{2};
}

void Output::print(const nlohmann::json& doc, const std::string& text) const {
  if (json) {
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (!text.empty()) {
    std::cout << text << (text.back() == '\n' ? "" : "\n");
  }
}

ProgressFn Output::progress(const std::string& label) const {
  if (json || quiet || !::isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<int>(-1);
  return [label, last](std::uint64_t done, std::uint64_t total) {
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : -1;
    if (percent == *last && percent >= 0) return;
    *last = percent;
    constexpr int width = 30;
    std::string bar;
    if (percent >= 0) {
      const int filled = percent * width / 100;
      bar = "[" + std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), ' ') +
            "] " + std::to_string(percent) + "% ";
    }
    std::fprintf(stderr, "\r%s %s%s / %s  ", label.c_str(), bar.c_str(), format_size(done).c_str(),
                 total > 0 ? format_size(total).c_str() : "?");
    if (total > 0 && done >= total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

int run_cli(CLI::App& app, int argc, char** argv, const Output& out) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const Exit& e) {
    return e.code;
  } catch (const std::exception& e) {
    std::optional<Status> failure;
    try {
      failure = status_from_current_exception();
    } catch (...) {  // NOLINT(bugprone-empty-catch): not a failure the libraries report - a bug, below
    }
    if (!failure) {
      std::cerr << out.program << ": internal error: " << e.what() << "\n";
      return 70;
    }
    try {
      out.fail(*failure);
    } catch (const Exit& exit) {
      return exit.code;
    }
  }
  return 0;
}

int run_cli(CLI::App& app, int argc, char** argv, const std::string& program) {
  return run_cli(app, argc, argv, Output(program));
}

}  // namespace outpost::cli
