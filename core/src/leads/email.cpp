#include "outpost/leads/email.hpp"

namespace outpost::leads {

namespace {

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

}  // namespace

std::string normal_email(std::string_view email) {
  std::size_t b = 0, e = email.size();
  while (b < e && ascii_space(email[b])) ++b;
  while (e > b && ascii_space(email[e - 1])) --e;
  std::string out(email.substr(b, e - b));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace outpost::leads
