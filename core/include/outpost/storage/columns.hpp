// SQLite column and binding helpers every Outpost store shares (device
// stores in core, the hub's SQLite backend): bytes in and out of BLOB
// columns, nullable times and text.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <optional>
#include <string>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"

namespace outpost::storage {

inline void bind_blob(SQLite::Statement& st, int index, ByteView bytes) {
  st.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

// The column's bytes, valid until the statement steps or resets.
inline ByteView blob_view(const SQLite::Column& c) {
  return {static_cast<const std::uint8_t*>(c.getBlob()), static_cast<std::size_t>(c.getBytes())};
}

inline Bytes blob_bytes(const SQLite::Column& c) {
  const ByteView b = blob_view(c);
  return Bytes(b.begin(), b.end());
}

// Unix milliseconds, or nullopt for NULL.
inline std::optional<TimePoint> opt_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return from_unix_ms(c.getInt64());
}

// "" for NULL.
inline std::string opt_text(const SQLite::Column& c) { return c.isNull() ? std::string() : c.getString(); }

}  // namespace outpost::storage
