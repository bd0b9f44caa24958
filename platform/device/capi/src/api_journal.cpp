// C entry points: feedback, content requests and lead capture, each
// journaled durably before it returns.
#include "args.hpp"
#include "device.hpp"

using namespace outpost;
using namespace outpost::capi;

namespace {

// Every problem with a lead request, by field, without storing anything:
// the form's validation, and consent, which capture checks last.
std::vector<leads::FieldError> field_errors(device::DeviceHome& home, const std::string& form_asset,
                                            const leads::CaptureRequest& request) {
  std::vector<leads::FieldError> errors;
  auto form = home.load_form(form_asset);
  if (!form) return errors;
  (void)leads::normalise(form->form, request, &errors);
  if (!request.consent) {
    errors.push_back({"consent", "must be accepted (consent text version " + form->form.consent_version + ")"});
  }
  return errors;
}

}  // namespace

extern "C" {

OUTPOST_API outpost_code outpost_asset_feedback(outpost_device_t* device, const char* asset, uint64_t version,
                                                uint32_t rating, const char* comment, int32_t needs_update,
                                                char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    if (rating < 1 || rating > 5) throw ApiError(OUTPOST_ERR_INVALID_ARGUMENT, "rating must be 1 (poor) to 5 (great)");
    const journal::Feedback feedback{text_arg(asset, "asset"), version_arg(version), rating, optional_text(comment),
                                     needs_update != 0};
    const journal::Appended appended = d->call([&] {
      device::DeviceHome& home = d->home();
      if (home.catalog().releases(feedback.asset).empty()) {
        throw ApiError(OUTPOST_ERR_NOT_FOUND, "no asset '" + feedback.asset + "' in the catalog");
      }
      return take(home.record(journal::asset_feedback(feedback)));
    });
    set_json(out_json, {{"seq", appended.seq}});
  });
}

OUTPOST_API outpost_code outpost_content_request(outpost_device_t* device, const char* text, const char* asset,
                                                 char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const std::string what = text_arg(text, "text");
    const std::string related = optional_text(asset);
    const journal::Appended appended =
        d->call([&] { return take(d->home().record(journal::content_request(what, related))); });
    set_json(out_json, {{"seq", appended.seq}});
  });
}

OUTPOST_API outpost_code outpost_lead_form(outpost_device_t* device, const char* form_asset, char** out_json,
                                           outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    require(out_json, "out_json");
    auto d = handle_of<Device>(device, "device");
    const std::string form = text_arg(form_asset, "form_asset");
    set_json(out_json, d->call([&] { return form_json(take(d->home().load_form(form))); }));
  });
}

OUTPOST_API outpost_code outpost_lead_capture(outpost_device_t* device, const char* form_asset,
                                              const char* request_json, char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const std::string form = text_arg(form_asset, "form_asset");
    const leads::CaptureRequest request = parse_capture_request(text_arg(request_json, "request_json"));
    const leads::Captured captured = d->call([&] {
      device::DeviceHome& home = d->home();
      Result<leads::Captured> result = home.capture_lead(form, request);
      if (!result && result.status().code() == Errc::invalid_argument) {
        const std::vector<leads::FieldError> errors = field_errors(home, form, request);
        if (!errors.empty()) set_json(out_json, field_errors_json(errors));
      }
      return take(std::move(result));
    });
    set_json(out_json, captured_json(captured));
  });
}

}  // extern "C"
