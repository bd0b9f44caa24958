#include "outpost/catalog/catalog_authority.hpp"

namespace outpost::catalog {

Result<CatalogAuthority> CatalogAuthority::create(const SignedStatement& trust_list, const crypto::PublicKey& root) {
  Result<TrustList> trust = check_trust_list(trust_list, root, nullptr);
  if (!trust) return trust.status();
  return CatalogAuthority(trust_list, std::move(trust).value());
}

Status CatalogAuthority::restore(const std::vector<SignedStatement>& statements) {
  for (const SignedStatement& s : statements) {
    if (auto seq = submit(s); !seq) {
      return {seq.status().code(), "stored statement " + std::to_string(state_.seq() + 1) + ": " +
                                       seq.status().message()};
    }
  }
  return Status::ok();
}

Status CatalogAuthority::update_trust(const SignedStatement& trust_list, const crypto::PublicKey& root) {
  Result<TrustList> trust = check_trust_list(trust_list, root, &trust_);
  if (!trust) return trust.status();
  // The hub signs every timestamp with the key the list names: a list
  // naming another would make every device refuse the catalog from then on
  // (found by the statement fuzzer). The hub's key does not change.
  if (trust->hub_key != trust_.hub_key) {
    return {Errc::invalid_argument, "trust list version " + std::to_string(trust->version) +
                                        " names another hub key than this hub's: every device would refuse its "
                                        "catalog (the hub key cannot change)"};
  }
  // Every device must still be able to verify the whole history: a removed
  // publisher has to be listed as retired through its last statement.
  for (std::size_t i = 0; i < statements_.size(); ++i) {
    const std::uint64_t seq = i + 1;
    if (trust->signer_for(statements_[i].signer, seq) == nullptr) {
      return {Errc::invalid_argument, "trust list version " + std::to_string(trust->version) +
                                          " drops the signer of catalog statement " + std::to_string(seq) +
                                          "; list that key under retired with valid_through_seq >= " +
                                          std::to_string(seq)};
    }
  }
  trust_ = std::move(trust).value();
  trust_statement_ = trust_list;
  return Status::ok();
}

Result<std::uint64_t> CatalogAuthority::submit(const SignedStatement& statement) {
  Result<Record> record = state_.add(statement, trust_);
  if (!record) return record.status();
  statements_.push_back(statement);
  return state_.seq();
}

SignedStatement CatalogAuthority::timestamp(const crypto::SigningKey& hub_key, TimePoint now,
                                            std::chrono::seconds lifetime) const {
  CatalogTimestamp ts;
  ts.seq = state_.seq();
  ts.digest = state_.digest();
  ts.issued_at = now;
  ts.expires_at = now + lifetime;
  return sign_statement(ts.to_body(), hub_key);
}

Result<CatalogDelta> CatalogAuthority::delta(std::uint64_t from_seq, const crypto::SigningKey& hub_key,
                                             TimePoint now, std::chrono::seconds lifetime,
                                             bool include_trust) const {
  if (from_seq > state_.seq()) {
    return Status(Errc::invalid_argument, "device claims catalog seq " + std::to_string(from_seq) +
                                              " but the hub is at " + std::to_string(state_.seq()));
  }
  CatalogDelta d;
  d.from_seq = from_seq;
  d.statements.assign(statements_.begin() + static_cast<std::ptrdiff_t>(from_seq), statements_.end());
  d.timestamp = timestamp(hub_key, now, lifetime);
  if (include_trust) d.trust_list = trust_statement_;
  return d;
}

}  // namespace outpost::catalog
