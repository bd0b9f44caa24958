#include "outpost/sync/publisher.hpp"

#include <fstream>
#include <set>

#include "outpost/cache/content_digest.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/storage/byte_source.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::sync {

namespace {
constexpr std::size_t upload_batch_bytes = 4u << 20;
}

struct PublisherClient::Impl {
  Impl(const ParsedHubAddress& h, const crypto::SigningKey& key, std::chrono::milliseconds t)
      : hub(h), keys(curve_keys_of(key)), timeout(t), socket(context, zmq::socket_type::dealer), monitor(context, socket) {
    make_curve_client(socket, keys, hub.key);
    socket.connect(hub.address.publish());
  }

  ParsedHubAddress hub;
  CurveKeyPair keys;
  std::chrono::milliseconds timeout;
  zmq::context_t context;
  zmq::socket_t socket;
  HandshakeMonitor monitor;
  std::uint64_t next_id = 1;

  template <typename M>
  Result<M> call(const Envelope& request) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Never a blocking send: with no live connection (a refused handshake
    // tears it down) a DEALER would wait for a peer forever.
    const std::vector<Bytes> outgoing = encode(request);
    while (!send_frames(socket, outgoing, zmq::send_flags::dontwait)) {
      zmq::pollitem_t item{monitor.socket().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      if (monitor.refused()) {
        return Status(Errc::permission, "the hub refused this publisher key: it is not registered "
                                        "(the hub admin runs: outpost-hub publishers add NAME KEY)");
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status(Errc::io, "cannot reach the hub at " + hub.address.publish() + " (is it running?)");
      }
    }
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}, {monitor.socket().handle(), 0, ZMQ_POLLIN, 0}};
      if (left.count() > 0) zmq::poll(items, 2, left);
      if (monitor.refused()) {
        return Status(Errc::permission, "the hub refused this publisher key: it is not registered "
                                        "(the hub admin runs: outpost-hub publishers add NAME KEY)");
      }
      if ((items[0].revents & ZMQ_POLLIN) == 0) {
        if (std::chrono::steady_clock::now() < deadline) continue;
        return Status(Errc::io, "the hub at " + hub.address.publish() + " did not answer within " +
                                    std::to_string((timeout.count() + 999) / 1000) +
                                    " s (is it running? is the address right?)");
      }
      auto frames = recv_frames(socket);
      auto reply = decode(*frames);
      if (!reply) return reply.status();
      if (reply->id != request.id) continue;  // late reply to an abandoned request
      return msg::expect<M>(*reply);
    }
  }

  Result<std::vector<cache::ChunkId>> missing(const std::vector<cache::RecipeEntry>& recipe) {
    std::set<cache::ChunkId> distinct;
    std::vector<cache::ChunkId> ids;
    for (const auto& e : recipe) {
      if (distinct.insert(e.id).second) ids.push_back(e.id);
    }
    std::vector<cache::ChunkId> out;
    for (std::size_t at = 0; at < ids.size(); at += msg::max_have_ids) {
      msg::PublishHave have;
      have.chunks.assign(ids.begin() + static_cast<std::ptrdiff_t>(at),
                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + msg::max_have_ids)));
      auto reply = call<msg::PublishMissing>(have.to_envelope(next_id++));
      if (!reply) return reply.status();
      out.insert(out.end(), reply->chunks.begin(), reply->chunks.end());
    }
    return out;
  }

  // Uploads the chunks the hub lacks; read(entry) gives a chunk's bytes.
  Status upload(const std::vector<cache::RecipeEntry>& recipe, const std::function<Bytes(const cache::RecipeEntry&)>& read,
                PublishReport& report, const UploadProgress& progress) {
    auto lacking = missing(recipe);
    if (!lacking) return lacking.status();
    const std::set<cache::ChunkId> wanted(lacking->begin(), lacking->end());
    std::vector<const cache::RecipeEntry*> to_upload;
    std::set<cache::ChunkId> taken;
    std::uint64_t total = 0;
    for (const auto& e : recipe) {
      if (wanted.contains(e.id) && taken.insert(e.id).second) {
        to_upload.push_back(&e);
        total += e.size;
      }
    }
    msg::PublishChunks batch;
    std::size_t batch_bytes = 0;
    auto flush = [&]() -> Status {
      if (batch.chunks.empty()) return {};
      auto stored = call<msg::PublishStored>(batch.to_envelope(next_id++));
      if (!stored) return stored.status();
      report.chunks_sent += batch.chunks.size();
      report.bytes_sent += batch_bytes;
      if (progress) progress(report.bytes_sent, total);
      batch = {};
      batch_bytes = 0;
      return {};
    };
    for (const cache::RecipeEntry* e : to_upload) {
      if (batch.chunks.size() == msg::max_chunk_ids || batch_bytes + e->size > upload_batch_bytes) {
        if (Status s = flush(); !s) return s;
      }
      batch.chunks.push_back(e->id);
      batch.data.push_back(read(*e));
      batch_bytes += e->size;
    }
    return flush();
  }

  Result<PublishReport> publish(const cache::Recipe& recipe, catalog::Release release, const crypto::SigningKey& key,
                                const std::function<Bytes(const cache::RecipeEntry&)>& read,
                                const UploadProgress& progress) {
    release.digest = recipe.digest;
    release.size = recipe.size;
    PublishReport report;
    report.chunks = recipe.entries.size();
    if (Status s = upload(recipe.entries, read, report, progress); !s) return s;
    msg::PublishStatement statement{catalog::sign_statement(release.to_body(), key).encode(), recipe.entries};
    auto ok = call<msg::PublishOk>(statement.to_envelope(next_id++));
    if (!ok) return ok.status();
    report.seq = ok->seq;
    return report;
  }
};

PublisherClient::PublisherClient(const ParsedHubAddress& hub, const crypto::SigningKey& key,
                                 std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(hub, key, timeout)) {}
PublisherClient::~PublisherClient() = default;

Result<PublishReport> PublisherClient::publish(const std::filesystem::path& content, catalog::Release release,
                                               const crypto::SigningKey& key, const UploadProgress& progress) {
  return guarded([&]() -> Result<PublishReport> {
    storage::FileSource source(content);
    const cache::Recipe recipe = cache::make_recipe(source);
    std::ifstream in(content, std::ios::binary);
    auto read = [&](const cache::RecipeEntry& e) {
      Bytes bytes(e.size);
      in.seekg(static_cast<std::streamoff>(e.offset));
      in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!in) throw Error(Errc::io, "cannot read " + content.string() + " (did it change while publishing?)");
      return bytes;
    };
    return impl_->publish(recipe, std::move(release), key, read, progress);
  });
}

Result<PublishReport> PublisherClient::publish(ByteView content, catalog::Release release,
                                               const crypto::SigningKey& key) {
  return guarded([&]() -> Result<PublishReport> {
    const cache::Recipe recipe = cache::make_recipe(content);
    auto read = [&](const cache::RecipeEntry& e) {
      const ByteView piece = content.subspan(e.offset, e.size);
      return Bytes(piece.begin(), piece.end());
    };
    return impl_->publish(recipe, std::move(release), key, read, {});
  });
}

Result<std::uint64_t> PublisherClient::revoke(const catalog::Revocation& revocation, const crypto::SigningKey& key) {
  return submit(catalog::sign_statement(revocation.to_body(), key), std::nullopt);
}

Result<std::uint64_t> PublisherClient::submit(const catalog::SignedStatement& statement,
                                              const std::optional<std::vector<cache::RecipeEntry>>& recipe) {
  return guarded([&]() -> Result<std::uint64_t> {
    auto ok = impl_->call<msg::PublishOk>(msg::PublishStatement{statement.encode(), recipe}.to_envelope(impl_->next_id++));
    if (!ok) return ok.status();
    return ok->seq;
  });
}

Result<catalog::CatalogDelta> PublisherClient::catalog() {
  return guarded([&]() -> Result<catalog::CatalogDelta> {
    auto delta = impl_->call<msg::CatalogDeltaMsg>(msg::CatalogGet{0}.to_envelope(impl_->next_id++));
    if (!delta) return delta.status();
    return catalog::CatalogDelta::decode(delta->delta);
  });
}

Status save_publisher_key(const std::filesystem::path& path, const crypto::SigningKey& key) {
  return guarded([&]() -> Status {
    const crypto::SecretKey seed = key.seed();
    storage::create_file_durably(path, seed.view(), 0600);
    return {};
  });
}

Result<crypto::SigningKey> load_publisher_key(const std::filesystem::path& path) {
  return guarded([&]() -> Result<crypto::SigningKey> {
    Bytes seed = storage::read_file(path);
    if (seed.size() != 32) {
      crypto::wipe(seed);
      return Status(Errc::invalid_argument, path.string() + " is not a publisher key (made by outpost-publish keygen)");
    }
    crypto::SigningKey key = crypto::SigningKey::from_seed(seed);
    crypto::wipe(seed);
    return key;
  });
}

}  // namespace outpost::sync
