// Device: the object behind an outpost_device_t. It owns one worker thread
// running an event loop that alone touches the DeviceHome (which is used by
// one thread at a time): every C call on the device, its readers and its
// presentations is posted to that thread and waits for the result, so calls
// from any number of threads run one at a time, between the steps of a
// running sync session. A call made on the worker thread itself (from a
// callback) runs directly instead: posting and waiting there would wait
// forever.
//
// The sync engines run on the same loop. Callbacks to the app run on the
// worker thread. (Boost.Asio stays in device.cpp.)
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include "handles.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/device/home.hpp"
#include "outpost/sync/device_sync.hpp"

namespace outpost::capi {

class Device final : public Handle {
 public:
  // Starts the worker and opens the home on it; root, if set, is pinned
  // when none is. Throws ApiError.
  static std::shared_ptr<Device> open(const std::string& path, const device::HomeOptions& options,
                                      const std::optional<crypto::PublicKey>& root);
  ~Device() override;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Runs f on the worker thread and returns what it returns, or rethrows
  // what it throws. OUTPOST_ERR_INVALID_HANDLE once the device is closed.
  template <class F>
  auto call(F&& f) -> std::invoke_result_t<F&>;

  // Stops sync, lets the calls already posted finish, joins the worker and
  // closes the home. Called on the worker thread (from a callback), it
  // returns at once and the worker frees the device (self) when the callback
  // returns. Idempotent.
  static void close(std::shared_ptr<Device> self) noexcept;

  // One sync session, waiting for its end. Not on the worker thread.
  sync::SyncReport sync_once(std::chrono::milliseconds request_timeout);

  // ---- on the worker thread only (inside call())
  // The home; OUTPOST_ERR_WIPED once the hub wiped it.
  device::DeviceHome& home();
  const Clock& clock() const noexcept { return clock_; }
  Random& random() noexcept { return random_; }
  sync::DeviceLink enroll(const sync::EnrollToken& token, std::chrono::milliseconds timeout);
  void start_background(std::chrono::seconds interval);
  void stop_background();
  nlohmann::json status_json();
  void on_progress(outpost_progress_fn fn, void* user);
  void on_catalog_changed(outpost_event_fn fn, void* user);
  void on_sync_done(outpost_event_fn fn, void* user);

 private:
  explicit Device(std::string root);
  bool on_worker() const noexcept { return std::this_thread::get_id() == worker_id_; }
  // Queues task on the worker; false once the device is closed.
  bool post(std::function<void()> task);
  static ApiError closed_error();
  void run_worker();
  void open_home(const device::HomeOptions& options, const std::optional<crypto::PublicKey>& root);
  std::unique_ptr<sync::SyncEngine> make_engine(const sync::SyncOptions& options);
  void report_progress(const sync::SyncProgress& p);
  void finish_session(const Result<sync::SyncReport>& result);

  struct Loop;  // the io_context and its work guard
  template <class Fn>
  struct Callback {
    Fn fn = nullptr;
    void* user = nullptr;
  };

  std::string root_;
  std::unique_ptr<Loop> loop_;
  std::thread worker_;
  std::thread::id worker_id_;
  std::mutex post_mutex_;  // orders posting against closing
  std::atomic<bool> closed_{false};
  std::shared_ptr<Device> self_;  // set when closed from the worker: it frees the device

  // Worker thread only from here on.
  SystemClock clock_;
  SystemRandom random_;
  std::unique_ptr<device::DeviceHome> home_;
  bool wiped_ = false;
  std::unique_ptr<sync::SyncEngine> background_;
  std::unique_ptr<sync::SyncEngine> once_;
  bool once_running_ = false;    // a sync_once session is under way
  bool session_active_ = false;  // any session is under way
  Callback<outpost_progress_fn> progress_;
  Callback<outpost_event_fn> catalog_changed_;
  Callback<outpost_event_fn> sync_done_;
  nlohmann::json last_sync_;  // null until a session ends
};

template <class F>
auto Device::call(F&& f) -> std::invoke_result_t<F&> {
  using R = std::invoke_result_t<F&>;
  if (on_worker()) {
    if (closed_) throw closed_error();
    return f();
  }
  // Shared with the queued task: if the loop drops the task unrun, the
  // promise breaks and the wait below ends.
  auto task = std::make_shared<std::packaged_task<R()>>([&f]() -> R { return f(); });
  std::future<R> result = task->get_future();
  if (!post([task] { (*task)(); })) throw closed_error();
  try {
    return result.get();
  } catch (const std::future_error&) {
    throw closed_error();
  }
}

}  // namespace outpost::capi
