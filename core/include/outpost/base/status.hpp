// Status and Result<T>: how Outpost reports failures that are part of normal
// life (not found, integrity, I/O, disk full, wrong key ...). Exceptions are
// kept for bugs and for constructors that cannot produce a valid object.
// Value types; safe to copy and move between threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace outpost {

enum class Errc {
  ok = 0,
  invalid_argument,  // the caller passed something malformed
  not_found,         // the thing asked for does not exist
  already_exists,    // a different thing already holds that name
  integrity,         // stored or received bytes failed verification
  wrong_key,         // a key or passphrase does not open this data
  permission,        // file permissions are unsafe or deny access
  io,                // the operating system refused a read or write
  disk_full,         // no space (or quota) left to write
  corrupt,           // a stored structure is malformed
  unsupported,       // made by a newer version of Outpost
  busy,              // another process holds the resource
};

std::string_view errc_name(Errc code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(Errc code, std::string message, bool transient = false)
      : code_(code), message_(std::move(message)), transient_(transient) {
    assert(code != Errc::ok);
  }

  static Status ok() { return {}; }

  bool is_ok() const noexcept { return code_ == Errc::ok; }
  explicit operator bool() const noexcept { return is_ok(); }
  Errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // A transient failure may succeed if retried later (network, busy).
  bool transient() const noexcept { return transient_; }

  // "integrity: chunk 3f2a... failed authentication"
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
  bool transient_ = false;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status error) : v_(std::move(error)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).is_ok());
  }

  bool is_ok() const noexcept { return std::holds_alternative<T>(v_); }
  explicit operator bool() const noexcept { return is_ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The failure; Status::ok() when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

// Thrown inside the library where unwinding is the simplest way to abandon
// an operation; public entry points turn it back into a Status (see guard.hpp).
class Error : public std::exception {
 public:
  explicit Error(Status status) : status_(std::move(status)), what_(status_.to_string()) {}
  Error(Errc code, std::string message) : Error(Status(code, std::move(message))) {}
  const Status& status() const noexcept { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

}  // namespace outpost
