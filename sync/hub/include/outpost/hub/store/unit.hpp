// A unit of work on one store connection: RAII, rolled back unless
// committed. A write unit opened while another is open on the same
// connection nests (a savepoint): committing it keeps its changes for the
// outer unit to commit, destroying it undoes only its own.
#pragma once

#include <memory>

namespace outpost::hub {

class Unit {
 public:
  virtual ~Unit() = default;  // rolls back what was not committed; never throws
  // Makes the unit's changes part of the enclosing unit, or durable when
  // there is none. Throws outpost::Error (a transient one for contention).
  virtual void commit() = 0;
};

using UnitPtr = std::unique_ptr<Unit>;

}  // namespace outpost::hub
