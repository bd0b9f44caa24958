// Checks shared by the harnesses that read signed statements: the body of
// each kind decodes, and what decodes re-encodes to an equal record.
#pragma once

#include "outpost/catalog/records.hpp"
#include "outpost/catalog/statement.hpp"
#include "support/fuzz.hpp"

namespace outpost::fuzz {

// peek_type and the body of its kind: failures are corrupt; a record that
// decodes equals itself after to_body/from_body. Returns the kind, if any.
std::optional<catalog::StatementType> check_statement(const catalog::SignedStatement& s);

// The statement with its body signed again by the world key that signed it
// (unchanged when its signer is no world key): a mutated body then passes
// the signature check and meets the checks behind it.
catalog::SignedStatement resign(const catalog::SignedStatement& s);

}  // namespace outpost::fuzz
