// The registry of live handles: a C handle is the address of an object the
// registry holds, and every call looks it up before using it, so a freed,
// closed or made-up pointer is reported (OUTPOST_ERR_INVALID_HANDLE) and
// never dereferenced. A lookup returns a shared_ptr, which keeps the object
// alive for the rest of the call even if another thread frees the handle
// meanwhile. Any thread.
#pragma once

#include <cstdint>
#include <memory>

#include "boundary.hpp"

namespace outpost::capi {

class Handle {
 public:
  virtual ~Handle() = default;
  const void* key() const noexcept { return this; }
};

void register_handle(std::shared_ptr<Handle> handle);
// The object, removed from the registry; null if it was not there.
std::shared_ptr<Handle> unregister_handle(const void* key) noexcept;
std::shared_ptr<Handle> find_handle(const void* key);
std::int64_t live_handles() noexcept;

// The object behind a C handle of type T; OUTPOST_ERR_INVALID_HANDLE if p
// is NULL, unknown, or a handle of another type.
template <class T>
std::shared_ptr<T> handle_of(const void* p, const char* what) {
  std::shared_ptr<T> object = std::dynamic_pointer_cast<T>(find_handle(p));
  if (!object) {
    throw ApiError(
        OUTPOST_ERR_INVALID_HANDLE,
        std::string(what) + (p == nullptr ? " is NULL" : " is not a live handle (freed, closed or never made)"));
  }
  return object;
}

// The object behind a C handle of type T, removed from the registry: null
// if p is not a live handle of that type. Never throws.
template <class T>
std::shared_ptr<T> release_handle(const void* p) noexcept {
  try {
    std::shared_ptr<T> object = std::dynamic_pointer_cast<T>(find_handle(p));
    if (!object || !unregister_handle(p)) return nullptr;
    return object;
  } catch (...) {
    return nullptr;
  }
}

// The C handle of a registered object.
template <class C>
C* to_c(const std::shared_ptr<Handle>& object) {
  return reinterpret_cast<C*>(const_cast<void*>(object->key()));
}

}  // namespace outpost::capi
