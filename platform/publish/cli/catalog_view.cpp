// The hub's catalog read back as releases with their state, and `list`.
#include <algorithm>
#include <map>

#include "publish_cli.hpp"

namespace outpost::publish_cli {

namespace {

using nlohmann::json;

// As the devices' version gate judges it: a later release in force (valid,
// not revoked; even if expired since) supersedes once its grace is over.
void judge(CatalogEntry& e, const std::vector<CatalogEntry>& all, TimePoint now) {
  const catalog::Release& r = e.release;
  if (e.revocation) {
    e.state = "revoked";
  } else if (r.expires_at && now >= *r.expires_at) {
    e.state = "expired";
  } else if (now < r.valid_from) {
    e.state = "scheduled";
  } else {
    e.state = "current";
    for (const CatalogEntry& newer : all) {
      const catalog::Release& n = newer.release;
      if (n.asset != r.asset || n.version <= r.version || now < n.valid_from || newer.revocation) continue;
      const TimePoint grace_end = n.valid_from + n.grace;
      if (now >= grace_end) {
        e.state = "superseded";
        e.grace_ends.reset();
        return;
      }
      e.state = "in-grace";
      e.grace_ends = e.grace_ends ? std::min(*e.grace_ends, grace_end) : grace_end;
    }
  }
}

}  // namespace

Result<std::vector<CatalogEntry>> read_catalog(const catalog::CatalogDelta& delta, TimePoint now) {
  std::vector<CatalogEntry> entries;
  std::map<std::pair<std::string, std::uint64_t>, std::size_t> by_version;
  std::uint64_t seq = delta.from_seq;
  for (const catalog::SignedStatement& s : delta.statements) {
    ++seq;
    auto type = s.peek_type();
    if (!type) return type.status();
    if (*type == catalog::StatementType::release) {
      auto release = catalog::Release::from_body(s.body);
      if (!release) return release.status();
      by_version[{release->asset, release->version}] = entries.size();
      entries.push_back({std::move(*release), seq, std::nullopt, {}, std::nullopt});
    } else if (*type == catalog::StatementType::revocation) {
      auto revocation = catalog::Revocation::from_body(s.body);
      if (!revocation) return revocation.status();
      const auto it = by_version.find({revocation->asset, revocation->version});
      if (it != by_version.end()) entries[it->second].revocation = std::move(*revocation);
    }
  }
  for (CatalogEntry& e : entries) judge(e, entries, now);
  return entries;
}

void add_list_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("list", "The hub's catalog: every release and its state");
  cmd->footer(
      "STATE is current, in-grace (replaced, usable until its replacement's grace ends), superseded,\n"
      "scheduled (not valid yet), revoked or expired - as devices judge it.\n"
      "Example: outpost-publish --hub \"$OUTPOST_HUB\" list --asset pricing-deck");
  auto asset = std::make_shared<std::string>();
  cmd->add_option("--asset", *asset, "Only this asset's releases");
  cmd->callback([&ctx, asset] {
    auto client = ctx.client();
    const catalog::CatalogDelta delta = ctx.take(client->catalog());
    const auto entries = ctx.take(read_catalog(delta, ctx.clock.now()));
    json doc = json::array();
    std::vector<std::vector<std::string>> rows{{"ASSET", "VERSION", "TITLE", "KIND", "PUBLISHED", "STATE"}};
    for (const CatalogEntry& e : entries) {
      const catalog::Release& r = e.release;
      if (!asset->empty() && r.asset != *asset) continue;
      json entry = {{"asset", r.asset},
                    {"version", r.version},
                    {"title", r.title},
                    {"kind", r.kind},
                    {"size", r.size},
                    {"published_at", iso_time(r.published_at)},
                    {"valid_from", iso_time(r.valid_from)},
                    {"expires_at", r.expires_at ? json(iso_time(*r.expires_at)) : json(nullptr)},
                    {"seq", e.seq},
                    {"state", e.state}};
      if (e.grace_ends) entry["grace_ends"] = iso_time(*e.grace_ends);
      if (e.revocation) entry["revocation_reason"] = e.revocation->reason;
      doc.push_back(std::move(entry));
      const std::string state = e.grace_ends ? e.state + " until " + iso_time(*e.grace_ends) : e.state;
      rows.push_back({r.asset, std::to_string(r.version), r.title, r.kind, iso_time(r.published_at), state});
    }
    ctx.print(doc, rows.size() > 1 ? table(rows) : "the hub's catalog is empty");
  });
}

}  // namespace outpost::publish_cli
