// The device's worker thread and its sync engines. (Boost.Asio is heavy to
// compile: it stays in this file.)
#include "device.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "outpost/shell/json.hpp"
#include "outpost/base/time_text.hpp"

namespace outpost::capi {

using namespace shell;

namespace asio = boost::asio;

struct Device::Loop {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
};

Device::Device(std::string root) : root_(std::move(root)), loop_(std::make_unique<Loop>()) {
  worker_ = std::thread([this] { run_worker(); });
  // Nothing is posted before this assignment, so the worker never reads it early.
  worker_id_ = worker_.get_id();
}

Device::~Device() {
  // close() joined or detached the worker; a device that was never closed
  // (a bug) still must not leave a running thread behind.
  if (worker_.joinable()) {
    closed_ = true;
    loop_->guard.reset();
    loop_->io.stop();
    worker_.join();
  }
}

ApiError Device::closed_error() { return {OUTPOST_ERR_INVALID_HANDLE, "the device is closed"}; }

void Device::run_worker() {
  while (true) {
    try {
      loop_->io.run();
      break;
    } catch (...) {
      // Every task catches its own failures; an escape is a bug, but one
      // call's bug must not stop the device's worker.
    }
  }
  if (!self_) return;
  // Closed from a callback: this thread closes and frees the device.
  once_.reset();
  background_.reset();
  home_.reset();
  worker_.detach();
  std::shared_ptr<Device> last = std::move(self_);
  // ~Device may run here, on this thread; nothing below touches it.
}

bool Device::post(std::function<void()> task) {
  const std::lock_guard lock(post_mutex_);
  if (closed_) return false;
  asio::post(loop_->io, std::move(task));
  return true;
}

std::shared_ptr<Device> Device::open(const std::string& path, const device::HomeOptions& options,
                                     const std::optional<crypto::PublicKey>& root) {
  std::shared_ptr<Device> device(new Device(path));
  try {
    device->call([&] { device->open_home(options, root); });
  } catch (...) {
    close(device);
    throw;
  }
  return device;
}

void Device::open_home(const device::HomeOptions& options, const std::optional<crypto::PublicKey>& root) {
  if (device::DeviceHome::wiped(root_)) {
    throw ApiError(OUTPOST_ERR_WIPED, "the hub wiped the device home " + root_ + ": its keys and data are gone");
  }
  home_ = take(device::DeviceHome::open(root_, clock_, random_, options));
  if (root) check(home_->pin_root(*root));
}

void Device::close(std::shared_ptr<Device> self) noexcept {
  if (!self) return;
  {
    const std::lock_guard lock(self->post_mutex_);
    if (self->closed_) return;
    self->closed_ = true;
  }
  Device* d = self.get();
  // Stopping the engines cancels their sockets and timers; the loop then
  // runs what is already queued (calls in hand complete) and the engines'
  // coroutines to their end, and returns once nothing is left.
  auto shut_down = [d] {
    d->background_.reset();
    d->once_.reset();
    d->loop_->guard.reset();
  };
  if (d->on_worker()) {
    shut_down();
    d->self_ = std::move(self);
    return;
  }
  asio::post(d->loop_->io, shut_down);
  d->worker_.join();
  d->home_.reset();
}

device::DeviceHome& Device::home() {
  // The marker file too: a session wipes the home before it reports so.
  if (wiped_ || device::DeviceHome::wiped(root_)) {
    wiped_ = true;
    throw ApiError(OUTPOST_ERR_WIPED, "the hub wiped this device: its keys and data are gone");
  }
  return *home_;
}

sync::DeviceLink Device::enroll(const sync::EnrollToken& token, std::chrono::milliseconds timeout) {
  return take(sync::enroll(home(), token, timeout));
}

std::unique_ptr<sync::SyncEngine> Device::make_engine(const sync::SyncOptions& options) {
  sync::DeviceLink link = take(sync::DeviceLink::load(root_));
  auto engine = std::make_unique<sync::SyncEngine>(loop_->io, home(), std::move(link), random_, options);
  engine->set_progress([this](const sync::SyncProgress& p) { report_progress(p); });
  return engine;
}

void Device::report_progress(const sync::SyncProgress& p) {
  if (p.phase == "hello") session_active_ = true;
  if (progress_.fn != nullptr && !closed_) progress_.fn(progress_.user, p.phase.c_str(), p.done, p.total);
}

sync::SyncReport Device::sync_once(std::chrono::milliseconds request_timeout) {
  if (on_worker()) {
    throw ApiError(OUTPOST_ERR_BUSY,
                   "outpost_device_sync_once cannot run inside a callback (it would wait for itself); call it from "
                   "another thread");
  }
  auto done = std::make_shared<std::promise<Result<sync::SyncReport>>>();
  std::future<Result<sync::SyncReport>> result = done->get_future();
  call([&] {
    if (background_) {
      throw ApiError(OUTPOST_ERR_BUSY, "background sync is running (it syncs on every catalog notice)", true);
    }
    if (once_running_) throw ApiError(OUTPOST_ERR_BUSY, "a sync session is already running", true);
    sync::SyncOptions options;
    options.request_timeout = request_timeout;
    once_ = make_engine(options);
    once_running_ = true;
    once_->run_once([this, done](Result<sync::SyncReport> r) {
      once_running_ = false;
      finish_session(r);
      done->set_value(std::move(r));
    });
  });
  try {
    return take(result.get());
  } catch (const std::future_error&) {
    throw ApiError(OUTPOST_ERR_IO, "sync stopped: the device was closed");
  }
}

void Device::start_background(std::chrono::seconds interval) {
  if (background_) throw ApiError(OUTPOST_ERR_BUSY, "background sync is already running");
  if (once_running_)
    throw ApiError(OUTPOST_ERR_BUSY, "a sync session is running; start background sync after it", true);
  sync::SyncOptions options;
  options.resync_interval = interval;
  background_ = make_engine(options);
  background_->run_daemon([this](const Result<sync::SyncReport>& r) { finish_session(r); });
}

void Device::stop_background() {
  if (!background_) return;
  background_.reset();  // stops it; its coroutines end on this loop
  session_active_ = once_running_;
}

void Device::finish_session(const Result<sync::SyncReport>& result) {
  session_active_ = false;
  const outpost_code code = result ? OUTPOST_OK : code_of(result.status().code());
  last_sync_ = {{"at", iso_time(clock_.now())},
                {"ok", result.is_ok()},
                {"code", code},
                {"code_name", code_name(code)},
                {"message", result ? std::string() : result.status().message()},
                {"report", result ? report_json(*result) : nlohmann::json(nullptr)}};
  if (result && result->wiped) {
    wiped_ = true;
    if (background_) background_->stop();
  }
  if (closed_) return;
  if (result && result->catalog_to != result->catalog_from && catalog_changed_.fn != nullptr) {
    const std::string text = report_json(*result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    catalog_changed_.fn(catalog_changed_.user, text.c_str());
  }
  if (sync_done_.fn != nullptr) {
    const std::string text = last_sync_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    sync_done_.fn(sync_done_.user, text.c_str());
  }
}

void Device::on_progress(outpost_progress_fn fn, void* user) { progress_ = {fn, user}; }
void Device::on_catalog_changed(outpost_event_fn fn, void* user) { catalog_changed_ = {fn, user}; }
void Device::on_sync_done(outpost_event_fn fn, void* user) { sync_done_ = {fn, user}; }

nlohmann::json Device::status_json() {
  device::DeviceHome& h = home();
  auto loaded = sync::DeviceLink::load(root_);
  if (!loaded && loaded.status().code() != Errc::not_found) throw ApiError(loaded.status());
  check(h.journal().flush());
  nlohmann::json status = home_status_json(h, loaded ? &*loaded : nullptr);
  status["sync"] = {{"background", background_ != nullptr}, {"running", session_active_}, {"last_sync", last_sync_}};
  return status;
}

}  // namespace outpost::capi
