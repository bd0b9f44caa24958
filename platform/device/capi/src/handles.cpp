#include "handles.hpp"

#include <mutex>
#include <unordered_map>

namespace outpost::capi {

namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_map<const void*, std::shared_ptr<Handle>> live;
};

// Never destroyed: a handle freed from a thread still running while the
// process exits must not find the registry gone.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

}  // namespace

void register_handle(std::shared_ptr<Handle> handle) {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  r.live.emplace(handle->key(), std::move(handle));
}

std::shared_ptr<Handle> unregister_handle(const void* key) noexcept {
  if (key == nullptr) return nullptr;
  Registry& r = registry();
  std::shared_ptr<Handle> out;
  const std::lock_guard lock(r.mutex);
  if (auto it = r.live.find(key); it != r.live.end()) {
    out = std::move(it->second);
    r.live.erase(it);
  }
  return out;
}

std::shared_ptr<Handle> find_handle(const void* key) {
  if (key == nullptr) return nullptr;
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  auto it = r.live.find(key);
  return it == r.live.end() ? nullptr : it->second;
}

std::int64_t live_handles() noexcept {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  return static_cast<std::int64_t>(r.live.size());
}

}  // namespace outpost::capi
