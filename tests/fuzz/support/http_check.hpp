// What the HTTP harnesses check of every response a web shell gives, and
// how they put secrets they cannot guess (CSRF tokens, session ids) into
// an input: the seed holds a placeholder of the secret's length, 64 times
// one letter, which the harness replaces before the bytes are parsed.
#pragma once

#include <string>

#include "outpost/web/http.hpp"

namespace outpost::fuzz {

// Every occurrence of 64 x letter in text replaced by secret (64 chars).
void put_secret(std::string& text, char letter, const std::string& secret);

// The invariants of any response: a status of 100-599; no CR, LF or NUL in
// a header (no response splitting); a content type; a JSON body (unless
// it is content streamed from the cache) that parses; an HTML or text body
// of valid UTF-8; content within its reader, which reads it all back.
void check_response(web::Response& response);

}  // namespace outpost::fuzz
