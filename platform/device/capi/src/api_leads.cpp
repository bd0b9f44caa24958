// C entry points for a rep's assigned leads: list, one lead, follow-up.
// Reads come from the device's own sealed store (offline too); a follow-up
// is journaled durably before it returns.
#include "args.hpp"
#include "device.hpp"
#include "outpost/crypto/secret_key.hpp"

using namespace outpost;
using namespace outpost::capi;

extern "C" {

OUTPOST_API outpost_code outpost_leads_assigned(outpost_device_t* device, char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    require(out_json, "out_json");
    auto d = handle_of<Device>(device, "device");
    set_json(out_json, d->call([&] {
      device::DeviceHome& home = d->home();
      const TimePoint now = home.catalog().trusted_now();
      json leads = json::array();
      for (const leads::AssignedLead& l : take(home.assigned_leads().list())) {
        leads.push_back(shell::assigned_summary_json(l, now));
      }
      return json{{"leads", std::move(leads)}};
    }));
  });
}

OUTPOST_API outpost_code outpost_lead_assigned(outpost_device_t* device, const char* lead, char** out_json,
                                               outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    require(out_json, "out_json");
    auto d = handle_of<Device>(device, "device");
    const std::string id = text_arg(lead, "lead");
    set_json(out_json, d->call([&] {
      device::DeviceHome& home = d->home();
      return shell::assigned_lead_json(take(home.assigned_leads().get(id)), home.catalog().trusted_now());
    }));
  });
}

OUTPOST_API outpost_code outpost_lead_follow_up(outpost_device_t* device, const char* lead, const char* outcome,
                                                const char* note, char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const std::string id = text_arg(lead, "lead");
    const std::string result = text_arg(outcome, "outcome");
    std::string text = optional_text(note);
    const journal::Appended appended = d->call([&] { return take(d->home().follow_up_lead(id, result, text)); });
    crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
    set_json(out_json, {{"lead", id}, {"outcome", result}, {"seq", appended.seq}});
  });
}

}  // extern "C"
