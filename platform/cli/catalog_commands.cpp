#include "catalog_commands.hpp"


#include <iostream>
#include <sstream>

#include "outpost/core/guard.hpp"
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
    ctx.check(home->catalog().pin_root(*root));
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
    json hits = json::array();
    std::ostringstream out;
    for (const auto& found : outcome.found) {
      const auto& d = found.decision;
      hits.push_back({{"asset", found.hit.asset},
                      {"version", found.hit.version},
                      {"title", found.hit.title},
                      {"kind", found.hit.kind},
                      {"score", found.hit.score},
                      {"decision", decision_json(d)}});
      out << found.hit.asset << "  " << found.hit.title << "  ["
          << (d.allowed ? (d.update_pending ? "update pending" : "ok") : std::string(gate::reason_name(*d.reason)))
          << "]\n";
    }
    json facet_counts = json::array();
    for (const auto& f : outcome.results.facets) facet_counts.push_back({{"facet", f.facet}, {"value", f.value}, {"count", f.count}});
    out << outcome.results.total << (outcome.results.total_is_estimate ? "+" : "") << " result(s)";
    ctx.print({{"hits", hits},
               {"total", outcome.results.total},
               {"total_is_estimate", outcome.results.total_is_estimate},
               {"facets", facet_counts}},
              out.str());
  });
}

void add_status(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("status", "This device at a glance: hub, catalog freshness, offline budget, cache, journal");
  cmd->footer("The offline budget is how long each criticality class may still be shown without a sync;\n"
              "undelivered events (leads, feedback, usage) leave at the next sync.\n"
              "Example: outpost status --json");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    const catalog::CatalogStatus s = home->catalog().status();
    const auto& trust = home->catalog().trust();
    const auto budgets = trust ? trust->offline_budget : catalog::default_offline_budget();
    const auto link = sync::DeviceLink::load(home->root());
    const cache::CacheStats cache = home->cache().stats();
    const journal::JournalStats journal = home->journal().stats();
    const std::uint64_t undelivered = journal.head_seq - journal.acked_seq;
    json classes = json::object();
    std::ostringstream text;
    if (link) {
      text << "device:           " << link->device << " (" << link->role << ") at " << link->sync_endpoint << "\n";
    } else {
      text << "device:           not enrolled (outpost enroll TOKEN)\n";
    }
    text << "catalog seq:      " << s.seq << "\n"
         << "verified as of:   " << (s.verified_as_of ? iso_time(*s.verified_as_of) : std::string("never")) << "\n"
         << "trusted time:     " << iso_time(s.trusted_now) << "\n"
         << "trust list:       version " << s.trust_version << "\n"
         << "cache:            " << cache.versions << " version(s) of " << cache.assets << " asset(s), "
         << format_size(cache.stored_bytes) << " on disk, " << home->cache().pinned_assets().size()
         << " asset(s) pinned\n"
         << "journal:          " << journal.head_seq << " event(s), " << undelivered << " not yet delivered\n"
         << "offline budget left:";
    for (const auto& [name, budget] : budgets) {
      const auto left = s.verified_as_of ? std::chrono::duration_cast<std::chrono::seconds>(
                                               *s.verified_as_of + budget - s.trusted_now)
                                         : std::chrono::seconds(0);
      const auto clamped = std::max<std::int64_t>(0, left.count());
      classes[name] = {{"budget_s", budget.count()}, {"left_s", clamped}};
      text << "\n  " << name << ": " << clamped / 3600 << " h of " << budget.count() / 3600 << " h";
    }
    json enrolled = nullptr;
    if (link) enrolled = {{"device", link->device}, {"role", link->role}, {"hub", link->sync_endpoint}};
    ctx.print({{"seq", s.seq},
               {"verified_as_of", s.verified_as_of ? json(iso_time(*s.verified_as_of)) : json(nullptr)},
               {"trusted_now", iso_time(s.trusted_now)},
               {"trust_version", s.trust_version},
               {"offline_budget", classes},
               {"enrolled", enrolled},
               {"cache", {{"assets", cache.assets},
                          {"versions", cache.versions},
                          {"stored_bytes", cache.stored_bytes},
                          {"missing_chunks", cache.missing_chunks},
                          {"pinned_assets", home->cache().pinned_assets()}}},
               {"journal", {{"events", journal.head_seq}, {"acked_seq", journal.acked_seq}, {"undelivered", undelivered}}}},
              text.str());
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
