// Marketing's side (`outpost-publish`): a client of the hub's publisher
// endpoint. Content is chunked and the release signed on marketing's
// machine; the signing key never leaves it. Only chunks the hub lacks are
// uploaded. Synchronous (plain ZeroMQ with bounded waits); one thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/catalog/delta.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/catalog/statement.hpp"
#include "outpost/sync/hub_address.hpp"

namespace outpost::sync {

struct PublishReport {
  std::uint64_t seq = 0;          // the statement's place in the catalog
  std::size_t chunks = 0;         // in the content's recipe
  std::size_t chunks_sent = 0;    // the hub lacked these
  std::uint64_t bytes_sent = 0;
};

// Called with (bytes uploaded, bytes to upload).
using UploadProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

class PublisherClient {
 public:
  // Connects (lazily, as ZeroMQ does) to the hub's publisher endpoint,
  // expecting the hub's CURVE key, with the transport form of the
  // publisher's signing key: the hub admits registered publishers only
  // (permission, at once, for any other key).
  PublisherClient(const ParsedHubAddress& hub, const crypto::SigningKey& key,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~PublisherClient();
  PublisherClient(const PublisherClient&) = delete;
  PublisherClient& operator=(const PublisherClient&) = delete;

  // release carries everything but digest and size, which come from the
  // content. Signs with key, uploads missing chunks, submits.
  Result<PublishReport> publish(const std::filesystem::path& content, catalog::Release release,
                                const crypto::SigningKey& key, const UploadProgress& progress = {});
  Result<PublishReport> publish(ByteView content, catalog::Release release, const crypto::SigningKey& key);
  Result<std::uint64_t> revoke(const catalog::Revocation& revocation, const crypto::SigningKey& key);
  // The hub's catalog as a delta from 0 (checked by the caller as needed).
  Result<catalog::CatalogDelta> catalog();

  // Sends a statement as is (tests use it to send forged ones).
  Result<std::uint64_t> submit(const catalog::SignedStatement& statement,
                               const std::optional<std::vector<cache::RecipeEntry>>& recipe);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Publisher keys on disk: a 0600 file holding the Ed25519 seed.
Status save_publisher_key(const std::filesystem::path& path, const crypto::SigningKey& key);
Result<crypto::SigningKey> load_publisher_key(const std::filesystem::path& path);

}  // namespace outpost::sync
