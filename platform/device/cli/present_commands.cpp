#include "present_commands.hpp"

#include <unistd.h>

#include <charconv>
#include <iostream>
#include <sstream>

#include "outpost/device/presentation.hpp"

namespace outpost::cli {

namespace {

using nlohmann::json;

std::string format_duration(std::uint64_t ms) {
  const std::uint64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + " s";
  return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
}

// One line of the interactive presenter: Enter or n (next), p (previous),
// a page number, q (end). nullopt ends the presentation.
std::optional<std::uint64_t> next_page(const std::string& line, std::uint64_t current, const Context& ctx) {
  if (line.empty() || line == "n") return current + 1;
  if (line == "p") return current > 1 ? current - 1 : 1;
  if (line == "q") return std::nullopt;
  std::uint64_t page = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), page);
  if (ec != std::errc() || end != line.data() + line.size() || page == 0) {
    std::cerr << ctx.program << ": '" << line << "' is not a command (Enter or n: next, p: previous, N: page N, q: end)\n";
    return current;
  }
  return page;
}

void add_present(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("present", "Present an asset to a client, recording each page shown");
  cmd->footer(
      "Opens the asset through the version gate (exit 3 when blocked, as for open) and records the\n"
      "presentation: start, every page with the time it was on screen, and the end. Marketing sees\n"
      "this as time presented per asset and version (outpost-hub report usage).\n"
      "Without --pages it is interactive, one command per line on standard input: Enter or n for\n"
      "the next page, p for the previous one, a number to jump there, q (or end of input) to end.\n"
      "With --pages N it records pages 1 to N in order; add --dwell SECONDS to log a presentation\n"
      "given from a printout, with that much time per page instead of the time measured.\n"
      "Examples: outpost present pricing-deck --out /tmp/deck.pdf      (then page through it)\n"
      "          outpost present pricing-deck --pages 12 --dwell 40");
  struct Args {
    std::string selector, out;
    std::uint64_t pages = 0;
    std::uint64_t dwell_s = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("ID[@N]", a->selector, "Asset id, optionally with @version")->required();
  cmd->add_option("--pages", a->pages, "Record pages 1 to N in order (no prompts)")->check(CLI::Range(1, 10'000));
  auto* dwell = cmd->add_option("--dwell", a->dwell_s, "With --pages: seconds each page was shown")
                    ->check(CLI::Range(1, 86'400));
  cmd->add_option("--out", a->out, "Also write the content to this file, for a viewer");
  cmd->callback([&ctx, a, dwell] {
    if (dwell->count() > 0 && a->pages == 0) ctx.usage("--dwell needs --pages");
    const cache::AssetSelector sel = ctx.take(cache::parse_selector(a->selector));
    auto home = ctx.open_home();
    ManualClock logged_clock(ctx.clock.now());
    const Clock& clock = a->dwell_s > 0 ? static_cast<const Clock&>(logged_clock) : ctx.clock;
    auto started = ctx.take(device::Presentation::start(*home, clock, ctx.random, sel.asset, sel.version));
    report_decision(ctx, started.decision);
    device::Presentation& p = *started.presentation;
    if (!a->out.empty()) write_content(ctx, p.reader(), a->out);

    if (a->pages > 0) {
      for (std::uint64_t page = 1; page <= a->pages; ++page) {
        if (page > 1) logged_clock.advance(std::chrono::seconds(a->dwell_s));
        ctx.check(p.show_page(page));
      }
      logged_clock.advance(std::chrono::seconds(a->dwell_s));
    } else {
      const bool prompt = ::isatty(STDIN_FILENO) == 1 && !ctx.json;
      ctx.check(p.show_page(1));
      std::string line;
      while (true) {
        if (prompt) std::cerr << "page " << p.current_page() << "  [Enter/n next, p previous, N go to, q end] " << std::flush;
        if (!std::getline(std::cin, line)) break;
        const auto page = next_page(line, p.current_page(), ctx);
        if (!page) break;
        ctx.check(p.show_page(*page));
      }
    }
    const device::PresentationSummary s = ctx.take(p.end());
    json doc = presentation_json(s);
    doc["decision"] = decision_json(started.decision);
    ctx.print(doc,
              "presented " + s.asset + "@" + std::to_string(s.version) + ": " + std::to_string(s.pages) +
                  " page view(s) in " + format_duration(s.duration_ms));
  });
}

void add_pin(CLI::App& app, Context& ctx, bool pin) {
  auto* cmd = app.add_subcommand(pin ? "pin" : "unpin", pin ? "Keep an asset on this device for offline use (always its current version)"
                                                            : "Stop keeping an asset for offline use");
  if (pin) {
    cmd->footer("A pinned asset is fetched first at every sync, even when it is downloaded on demand only,\n"
                "and its current version is never evicted; when marketing replaces it, the new version\n"
                "takes its place. Without ID: list the pinned assets.\n"
                "Examples: outpost pin product-video      outpost pin");
  } else {
    cmd->footer("Its versions may be evicted again to make room. Example: outpost unpin product-video");
  }
  auto asset = std::make_shared<std::string>();
  auto* id = cmd->add_option("ID", *asset, "Asset id");
  if (!pin) id->required();
  cmd->callback([&ctx, asset, pin] {
    auto home = ctx.open_home();
    if (asset->empty()) {
      json doc = json::array();
      std::ostringstream text;
      for (const std::string& a : home->cache().pinned_assets()) {
        const gate::Decision d = home->peek(a);
        doc.push_back({{"asset", a}, {"decision", decision_json(d)}});
        text << a << "  [" << (d.allowed ? std::string("available offline") : std::string(gate::reason_name(*d.reason)))
             << "]\n";
      }
      ctx.print(doc, text.str().empty() ? "no asset is pinned" : text.str());
      return;
    }
    if (pin && home->catalog().releases(*asset).empty()) {
      ctx.fail({Errc::not_found, "no asset '" + *asset + "' in the catalog (run outpost search to find its id)"});
    }
    ctx.check(home->cache().set_asset_pinned(*asset, pin));
    if (!pin) {
      ctx.print({{"asset", *asset}, {"pinned", false}}, "unpinned " + *asset);
      return;
    }
    const gate::Decision d = home->peek(*asset);
    std::string state;
    if (d.allowed) {
      state = "version " + std::to_string(*d.version) + " is on this device";
    } else if (d.reason == gate::BlockReason::not_downloaded) {
      state = "not on this device yet: the next sync fetches it";
    } else {
      state = "cannot be shown now: " + d.message;
    }
    ctx.print({{"asset", *asset}, {"pinned", true}, {"available_offline", d.allowed}, {"decision", decision_json(d)}},
              "pinned " + *asset + ": " + state);
  });
}

}  // namespace

void add_present_commands(CLI::App& app, Context& ctx) {
  add_present(app, ctx);
  add_pin(app, ctx, true);
  add_pin(app, ctx, false);
}

}  // namespace outpost::cli
