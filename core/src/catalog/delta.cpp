#include "outpost/catalog/delta.hpp"

#include <nlohmann/json.hpp>

#include "outpost/base/seq.hpp"

namespace outpost::catalog {

namespace {
using nlohmann::json;
constexpr const char* format = "outpost-delta/1";
constexpr std::size_t max_statements = 1'000'000;
}  // namespace

Bytes CatalogDelta::encode() const {
  json list = json::array();
  for (const SignedStatement& s : statements) list.push_back(json::binary(s.encode()));
  json j = {{"format", format},
            {"from_seq", from_seq},
            {"statements", list},
            {"timestamp", json::binary(timestamp.encode())},
            {"trust_list", trust_list ? json::binary(trust_list->encode()) : json(nullptr)}};
  return json::to_msgpack(j);
}

Result<CatalogDelta> CatalogDelta::decode(ByteView bytes) {
  const json j = json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return Status(Errc::corrupt, "not a catalog delta (not MessagePack)");
  auto field = [&](const char* key) -> const json* {
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  };
  const json* fmt = field("format");
  if (fmt == nullptr || !fmt->is_string() || fmt->get<std::string>() != format) {
    return Status(Errc::corrupt, "not a catalog delta (format is not outpost-delta/1)");
  }
  const json* from = field("from_seq");
  const json* list = field("statements");
  const json* ts = field("timestamp");
  const json* trust = field("trust_list");
  if (from == nullptr || !from->is_number_unsigned() || list == nullptr || !list->is_array() ||
      list->size() > max_statements || ts == nullptr || !ts->is_binary() || trust == nullptr ||
      !(trust->is_null() || trust->is_binary())) {
    return Status(Errc::corrupt, "catalog delta is missing or mistypes a field");
  }
  CatalogDelta d;
  d.from_seq = from->get<std::uint64_t>();
  if (d.from_seq > max_seq) return Status(Errc::corrupt, "catalog delta: from_seq is above 2^63-1, the largest seq");
  d.statements.reserve(list->size());
  for (const json& item : *list) {
    if (!item.is_binary()) return Status(Errc::corrupt, "catalog delta holds a non-binary statement");
    Result<SignedStatement> s = SignedStatement::decode(item.get_binary());
    if (!s) return s.status();
    d.statements.push_back(std::move(s).value());
  }
  Result<SignedStatement> stamp = SignedStatement::decode(ts->get_binary());
  if (!stamp) return stamp.status();
  d.timestamp = std::move(stamp).value();
  if (trust->is_binary()) {
    Result<SignedStatement> t = SignedStatement::decode(trust->get_binary());
    if (!t) return t.status();
    d.trust_list = std::move(t).value();
  }
  return d;
}

}  // namespace outpost::catalog
