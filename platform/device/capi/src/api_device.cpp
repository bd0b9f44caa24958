// C entry points: the library, device homes, enrollment, sync, status.
#include <sodium.h>

#include "args.hpp"
#include "device.hpp"
#include "outpost/shell/json.hpp"
#include "outpost/base/random.hpp"

using namespace outpost;
using namespace outpost::capi;

namespace {

// Home options with the passphrase, which is zeroed when they go.
struct SecretOptions {
  device::HomeOptions options;
  explicit SecretOptions(const char* passphrase) {
    if (passphrase != nullptr) options.passphrase = passphrase;
  }
  ~SecretOptions() { sodium_memzero(options.passphrase.data(), options.passphrase.size()); }
  SecretOptions(const SecretOptions&) = delete;
  SecretOptions& operator=(const SecretOptions&) = delete;
};

std::optional<crypto::PublicKey> root_arg(const char* hex) {
  if (hex == nullptr) return std::nullopt;
  auto key = crypto::PublicKey::from_hex(hex);
  if (!key) throw ApiError(OUTPOST_ERR_INVALID_ARGUMENT, "root_key_hex must be 64 hex characters");
  return key;
}

std::chrono::milliseconds millis_or(std::uint32_t ms, std::chrono::milliseconds fallback) {
  return ms == 0 ? fallback : std::chrono::milliseconds(ms);
}

}  // namespace

extern "C" {

OUTPOST_API const char* outpost_code_name(outpost_code code) { return code_name(code); }

OUTPOST_API const char* outpost_version(void) { return OUTPOST_VERSION_STRING; }

OUTPOST_API void outpost_string_free(char* s) { free_string(s); }

OUTPOST_API int64_t outpost_live_objects(void) { return live_handles() + live_strings(); }

OUTPOST_API outpost_code outpost_home_init(const char* path, const char* passphrase, const char* root_key_hex,
                                           outpost_error* err) {
  return entry(err, [&] {
    const std::string root = text_arg(path, "path");
    SecretOptions secret(passphrase);
    secret.options.root_key = root_arg(root_key_hex);
    SystemRandom random;
    check(device::DeviceHome::init(root, random, secret.options));
  });
}

OUTPOST_API outpost_code outpost_device_open(const char* path, const char* passphrase, const char* root_key_hex,
                                             outpost_device_t** out_device, outpost_error* err) {
  clear(out_device);
  return entry(err, [&] {
    require(out_device, "out_device");
    const std::string root = text_arg(path, "path");
    SecretOptions secret(passphrase);
    std::shared_ptr<Device> device = Device::open(root, secret.options, root_arg(root_key_hex));
    register_handle(device);
    *out_device = to_c<outpost_device_t>(device);
  });
}

OUTPOST_API void outpost_device_close(outpost_device_t* device) {
  if (std::shared_ptr<Device> d = release_handle<Device>(device)) Device::close(std::move(d));
}

OUTPOST_API outpost_code outpost_device_enroll(outpost_device_t* device, const char* token, uint32_t timeout_ms,
                                               char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const sync::EnrollToken parsed = take(sync::EnrollToken::parse(text_arg(token, "token")));
    const sync::DeviceLink link =
        d->call([&] { return d->enroll(parsed, millis_or(timeout_ms, std::chrono::seconds(10))); });
    set_json(out_json, link_json(link));
  });
}

OUTPOST_API outpost_code outpost_device_sync_once(outpost_device_t* device, uint32_t timeout_ms, char** out_json,
                                                  outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const sync::SyncReport report = d->sync_once(millis_or(timeout_ms, std::chrono::seconds(10)));
    set_json(out_json, report_json(report));
  });
}

OUTPOST_API outpost_code outpost_device_start_background_sync(outpost_device_t* device, uint32_t interval_s,
                                                              outpost_error* err) {
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const std::chrono::seconds interval(interval_s == 0 ? 300 : interval_s);
    d->call([&] { d->start_background(interval); });
  });
}

OUTPOST_API outpost_code outpost_device_stop_background_sync(outpost_device_t* device, outpost_error* err) {
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    d->call([&] { d->stop_background(); });
  });
}

OUTPOST_API outpost_code outpost_device_on_sync_progress(outpost_device_t* device, outpost_progress_fn fn, void* user,
                                                         outpost_error* err) {
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    d->call([&] { d->on_progress(fn, user); });
  });
}

OUTPOST_API outpost_code outpost_device_on_catalog_changed(outpost_device_t* device, outpost_event_fn fn, void* user,
                                                           outpost_error* err) {
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    d->call([&] { d->on_catalog_changed(fn, user); });
  });
}

OUTPOST_API outpost_code outpost_device_on_sync_done(outpost_device_t* device, outpost_event_fn fn, void* user,
                                                     outpost_error* err) {
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    d->call([&] { d->on_sync_done(fn, user); });
  });
}

OUTPOST_API outpost_code outpost_device_status(outpost_device_t* device, char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    require(out_json, "out_json");
    auto d = handle_of<Device>(device, "device");
    set_json(out_json, d->call([&] { return d->status_json(); }));
  });
}

}  // extern "C"
