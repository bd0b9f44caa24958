// Turns exceptions raised inside the library (outpost::Error, SQLiteCpp,
// std::system_error) into a Status at public entry points, so callers see
// one error type. Genuine bugs (logic_error and friends) still propagate.
#pragma once

#include <string>
#include <type_traits>

#include "outpost/base/status.hpp"

namespace outpost {

// Maps an errno value to a Status: ENOSPC/EDQUOT/EFBIG -> disk_full,
// EACCES/EPERM -> permission, ENOENT -> not_found, anything else -> io.
Status errno_status(int err, const std::string& what);

// Must be called from inside a catch block. Rethrows exceptions it does not
// recognise as expected failures.
Status status_from_current_exception();

// Runs f (returning Status or Result<T>) and converts a thrown failure into
// the returned value.
template <class F>
auto guarded(F&& f) -> std::invoke_result_t<F> {
  try {
    return f();
  } catch (...) {
    return status_from_current_exception();
  }
}

// Throws outpost::Error when status is not ok.
inline void throw_if_error(const Status& status) {
  if (!status.is_ok()) throw Error(status);
}

template <class T>
T value_or_throw(Result<T> result) {
  if (!result.is_ok()) throw Error(result.status());
  return std::move(result).value();
}

}  // namespace outpost
