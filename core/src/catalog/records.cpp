#include "outpost/catalog/records.hpp"

#include <nlohmann/json.hpp>

#include "outpost/cache/version_ref.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/base/seq.hpp"

namespace outpost::catalog {

namespace {

using nlohmann::json;

constexpr std::size_t max_text = 4096;
constexpr std::size_t max_name = 256;
constexpr std::size_t max_items = 256;
constexpr std::size_t max_search_text = 256 * 1024;

// Reads fields of a statement body, throwing Error(corrupt) that names the
// statement kind and field on anything missing, mistyped or oversized.
class BodyReader {
 public:
  BodyReader(ByteView body, std::string_view expected_type) : kind_(expected_type) {
    doc_ = json::from_msgpack(body.begin(), body.end(), true, false);
    if (doc_.is_discarded() || !doc_.is_object()) fail("", "is not a MessagePack map");
    if (str("type", max_name) != expected_type) fail("type", "is not '" + std::string(expected_type) + "'");
  }

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(Errc::corrupt, std::string(kind_) + (field.empty() ? "" : " field '" + field + "'") + " " + what);
  }

  const json& get(const std::string& key) const {
    auto it = doc_.find(key);
    if (it == doc_.end()) fail(key, "is missing");
    return *it;
  }

  bool has(const std::string& key) const {
    auto it = doc_.find(key);
    return it != doc_.end() && !it->is_null();
  }

  std::string str(const std::string& key, std::size_t max_len, bool allow_empty = true) const {
    const json& v = get(key);
    if (!v.is_string()) fail(key, "is not a string");
    std::string s = v.get<std::string>();
    if (s.size() > max_len) fail(key, "is longer than " + std::to_string(max_len) + " bytes");
    if (!allow_empty && s.empty()) fail(key, "is empty");
    return s;
  }

  std::uint64_t u64(const std::string& key) const {
    const json& v = get(key);
    if (!v.is_number_unsigned()) fail(key, "is not an unsigned integer");
    return v.get<std::uint64_t>();
  }

  TimePoint time(const std::string& key) const {
    const json& v = get(key);
    // Years 0 to 9999: far from overflow when durations are added.
    constexpr std::int64_t max_ms = 253'402'300'799'999;
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(max_ms)) ||
        v.get<std::int64_t>() < -62'135'596'800'000 || v.get<std::int64_t>() > max_ms) {
      fail(key, "is not a time in Unix milliseconds between years 1 and 9999");
    }
    return from_unix_ms(v.get<std::int64_t>());
  }

  Seconds duration(const std::string& key, const json& v) const {
    constexpr std::uint64_t max_s = 100ULL * 366 * 24 * 3600;  // a century
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max_s) fail(key, "is not a number of seconds up to a century");
    return Seconds(static_cast<std::int64_t>(v.get<std::uint64_t>()));
  }

  crypto::Digest digest(const std::string& key) const {
    const json& v = get(key);
    if (!v.is_binary() || v.get_binary().size() != 32) fail(key, "is not 32 bytes");
    return *crypto::Digest::from_bytes(v.get_binary());
  }

  crypto::PublicKey public_key(const json& v, const std::string& key) const {
    if (!v.is_binary() || v.get_binary().size() != 32) fail(key, "is not a 32-byte public key");
    crypto::PublicKey pk;
    std::copy(v.get_binary().begin(), v.get_binary().end(), pk.bytes.begin());
    return pk;
  }

  const json& array(const std::string& key) const {
    const json& v = get(key);
    if (!v.is_array() || v.size() > max_items) fail(key, "is not an array of at most " + std::to_string(max_items));
    return v;
  }

  const json& object(const std::string& key) const {
    const json& v = get(key);
    if (!v.is_object() || v.size() > max_items) fail(key, "is not a map of at most " + std::to_string(max_items));
    return v;
  }

 private:
  std::string_view kind_;
  json doc_;
};

json binary(ByteView bytes) { return json::binary(Bytes(bytes.begin(), bytes.end())); }

template <class T, class F>
Result<T> parse(F&& f) {
  return guarded([&]() -> Result<T> {
    try {
      return f();
    } catch (const json::exception& e) {
      return Status(Errc::corrupt, std::string("malformed statement: ") + e.what());
    }
  });
}

}  // namespace

Bytes Release::to_body() const {
  json j = {{"type", "release"},
            {"asset", asset},
            {"version", version},
            {"title", title},
            {"description", description},
            {"kind", kind},
            {"tags", tags},
            {"facets",
             {{"product", facets.product},
              {"persona", facets.persona},
              {"stage", facets.stage},
              {"region", facets.region},
              {"language", facets.language}}},
            {"criticality", criticality},
            {"download", download == DownloadPolicy::automatic ? "auto" : "on-demand"},
            {"digest", binary(digest.view())},
            {"size", size},
            {"valid_from", to_unix_ms(valid_from)},
            {"expires_at", expires_at ? json(to_unix_ms(*expires_at)) : json(nullptr)},
            {"grace_s", static_cast<std::uint64_t>(grace.count())},
            {"note", change_note},
            {"published_at", to_unix_ms(published_at)}};
  if (!search_text.empty()) j["text"] = search_text;
  return json::to_msgpack(j);
}

Result<Release> Release::from_body(ByteView body) {
  return parse<Release>([&] {
    BodyReader r(body, "release");
    Release rel;
    rel.asset = r.str("asset", 128, false);
    if (Status s = cache::validate_asset_id(rel.asset); !s) r.fail("asset", s.message());
    rel.version = r.u64("version");
    if (rel.version == 0) r.fail("version", "must be at least 1");
    rel.title = r.str("title", max_name, false);
    rel.description = r.str("description", max_text);
    rel.kind = r.str("kind", max_name, false);
    for (const json& t : r.array("tags")) {
      if (!t.is_string() || t.get<std::string>().size() > max_name) r.fail("tags", "holds a non-string or long tag");
      rel.tags.push_back(t.get<std::string>());
    }
    const json& f = r.object("facets");
    auto facet = [&](const char* name) -> std::string {
      auto it = f.find(name);
      if (it == f.end() || it->is_null()) return {};
      if (!it->is_string() || it->get<std::string>().size() > max_name) r.fail(std::string("facets.") + name, "is not a short string");
      return it->get<std::string>();
    };
    rel.facets = {facet("product"), facet("persona"), facet("stage"), facet("region"), facet("language")};
    rel.criticality = r.str("criticality", max_name, false);
    const std::string policy = r.str("download", max_name);
    if (policy == "auto") {
      rel.download = DownloadPolicy::automatic;
    } else if (policy == "on-demand") {
      rel.download = DownloadPolicy::on_demand;
    } else {
      r.fail("download", "is neither 'auto' nor 'on-demand'");
    }
    rel.digest = r.digest("digest");
    rel.size = r.u64("size");
    rel.valid_from = r.time("valid_from");
    if (r.has("expires_at")) {
      rel.expires_at = r.time("expires_at");
      if (*rel.expires_at <= rel.valid_from) r.fail("expires_at", "is not after valid_from");
    }
    rel.grace = r.duration("grace_s", r.get("grace_s"));
    rel.change_note = r.str("note", max_text);
    rel.published_at = r.time("published_at");
    if (r.has("text")) rel.search_text = r.str("text", max_search_text);
    return rel;
  });
}

Bytes Revocation::to_body() const {
  json j = {{"type", "revocation"},
            {"asset", asset},
            {"version", version},
            {"reason", reason},
            {"revoked_at", to_unix_ms(revoked_at)}};
  return json::to_msgpack(j);
}

Result<Revocation> Revocation::from_body(ByteView body) {
  return parse<Revocation>([&] {
    BodyReader r(body, "revocation");
    Revocation rev;
    rev.asset = r.str("asset", 128, false);
    if (Status s = cache::validate_asset_id(rev.asset); !s) r.fail("asset", s.message());
    rev.version = r.u64("version");
    rev.reason = r.str("reason", max_text);
    rev.revoked_at = r.time("revoked_at");
    return rev;
  });
}

Bytes CatalogTimestamp::to_body() const {
  json j = {{"type", "timestamp"},
            {"seq", seq},
            {"digest", binary(digest.view())},
            {"issued_at", to_unix_ms(issued_at)},
            {"expires_at", to_unix_ms(expires_at)}};
  return json::to_msgpack(j);
}

Result<CatalogTimestamp> CatalogTimestamp::from_body(ByteView body) {
  return parse<CatalogTimestamp>([&] {
    BodyReader r(body, "timestamp");
    CatalogTimestamp ts;
    ts.seq = r.u64("seq");
    if (ts.seq > max_seq) r.fail("seq", "is above 2^63-1, the largest seq");
    ts.digest = r.digest("digest");
    ts.issued_at = r.time("issued_at");
    ts.expires_at = r.time("expires_at");
    if (ts.expires_at <= ts.issued_at) r.fail("expires_at", "is not after issued_at");
    return ts;
  });
}

Bytes TrustList::to_body() const {
  json pubs = json::array();
  for (const Publisher& p : publishers) pubs.push_back({{"name", p.name}, {"key", binary(p.key.bytes)}});
  json gone = json::array();
  for (const RetiredPublisher& p : retired) {
    gone.push_back({{"name", p.name}, {"key", binary(p.key.bytes)}, {"valid_through_seq", p.valid_through_seq}});
  }
  json budgets = json::object();
  for (const auto& [name, budget] : offline_budget) budgets[name] = static_cast<std::uint64_t>(budget.count());
  json j = {{"type", "trust-list"},
            {"version", version},
            {"publishers", pubs},
            {"retired", gone},
            {"hub_key", binary(hub_key.bytes)},
            {"offline_budget_s", budgets},
            {"issued_at", to_unix_ms(issued_at)}};
  if (lead_key) j["lead_key"] = binary(lead_key->bytes);
  return json::to_msgpack(j);
}

Result<TrustList> TrustList::from_body(ByteView body) {
  return parse<TrustList>([&] {
    BodyReader r(body, "trust-list");
    TrustList t;
    t.version = r.u64("version");
    for (const json& p : r.array("publishers")) {
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || !p.contains("key")) {
        r.fail("publishers", "holds an entry without name and key");
      }
      t.publishers.push_back({p["name"].get<std::string>(), r.public_key(p["key"], "publishers.key")});
    }
    if (r.has("retired")) {
      for (const json& p : r.array("retired")) {
        if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || !p.contains("key") ||
            !p.contains("valid_through_seq") || !p["valid_through_seq"].is_number_unsigned()) {
          r.fail("retired", "holds an entry without name, key and valid_through_seq");
        }
        t.retired.push_back({p["name"].get<std::string>(), r.public_key(p["key"], "retired.key"),
                             p["valid_through_seq"].get<std::uint64_t>()});
      }
    }
    t.hub_key = r.public_key(r.get("hub_key"), "hub_key");
    if (r.has("lead_key")) t.lead_key = crypto::BoxPublicKey{r.public_key(r.get("lead_key"), "lead_key").bytes};
    for (const auto& [name, value] : r.object("offline_budget_s").items()) {
      t.offline_budget[name] = r.duration("offline_budget_s." + name, value);
    }
    if (!t.offline_budget.contains("general")) r.fail("offline_budget_s", "has no 'general' class");
    t.issued_at = r.time("issued_at");
    return t;
  });
}

Seconds TrustList::budget_for(const std::string& criticality) const {
  auto it = offline_budget.find(criticality);
  if (it != offline_budget.end()) return it->second;
  it = offline_budget.find("general");
  return it != offline_budget.end() ? it->second : default_offline_budget().at("general");
}

const Publisher* TrustList::find_publisher(const crypto::PublicKey& key) const {
  for (const Publisher& p : publishers) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

const std::string* TrustList::signer_for(const crypto::PublicKey& key, std::uint64_t seq) const {
  if (const Publisher* p = find_publisher(key)) return &p->name;
  for (const RetiredPublisher& p : retired) {
    if (p.key == key && seq <= p.valid_through_seq) return &p.name;
  }
  return nullptr;
}

std::map<std::string, Seconds> default_offline_budget() {
  using std::chrono::days;
  return {{"price-sheet", std::chrono::duration_cast<Seconds>(days(7))},
          {"general", std::chrono::duration_cast<Seconds>(days(90))}};
}

crypto::Digest chain_digest(const crypto::Digest& previous, const crypto::Digest& statement) {
  crypto::Blake2b h;
  h.update(previous.view());
  h.update(statement.view());
  return h.finish();
}

}  // namespace outpost::catalog
