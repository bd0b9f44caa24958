// libsodium initialisation. sodium_init() is itself thread-safe and
// idempotent; every crypto entry point calls ensure_sodium() first.
#pragma once

namespace outpost::crypto {

// Throws std::runtime_error if libsodium cannot be initialised.
void ensure_sodium();

}  // namespace outpost::crypto
