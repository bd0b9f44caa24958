// The field's network: a TCP proxy on 127.0.0.1 between each device and the
// hub, two ports per device (sync, notices; the device's link.json points
// at them), on one thread of its own. Offline: it closes the device's
// connections and every new one at once. A link drop: the next sync
// connection of a device is cut after a given number of bytes. It counts the
// bytes each device moved. The setters may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace outpost::sim {

class FaultProxy {
 public:
  // Throws std::runtime_error when it cannot listen.
  FaultProxy(int devices, std::uint16_t hub_sync_port, std::uint16_t hub_notice_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t sync_port(int device) const { return ports_[static_cast<std::size_t>(device) * 2]; }
  std::uint16_t notice_port(int device) const { return ports_[static_cast<std::size_t>(device) * 2 + 1]; }

  void set_online(int device, bool online);
  // Cuts the device's sync connections once they have moved this many more
  // bytes (0: no cut pending).
  void cut_after(int device, std::uint64_t bytes);
  std::uint64_t bytes(int device) const;
  std::uint64_t cuts(int device) const;

 private:
  struct DeviceState {
    std::atomic<bool> online{true};
    std::atomic<std::uint64_t> cut_budget{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> cuts{0};
  };
  struct Loop;

  void run();

  std::uint16_t hub_sync_port_;
  std::uint16_t hub_notice_port_;
  std::unique_ptr<DeviceState[]> state_;
  std::vector<int> listeners_;
  std::vector<std::uint16_t> ports_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace outpost::sim
