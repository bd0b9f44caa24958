// CatalogDelta: what a device needs to move its catalog from from_seq to
// the timestamp's seq: the statements in order, the signed timestamp, and
// the current trust list when it changed. The same bytes travel over the
// wire and in offline bundle files (docs/protocol.md).
// Value type; thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "outpost/catalog/statement.hpp"

namespace outpost::catalog {

struct CatalogDelta {
  std::uint64_t from_seq = 0;
  std::vector<SignedStatement> statements;  // seq from_seq+1, from_seq+2, ...
  SignedStatement timestamp;
  std::optional<SignedStatement> trust_list;

  // MessagePack map {"format": "outpost-delta/1", "from_seq", "statements":
  // [envelope...], "timestamp": envelope, "trust_list": envelope | nil}.
  Bytes encode() const;
  static Result<CatalogDelta> decode(ByteView bytes);
};

}  // namespace outpost::catalog
