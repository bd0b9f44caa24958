#include "outpost/base/status.hpp"

namespace outpost {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::already_exists: return "already exists";
    case Errc::integrity: return "integrity";
    case Errc::wrong_key: return "wrong key";
    case Errc::permission: return "permission";
    case Errc::io: return "i/o error";
    case Errc::disk_full: return "disk full";
    case Errc::corrupt: return "corrupt";
    case Errc::unsupported: return "unsupported";
    case Errc::busy: return "busy";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string out(errc_name(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace outpost
