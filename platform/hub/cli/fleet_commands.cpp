// devices, revoke-device, wipe-device, alerts: the enrolled devices and
// what the hub noticed about them.
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/sync/transport.hpp"

namespace outpost::hub_cli {

namespace {

using nlohmann::json;

json optional_time(const std::optional<TimePoint>& t) { return t ? json(iso_time(*t)) : json(nullptr); }

// A revoked device can no longer connect, so a wipe requested for it is
// never delivered: it shows as revoked.
std::string device_state(const hub::DeviceRecord& d) {
  if (d.wiped_at) return "wiped";
  if (d.revoked_at) return "revoked";
  if (d.wipe_requested_at) return "wipe pending";
  return "active";
}

hub::DeviceRecord find_device(Context& ctx, hub::HubStore& store, const std::string& name) {
  auto device = store.device(name);
  if (!device) ctx.fail({Errc::not_found, "no device named '" + name + "' (see `outpost-hub devices`)"});
  return *device;
}

void add_devices(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("devices", "List enrolled devices and their state");
  cmd->footer("STATE is active, revoked, wipe pending (delivered at the device's next sync) or wiped.");
  cmd->callback([&ctx] {
    auto admin = ctx.open_admin();
    json doc = json::array();
    std::vector<std::vector<std::string>> rows{{"NAME", "ROLE", "ENROLLED", "LAST-SEEN", "CATALOG-SEQ", "STATE"}};
    for (const hub::DeviceRecord& d : admin->store().devices()) {
      doc.push_back({{"name", d.name},
                     {"role", d.role},
                     {"key", sync::z85(d.key)},
                     {"enrolled_at", iso_time(d.enrolled_at)},
                     {"last_seen", optional_time(d.last_seen)},
                     {"catalog_seq", d.catalog_seq},
                     {"state", device_state(d)},
                     {"revoked_at", optional_time(d.revoked_at)},
                     {"wipe_requested_at", optional_time(d.wipe_requested_at)},
                     {"wiped_at", optional_time(d.wiped_at)}});
      rows.push_back({d.name, d.role, iso_time(d.enrolled_at), d.last_seen ? iso_time(*d.last_seen) : "never",
                      std::to_string(d.catalog_seq), device_state(d)});
    }
    ctx.print(doc, rows.size() > 1 ? table(rows)
                                   : "no devices enrolled yet (make a token: outpost-hub enroll-token --device NAME "
                                     "--role rep)");
  });
}

void add_revoke_device(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("revoke-device", "Refuse a device's connections from now on");
  cmd->footer(
      "What the device already holds stays usable offline until its catalog goes stale; to erase it,\n"
      "run wipe-device first and revoke once `devices` shows it wiped.");
  auto name = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "Device name, as `devices` lists it")->required();
  cmd->callback([&ctx, name] {
    auto admin = ctx.open_admin();
    const hub::DeviceRecord before = find_device(ctx, admin->store(), *name);
    if (before.revoked_at) {
      ctx.print({{"device", *name}, {"revoked_at", iso_time(*before.revoked_at)}, {"changed", false}},
                "device '" + *name + "' was already revoked on " + iso_time(*before.revoked_at));
      return;
    }
    const TimePoint now = ctx.clock.now();
    ctx.check(admin->store().revoke_device(*name, now));
    if (before.wipe_requested_at && !before.wiped_at) {
      std::cerr << "outpost-hub: note: the wipe requested for '" << *name
                << "' was not delivered yet and no longer can be\n";
    }
    ctx.print({{"device", *name}, {"revoked_at", iso_time(now)}, {"changed", true}},
              "revoked device '" + *name + "': the hub refuses its connections from now on");
  });
}

void add_wipe_device(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("wipe-device", "Tell a device to erase its content and keys at its next sync");
  auto name = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "Device name, as `devices` lists it")->required();
  cmd->callback([&ctx, name] {
    auto admin = ctx.open_admin();
    const hub::DeviceRecord before = find_device(ctx, admin->store(), *name);
    if (before.wiped_at) {
      ctx.print({{"device", *name}, {"wiped_at", iso_time(*before.wiped_at)}, {"changed", false}},
                "device '" + *name + "' reported itself wiped on " + iso_time(*before.wiped_at));
      return;
    }
    if (before.revoked_at) {
      ctx.fail({Errc::invalid_argument, "device '" + *name + "' is revoked, so it cannot connect to receive a wipe"});
    }
    const TimePoint now = ctx.clock.now();
    ctx.check(admin->store().request_wipe(*name, now));
    ctx.print({{"device", *name}, {"wipe_requested_at", iso_time(now)}, {"changed", true}},
              "wipe requested for device '" + *name + "': it erases itself at its next sync (see `devices`)");
  });
}

void add_alerts(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("alerts", "What the hub noticed: journal gaps and chain breaks, ...");
  cmd->callback([&ctx] {
    auto admin = ctx.open_admin();
    json doc = json::array();
    std::vector<std::vector<std::string>> rows{{"AT", "DEVICE", "KIND", "DETAIL"}};
    for (const hub::Alert& a : admin->store().alerts()) {
      doc.push_back(
          {{"id", a.id}, {"at", iso_time(a.at)}, {"device", a.device}, {"kind", a.kind}, {"detail", a.detail}});
      rows.push_back({iso_time(a.at), a.device, a.kind, a.detail});
    }
    ctx.print(doc, rows.size() > 1 ? table(rows) : "no alerts");
  });
}

}  // namespace

void add_fleet_commands(CLI::App& app, Context& ctx) {
  add_devices(app, ctx);
  add_revoke_device(app, ctx);
  add_wipe_device(app, ctx);
  add_alerts(app, ctx);
}

}  // namespace outpost::hub_cli
