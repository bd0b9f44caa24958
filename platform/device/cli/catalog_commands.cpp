#include "catalog_commands.hpp"


#include <iostream>
#include <sstream>

#include "outpost/base/guard.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/sync/bundle.hpp"
#include "outpost/sync/device_sync.hpp"

namespace outpost::cli {

namespace {

using nlohmann::json;

void add_pin_root(CLI::App& cat, Context& ctx) {
  auto* cmd = cat.add_subcommand("pin-root", "Trust an organisation's root key (once, at enrollment)");
  cmd->footer("Example: outpost catalog pin-root 3b6a27bc...  (64 hex characters)");
  auto key = std::make_shared<std::string>();
  cmd->add_option("KEY", *key, "Root public key, hex")->required();
  cmd->callback([&ctx, key] {
    auto root = crypto::PublicKey::from_hex(*key);
    if (!root) ctx.fail({Errc::invalid_argument, "the root key must be 64 hex characters"});
    auto home = ctx.open_home();
    ctx.check(home->pin_root(*root));
    ctx.print({{"root", root->hex()}}, "pinned root key " + root->hex());
  });
}

void add_apply(CLI::App& cat, Context& ctx) {
  auto* cmd = cat.add_subcommand("apply", "Apply a catalog update from a file (for devices with no network)");
  cmd->footer("The file is an offline bundle (outpost-hub bundle export: catalog and content) or a bare\n"
              "catalog delta (docs/protocol.md). Nothing is kept unless its signature, version, digest or\n"
              "hash checks out. Example: outpost catalog apply kiosk-bundle.opb");
  auto file = std::make_shared<std::string>();
  cmd->add_option("BUNDLE", *file, "Catalog update file")->required();
  cmd->callback([&ctx, file] {
    if (sync::is_bundle(*file)) {
      auto home = ctx.open_home();
      const sync::BundleSummary b = ctx.take(sync::apply_bundle(*home, *file, ctx.progress("applying")));
      ctx.print({{"catalog_seq", b.catalog_seq}, {"versions", b.versions}, {"chunks_stored", b.chunks}},
                "bundle applied: catalog seq " + std::to_string(b.catalog_seq) + ", " + std::to_string(b.versions) +
                    " version(s), " + std::to_string(b.chunks) + " new chunk(s) stored");
      return;
    }
    auto bytes = ctx.take(guarded([&]() -> Result<Bytes> { return storage::read_file(*file); }));
    auto delta = ctx.take(catalog::CatalogDelta::decode(bytes));
    auto home = ctx.open_home();
    const catalog::ApplyReport r = ctx.take(home->apply_catalog(delta));
    json revoked = json::array();
    for (const auto& ref : r.revoked) revoked.push_back(ref.to_string());
    std::ostringstream text;
    text << "catalog seq " << r.from_seq << " -> " << r.to_seq << ": " << r.releases << " release(s), "
         << r.revocations << " revocation(s)" << (r.trust_updated ? ", trust list updated" : "");
    for (const auto& ref : r.revoked) text << "\n  withdrawn and shredded: " << ref.to_string();
    ctx.print({{"from_seq", r.from_seq},
               {"to_seq", r.to_seq},
               {"releases", r.releases},
               {"revocations", r.revocations},
               {"revoked", revoked},
               {"trust_updated", r.trust_updated}},
              text.str());
  });
}

void add_show(CLI::App& cat, Context& ctx) {
  auto* cmd = cat.add_subcommand("show", "List the newest release of every asset, with the gate's decision");
  cmd->footer("Each line ends with ok or why the asset cannot be shown (withdrawn, expired,\n"
              "not_downloaded, ...). Example: outpost catalog show");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    json doc = json::array();
    std::ostringstream text;
    for (const catalog::Release& r : home->catalog().latest_releases()) {
      const gate::Decision d = home->peek(r.asset);
      json entry = release_json(r);
      entry["decision"] = decision_json(d);
      doc.push_back(entry);
      text << r.asset << "@" << r.version << "  " << r.title << "  ["
           << (d.allowed ? "ok" : std::string(gate::reason_name(*d.reason))) << "]\n";
    }
    ctx.print(doc, text.str().empty() ? "the catalog is empty" : text.str());
  });
}

void add_open(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("open", "Open an asset through the version gate");
  cmd->footer("Without @N: the newest version that may be shown. Exit 0 and the bytes (stdout or --out)\n"
              "when allowed; exit 3 and a one-line reason on stderr when blocked.\n"
              "Example: outpost open pricing-deck --out deck.pdf");
  auto selector = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("ID[@N]", *selector, "Asset id, optionally with @version")->required();
  cmd->add_option("--out", *out, "Write to this file instead of standard output");
  cmd->callback([&ctx, selector, out] {
    const cache::AssetSelector sel = ctx.take(cache::parse_selector(*selector));
    auto home = ctx.open_home();
    auto opened = ctx.take(home->open_asset(sel.asset, sel.version));
    const gate::Decision& d = opened.decision;
    report_decision(ctx, d);
    write_content(ctx, *opened.reader, *out);
    if (!out->empty()) {
      ctx.print(decision_json(d), "wrote " + d.asset + "@" + std::to_string(*d.version) + " to " + *out);
    }
  });
}

void add_search(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("search", "Find assets by words (prefixes match as you type) and facets");
  cmd->footer("Facets: kind, product, persona, stage, region, language. Each hit shows whether it may be\n"
              "opened. Example: outpost search \"pric eur\" --facet region=EMEA --facet kind=price-sheet");
  auto text = std::make_shared<std::string>();
  auto facets = std::make_shared<std::vector<std::string>>();
  auto limit = std::make_shared<std::size_t>(20);
  cmd->add_option("QUERY", *text, "Words to look for (may be empty with --facet)");
  cmd->add_option("--facet", *facets, "Filter as NAME=VALUE (repeatable)");
  cmd->add_option("--limit", *limit, "Number of results (default 20)")->check(CLI::Range(1, 1000));
  cmd->callback([&ctx, text, facets, limit] {
    search::Query query{*text, {}, *limit};
    for (const std::string& f : *facets) {
      const auto eq = f.find('=');
      if (eq == std::string::npos || eq == 0) ctx.fail({Errc::invalid_argument, "--facet wants NAME=VALUE, got '" + f + "'"});
      query.facets[f.substr(0, eq)] = f.substr(eq + 1);
    }
    auto home = ctx.open_home();
    const auto outcome = ctx.take(home->search(query));
    std::ostringstream out;
    for (const auto& found : outcome.found) {
      const auto& d = found.decision;
      out << found.hit.asset << "  " << found.hit.title << "  ["
          << (d.allowed ? (d.update_pending ? "update pending" : "ok") : std::string(gate::reason_name(*d.reason)))
          << "]\n";
    }
    out << outcome.results.total << (outcome.results.total_is_estimate ? "+" : "") << " result(s)";
    ctx.print(search_json(outcome), out.str());
  });
}

void add_status(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("status", "This device at a glance: hub, catalog freshness, offline budget, cache, journal");
  cmd->footer("The offline budget is how long each criticality class may still be shown without a sync;\n"
              "undelivered events (leads, feedback, usage) leave at the next sync.\n"
              "Example: outpost status --json");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    const auto link = sync::DeviceLink::load(home->root());
    if (!link && link.status().code() != Errc::not_found) ctx.fail(link.status());
    const json doc = home_status_json(*home, link ? &*link : nullptr);
    const json& catalog = doc["catalog"];
    const json& cache = doc["cache"];
    const json& journal = doc["journal"];
    std::ostringstream text;
    if (link) {
      text << "device:           " << link->device << " (" << link->role << ") at " << link->sync_endpoint << "\n";
    } else {
      text << "device:           not enrolled (outpost enroll TOKEN)\n";
    }
    const json& verified = catalog["verified_as_of"];
    if (!catalog["damage"].is_null()) {
      text << "WARNING: the catalog failed its integrity check (" << catalog["damage"].get<std::string>()
           << "): nothing opens until `outpost sync` rebuilds it\n";
    }
    text << "catalog seq:      " << catalog["seq"].get<std::uint64_t>() << "\n"
         << "verified as of:   " << (verified.is_null() ? std::string("never") : verified.get<std::string>()) << "\n"
         << "trusted time:     " << catalog["trusted_now"].get<std::string>() << "\n"
         << "trust list:       version " << catalog["trust_version"].get<std::uint64_t>() << "\n"
         << "cache:            " << cache["versions"].get<std::uint64_t>() << " version(s) of "
         << cache["assets"].get<std::uint64_t>() << " asset(s), " << format_size(cache["stored_bytes"].get<std::uint64_t>())
         << " on disk, " << cache["pinned_assets"].size() << " asset(s) pinned\n"
         << "journal:          " << journal["head_seq"].get<std::uint64_t>() << " event(s), "
         << journal["undelivered"].get<std::uint64_t>() << " not yet delivered\n"
         << "offline budget left:";
    for (const auto& [name, budget] : catalog["offline_budget"].items()) {
      text << "\n  " << name << ": " << budget["left_s"].get<std::int64_t>() / 3600 << " h of "
           << budget["budget_s"].get<std::int64_t>() / 3600 << " h";
    }
    ctx.print(doc, text.str());
  });
}

}  // namespace

void add_catalog_commands(CLI::App& app, Context& ctx) {
  auto* cat = app.add_subcommand("catalog", "The signed catalog of releases on this device");
  cat->require_subcommand(1);
  add_pin_root(*cat, ctx);
  add_apply(*cat, ctx);
  add_show(*cat, ctx);
  add_open(app, ctx);
  add_search(app, ctx);
  add_status(app, ctx);
}

}  // namespace outpost::cli
