// publishers (the trust list's signers) and bundle export (the catalog as a
// file, for devices with no network).
#include <chrono>

#include "outpost/hub/bundle_export.hpp"
#include "hub_cli.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::hub_cli {

namespace {

using nlohmann::json;

constexpr std::chrono::hours bundle_lifetime{24 * 7};

void add_publishers_add(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("add", "Register a publisher's key (signs a new trust list)");
  cmd->footer(
      "KEY is what `outpost-publish keygen` printed.\n"
      "Example: outpost-hub --home DIR publishers add marketing 3b6a27bc...  (64 hex characters)");
  auto name = std::make_shared<std::string>();
  auto key_hex = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "Who publishes with this key, e.g. marketing")->required();
  cmd->add_option("KEY", *key_hex, "The publisher's public key, hex")->required();
  cmd->callback([&ctx, name, key_hex] {
    const auto key = crypto::PublicKey::from_hex(*key_hex);
    if (!key)
      ctx.fail(
          {Errc::invalid_argument, "the publisher key must be 64 hex characters (outpost-publish keygen prints it)"});
    auto admin = ctx.open_admin();
    ctx.check(admin->add_publisher(*name, *key));
    const auto trust = ctx.take(admin->trust());
    ctx.print({{"name", *name}, {"key", key->hex()}, {"trust_version", trust.version}},
              "registered publisher '" + *name + "' (trust list version " + std::to_string(trust.version) +
                  "): the hub accepts its releases now; devices learn it at their next sync");
  });
}

void add_publishers_list(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("list", "The publishers on the trust list, active and retired");
  cmd->callback([&ctx] {
    auto admin = ctx.open_admin();
    const catalog::TrustList trust = ctx.take(admin->trust());
    json doc = json::array();
    std::vector<std::vector<std::string>> rows{{"NAME", "KEY", "STATE"}};
    for (const catalog::Publisher& p : trust.publishers) {
      doc.push_back({{"name", p.name}, {"key", p.key.hex()}, {"state", "active"}});
      rows.push_back({p.name, p.key.hex(), "active"});
    }
    for (const catalog::RetiredPublisher& r : trust.retired) {
      const std::string state = "retired (valid through catalog seq " + std::to_string(r.valid_through_seq) + ")";
      doc.push_back(
          {{"name", r.name}, {"key", r.key.hex()}, {"state", "retired"}, {"valid_through_seq", r.valid_through_seq}});
      rows.push_back({r.name, r.key.hex(), state});
    }
    ctx.print(doc, rows.size() > 1 ? table(rows) + "trust list version " + std::to_string(trust.version)
                                   : "no publishers yet (register one: outpost-hub publishers add NAME KEY)");
  });
}

void add_publishers_remove(CLI::App& parent, Context& ctx) {
  auto* cmd =
      parent.add_subcommand("remove", "Retire a publisher: what it signed stays valid, nothing new is accepted");
  auto name = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "Publisher name, as `publishers list` shows it")->required();
  cmd->callback([&ctx, name] {
    auto admin = ctx.open_admin();
    ctx.check(admin->remove_publisher(*name));
    const auto trust = ctx.take(admin->trust());
    std::uint64_t through = 0;
    for (const auto& r : trust.retired) {
      if (r.name == *name) through = r.valid_through_seq;
    }
    ctx.print({{"name", *name}, {"valid_through_seq", through}, {"trust_version", trust.version}},
              "retired publisher '" + *name + "' (trust list version " + std::to_string(trust.version) +
                  "): statements it signed up to catalog seq " + std::to_string(through) +
                  " stay valid; later ones are refused");
  });
}

void add_bundle_export(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("export", "Write the catalog and current content for a device with no network");
  cmd->footer(
      "The bundle holds the signed catalog, a timestamp valid for 7 days, and the content of the\n"
      "newest live version of every asset (not revoked, not expired). A device applies it with\n"
      "`outpost catalog apply FILE`, checking every signature, digest and chunk hash; a device part-way\n"
      "along skips what it holds. The content is in clear: carry it like the documents themselves.\n"
      "Example: outpost-hub --home DIR bundle export --out kiosk.opb");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "File to write (must not exist)")->required();
  cmd->callback([&ctx, out] {
    auto admin = ctx.open_admin();
    const sync::BundleSummary b =
        ctx.take(hub::export_bundle(admin->store(), admin->keys().signing, ctx.clock.now(), bundle_lifetime, *out));
    const TimePoint expires = ctx.clock.now() + bundle_lifetime;
    ctx.print({{"file", *out},
               {"catalog_seq", b.catalog_seq},
               {"versions", b.versions},
               {"chunks", b.chunks},
               {"bytes", b.bytes},
               {"expires_at", iso_time(expires)}},
              "wrote " + *out + ": catalog seq " + std::to_string(b.catalog_seq) + ", " +
                  std::to_string(b.versions) + " version(s) in " + std::to_string(b.chunks) + " chunk(s) (" +
                  std::to_string(b.bytes) + " bytes); apply before " + iso_time(expires));
  });
}

}  // namespace

void add_catalog_commands(CLI::App& app, Context& ctx) {
  auto* publishers = app.add_subcommand("publishers", "Who may publish: add, list, remove");
  publishers->require_subcommand(1);
  add_publishers_add(*publishers, ctx);
  add_publishers_list(*publishers, ctx);
  add_publishers_remove(*publishers, ctx);

  auto* bundle = app.add_subcommand("bundle", "Catalog files for devices with no network");
  bundle->require_subcommand(1);
  add_bundle_export(*bundle, ctx);
}

}  // namespace outpost::hub_cli
