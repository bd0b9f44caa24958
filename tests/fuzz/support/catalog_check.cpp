#include "catalog_check.hpp"

namespace outpost::fuzz {

namespace {

template <class Record>
void round_trip(const catalog::SignedStatement& s, const char* what) {
  const Result<Record> r = no_throw(what, [&] { return Record::from_body(s.body); });
  check_code(r.status(), {Errc::corrupt}, what);
  if (!r) return;
  const Result<Record> again = no_throw(what, [&] { return Record::from_body(r->to_body()); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), std::string(what) + " does not read its own body: " + again.status().to_string());
  OUTPOST_FUZZ_CHECK_MSG(*again == *r, std::string(what) + " changed on a round trip");
}

}  // namespace

std::optional<catalog::StatementType> check_statement(const catalog::SignedStatement& s) {
  const Result<catalog::StatementType> type = no_throw("peek_type", [&] { return s.peek_type(); });
  check_code(type.status(), {Errc::corrupt}, "peek_type");
  no_throw("signature_valid", [&] { return s.signature_valid(); });
  const Result<catalog::SignedStatement> again = no_throw("decode", [&] { return catalog::SignedStatement::decode(s.encode()); });
  OUTPOST_FUZZ_CHECK(again.is_ok() && *again == s);
  if (!type) return std::nullopt;
  switch (*type) {
    case catalog::StatementType::release: round_trip<catalog::Release>(s, "Release::from_body"); break;
    case catalog::StatementType::revocation: round_trip<catalog::Revocation>(s, "Revocation::from_body"); break;
    case catalog::StatementType::timestamp: round_trip<catalog::CatalogTimestamp>(s, "CatalogTimestamp::from_body"); break;
    case catalog::StatementType::trust_list: round_trip<catalog::TrustList>(s, "TrustList::from_body"); break;
  }
  return *type;
}

catalog::SignedStatement resign(const catalog::SignedStatement& s) {
  const crypto::SigningKey* key = world_key(s.signer);
  return key == nullptr ? s : catalog::sign_statement(s.body, *key);
}

}  // namespace outpost::fuzz
