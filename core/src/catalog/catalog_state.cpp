#include "outpost/catalog/catalog_state.hpp"

namespace outpost::catalog {

namespace {

Status signed_by_publisher(const SignedStatement& s, const TrustList& trust, std::uint64_t seq) {
  const std::string* publisher = trust.signer_for(s.signer, seq);
  if (publisher == nullptr) {
    return {Errc::integrity, "statement signed by key " + s.signer.hex().substr(0, 16) +
                                 "..., which may not publish at catalog seq " + std::to_string(seq) +
                                 " under trust list version " + std::to_string(trust.version)};
  }
  if (!s.signature_valid()) {
    return {Errc::integrity, "statement claiming publisher '" + *publisher + "' has an invalid signature"};
  }
  return Status::ok();
}

}  // namespace

Result<Record> CatalogState::add(const SignedStatement& s, const TrustList& trust) {
  if (Status ok = signed_by_publisher(s, trust, seq_ + 1); !ok) return ok;
  Result<StatementType> type = s.peek_type();
  if (!type) return type.status();

  Record record;
  if (*type == StatementType::release) {
    Result<Release> rel = Release::from_body(s.body);
    if (!rel) return rel.status();
    const auto it = versions_.find(rel->asset);
    if (it != versions_.end() && !it->second.empty() && *it->second.rbegin() >= rel->version) {
      return Status(Errc::invalid_argument, "release " + rel->asset + "@" + std::to_string(rel->version) +
                                                " does not increase the version (highest known: " +
                                                std::to_string(*it->second.rbegin()) + ")");
    }
    versions_[rel->asset].insert(rel->version);
    record = std::move(rel).value();
  } else if (*type == StatementType::revocation) {
    Result<Revocation> rev = Revocation::from_body(s.body);
    if (!rev) return rev.status();
    const std::string name = rev->asset + "@" + std::to_string(rev->version);
    const auto it = versions_.find(rev->asset);
    if (it == versions_.end() || !it->second.contains(rev->version)) {
      return Status(Errc::invalid_argument, "revocation of unknown release " + name);
    }
    if (!revoked_.insert({rev->asset, rev->version}).second) {
      return Status(Errc::invalid_argument, "release " + name + " is already revoked");
    }
    record = std::move(rev).value();
  } else {
    return Status(Errc::invalid_argument, std::string("a ") + std::string(type_name(*type)) +
                                              " cannot be part of the catalog sequence");
  }
  ++seq_;
  digest_ = chain_digest(digest_, s.digest());
  return record;
}

std::optional<std::string> CatalogState::missing_from(const CatalogState& other) const {
  for (const auto& [asset, versions] : versions_) {
    const auto it = other.versions_.find(asset);
    for (std::uint64_t v : versions) {
      if (it == other.versions_.end() || !it->second.contains(v)) return asset + "@" + std::to_string(v);
    }
  }
  for (const auto& [asset, version] : revoked_) {
    if (!other.revoked_.contains({asset, version})) {
      return "the revocation of " + asset + "@" + std::to_string(version);
    }
  }
  return std::nullopt;
}

Result<TrustList> check_trust_list(const SignedStatement& s, const crypto::PublicKey& root, const TrustList* current) {
  if (s.signer != root) return Status(Errc::integrity, "trust list is not signed by the pinned root key");
  if (!s.signature_valid()) return Status(Errc::integrity, "trust list signature is invalid");
  Result<TrustList> list = TrustList::from_body(s.body);
  if (!list) return list.status();
  if (current != nullptr && list->version <= current->version) {
    return Status(Errc::integrity, "trust list version " + std::to_string(list->version) +
                                       " is not newer than the held version " + std::to_string(current->version) +
                                       " (rollback refused)");
  }
  return list;
}

Result<CatalogTimestamp> check_timestamp(const SignedStatement& s, const TrustList& trust) {
  if (s.signer != trust.hub_key) return Status(Errc::integrity, "timestamp is not signed by the hub key on the trust list");
  if (!s.signature_valid()) return Status(Errc::integrity, "timestamp signature is invalid");
  return CatalogTimestamp::from_body(s.body);
}

}  // namespace outpost::catalog
