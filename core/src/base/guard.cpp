#include "outpost/base/guard.hpp"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <system_error>

namespace outpost {

Status errno_status(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return {Errc::disk_full, std::move(message)};
    case EACCES:
    case EPERM:
    case EROFS: return {Errc::permission, std::move(message)};
    case ENOENT: return {Errc::not_found, std::move(message)};
    case EAGAIN:
    case EINTR: return {Errc::io, std::move(message), true};
    default: return {Errc::io, std::move(message)};
  }
}

namespace {

Status sqlite_status(const SQLite::Exception& e) {
  std::string message = std::string("database: ") + e.what();
  switch (e.getErrorCode()) {
    case SQLITE_FULL: return {Errc::disk_full, std::move(message)};
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return {Errc::busy, std::move(message), true};
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return {Errc::corrupt, std::move(message)};
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN: return {Errc::permission, std::move(message)};
    case SQLITE_IOERR:
      switch (e.getExtendedErrorCode()) {
        case SQLITE_IOERR_WRITE:
        case SQLITE_IOERR_FSYNC:
        case SQLITE_IOERR_TRUNCATE:
        case SQLITE_IOERR_SHMSIZE:
        case SQLITE_IOERR_SHMOPEN:
          // SQLite reports a write refused for want of space (or by the
          // file size limit) as an I/O error - a WAL write, a truncate,
          // the WAL index growing - with the system's errno still set.
          if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG) return {Errc::disk_full, std::move(message)};
          break;
        default: break;
      }
      return {Errc::io, std::move(message)};
    default: return {Errc::io, std::move(message)};
  }
}

}  // namespace

Status status_from_current_exception() {
  try {
    throw;
  } catch (const Error& e) {
    return e.status();
  } catch (const SQLite::Exception& e) {
    return sqlite_status(e);
  } catch (const std::system_error& e) {
    if (e.code().category() == std::system_category() || e.code().category() == std::generic_category()) {
      return errno_status(e.code().value(), e.what());
    }
    return {Errc::io, e.what()};
  } catch (const std::bad_alloc&) {
    return {Errc::io, "out of memory"};
  }
}

}  // namespace outpost
