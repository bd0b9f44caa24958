// The C boundary: error codes, the one catch-all every entry point goes
// through, heap strings handed to the caller, and argument checks. Inside
// the C API, failures travel as exceptions (ApiError, outpost::Error) and
// become an outpost_code and message here. Any thread.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "outpost.h"
#include "outpost/base/status.hpp"

namespace outpost::capi {

// A failure with its C code, thrown inside the C API.
class ApiError : public std::exception {
 public:
  ApiError(outpost_code code, std::string message, bool transient = false)
      : code_(code), message_(std::move(message)), transient_(transient) {}
  explicit ApiError(const Status& status);
  outpost_code code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  bool transient() const noexcept { return transient_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  outpost_code code_;
  std::string message_;
  bool transient_;
};

// The stable C code of a core error code.
outpost_code code_of(Errc code) noexcept;
// "ok", "not_found", ..., "unknown".
const char* code_name(outpost_code code) noexcept;

// Throws ApiError when status is not ok.
void check(const Status& status);
template <class T>
T take(Result<T> result) {
  if (!result) throw ApiError(result.status());
  return std::move(result).value();
}

// OUTPOST_ERR_INVALID_ARGUMENT "<what> must not be NULL" when p is NULL.
void require(const void* p, const char* what);

// Writes code and message (truncated at a UTF-8 character boundary) into
// err, if not NULL.
void fill_error(outpost_error* err, outpost_code code, std::string_view message, bool transient) noexcept;

// A copy of text on the heap, freed by outpost_string_free (counted in
// outpost_live_objects).
char* make_string(const std::string& text);
void free_string(char* s) noexcept;
std::int64_t live_strings() noexcept;

// Fills err from the exception in flight; must be called from inside a
// catch block.
outpost_code fill_current_exception(outpost_error* err) noexcept;

// Runs body, filling err: OUTPOST_OK, or the code and message of whatever it
// threw (anything unexpected is OUTPOST_ERR_INTERNAL). Never throws.
template <class F>
outpost_code entry(outpost_error* err, F&& body) noexcept {
  try {
    body();
    fill_error(err, OUTPOST_OK, {}, false);
    return OUTPOST_OK;
  } catch (...) {
    return fill_current_exception(err);
  }
}

}  // namespace outpost::capi
