// Typed reads of a JSON object's fields that never throw: the simulator
// reads other programs' --json output and must survive any shape. Pure.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace outpost::sim {

// The string at key, or "" when absent or not a string.
inline std::string text_of(const nlohmann::json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The unsigned number at key, or 0 when absent or not one.
inline std::uint64_t number_of(const nlohmann::json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// The boolean at key, false when absent or not one.
inline bool flag_of(const nlohmann::json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace outpost::sim
