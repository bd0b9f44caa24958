#include "boundary.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "outpost/base/guard.hpp"

namespace outpost::capi {

namespace {

std::atomic<std::int64_t> strings_alive{0};

}  // namespace

ApiError::ApiError(const Status& status)
    : code_(code_of(status.code())), message_(status.message()), transient_(status.transient()) {}

outpost_code code_of(Errc code) noexcept {
  switch (code) {
    case Errc::ok:
      return OUTPOST_OK;
    case Errc::invalid_argument:
      return OUTPOST_ERR_INVALID_ARGUMENT;
    case Errc::not_found:
      return OUTPOST_ERR_NOT_FOUND;
    case Errc::already_exists:
      return OUTPOST_ERR_ALREADY_EXISTS;
    case Errc::integrity:
      return OUTPOST_ERR_INTEGRITY;
    case Errc::wrong_key:
      return OUTPOST_ERR_WRONG_KEY;
    case Errc::permission:
      return OUTPOST_ERR_PERMISSION;
    case Errc::io:
      return OUTPOST_ERR_IO;
    case Errc::disk_full:
      return OUTPOST_ERR_DISK_FULL;
    case Errc::corrupt:
      return OUTPOST_ERR_CORRUPT;
    case Errc::unsupported:
      return OUTPOST_ERR_UNSUPPORTED;
    case Errc::busy:
      return OUTPOST_ERR_BUSY;
  }
  // A core code added without a C code: -Wswitch flags the switch above.
  return OUTPOST_ERR_INTERNAL;
}

const char* code_name(outpost_code code) noexcept {
  switch (code) {
    case OUTPOST_OK:
      return "ok";
    case OUTPOST_ERR_INVALID_ARGUMENT:
      return "invalid_argument";
    case OUTPOST_ERR_NOT_FOUND:
      return "not_found";
    case OUTPOST_ERR_ALREADY_EXISTS:
      return "already_exists";
    case OUTPOST_ERR_INTEGRITY:
      return "integrity";
    case OUTPOST_ERR_WRONG_KEY:
      return "wrong_key";
    case OUTPOST_ERR_PERMISSION:
      return "permission";
    case OUTPOST_ERR_IO:
      return "io";
    case OUTPOST_ERR_DISK_FULL:
      return "disk_full";
    case OUTPOST_ERR_CORRUPT:
      return "corrupt";
    case OUTPOST_ERR_UNSUPPORTED:
      return "unsupported";
    case OUTPOST_ERR_BUSY:
      return "busy";
    case OUTPOST_ERR_BLOCKED:
      return "blocked";
    case OUTPOST_ERR_INVALID_HANDLE:
      return "invalid_handle";
    case OUTPOST_ERR_WIPED:
      return "wiped";
    case OUTPOST_ERR_INTERNAL:
      return "internal";
    default:
      return "unknown";
  }
}

void check(const Status& status) {
  if (!status) throw ApiError(status);
}

void require(const void* p, const char* what) {
  if (p == nullptr) throw ApiError(OUTPOST_ERR_INVALID_ARGUMENT, std::string(what) + " must not be NULL");
}

void fill_error(outpost_error* err, outpost_code code, std::string_view message, bool transient) noexcept {
  if (err == nullptr) return;
  err->code = code;
  err->transient = transient ? 1 : 0;
  std::size_t n = std::min(message.size(), sizeof err->message - 1);
  // Never cut a multi-byte character in two: back off over continuation bytes.
  if (n < message.size()) {
    while (n > 0 && (static_cast<unsigned char>(message[n]) & 0xC0) == 0x80) --n;
  }
  if (n > 0) std::memcpy(err->message, message.data(), n);  // data() may be null when empty
  err->message[n] = '\0';
}

outpost_code fill_current_exception(outpost_error* err) noexcept {
  try {
    try {
      throw;
    } catch (const ApiError& e) {
      fill_error(err, e.code(), e.message(), e.transient());
      return e.code();
    } catch (const std::bad_alloc&) {
      fill_error(err, OUTPOST_ERR_INTERNAL, "out of memory", true);
      return OUTPOST_ERR_INTERNAL;
    } catch (...) {
      // outpost::Error, SQLite and system errors: the core's own mapping.
      const Status status = status_from_current_exception();
      fill_error(err, code_of(status.code()), status.message(), status.transient());
      return code_of(status.code());
    }
  } catch (const std::exception& e) {
    fill_error(err, OUTPOST_ERR_INTERNAL, e.what(), false);
  } catch (...) {
    fill_error(err, OUTPOST_ERR_INTERNAL, "unknown failure", false);
  }
  return OUTPOST_ERR_INTERNAL;
}

char* make_string(const std::string& text) {
  auto* s = static_cast<char*>(std::malloc(text.size() + 1));
  if (s == nullptr) throw std::bad_alloc();
  std::memcpy(s, text.data(), text.size());
  s[text.size()] = '\0';
  strings_alive.fetch_add(1);
  return s;
}

void free_string(char* s) noexcept {
  if (s == nullptr) return;
  std::free(s);
  strings_alive.fetch_sub(1);
}

std::int64_t live_strings() noexcept { return strings_alive.load(); }

}  // namespace outpost::capi
