// The one normal form of an email address, shared by the kiosk (lead
// capture, consent withdrawal) and the hub (lead dedupe, erasure): their
// dedupe keys must agree byte for byte. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace outpost::leads {

// ASCII whitespace trimmed from both ends, ASCII letters lower-cased; any
// other byte (an internationalised address's UTF-8) kept as it is.
std::string normal_email(std::string_view email);

}  // namespace outpost::leads
