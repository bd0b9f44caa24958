// publish and revoke: statements signed here with the publisher key (which
// never leaves this machine) and submitted to the hub.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "outpost/cache/version_ref.hpp"
#include "publish_cli.hpp"

namespace outpost::publish_cli {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_search_text = 256 * 1024;  // what a release may carry (records.cpp)

const CLI::Validator time_check(
    [](std::string& text) {
      return parse_time(text) ? std::string()
                              : "'" + text + "' is not a time: use 2026-12-01 or 2026-12-01T10:00:00Z (UTC)";
    },
    "TIME");
const CLI::Validator duration_check(
    [](std::string& text) {
      return parse_duration(text) ? std::string() : "'" + text + "' is not a duration: use e.g. 90m, 36h, 7d or 2w";
    },
    "DURATION");

// The kind when --kind is not given: from the file's extension.
std::string kind_from_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".pdf") return "pdf";
  if (ext == ".ppt" || ext == ".pptx" || ext == ".key" || ext == ".odp") return "deck";
  if (ext == ".mp4" || ext == ".mov" || ext == ".m4v" || ext == ".webm") return "video";
  return "document";
}

struct PublishArgs {
  std::string file, asset, title, description, kind, criticality = "general", valid_from, expires, grace, note;
  std::string search_text_file;
  std::vector<std::string> tags;
  catalog::Facets facets;
  std::uint64_t version = 0;  // 0: the next one
  bool on_demand = false;
};

catalog::Release make_release(const Context& ctx, const PublishArgs& a) {
  if (Status s = cache::validate_asset_id(a.asset); !s) ctx.usage("--asset: " + s.message());
  catalog::Release r;
  r.asset = a.asset;
  r.version = a.version;
  r.title = a.title;
  r.description = a.description;
  r.kind = a.kind.empty() ? kind_from_extension(a.file) : a.kind;
  r.tags = a.tags;
  r.facets = a.facets;
  r.criticality = a.criticality;
  r.download = a.on_demand ? catalog::DownloadPolicy::on_demand : catalog::DownloadPolicy::automatic;
  r.published_at = ctx.clock.now();
  r.valid_from = a.valid_from.empty() ? r.published_at : *parse_time(a.valid_from);
  if (!a.expires.empty()) {
    r.expires_at = *parse_time(a.expires);
    if (*r.expires_at <= r.valid_from) {
      ctx.usage("--expires (" + iso_time(*r.expires_at) + ") must be after the release becomes valid (" +
                iso_time(r.valid_from) + ")");
    }
  }
  if (!a.grace.empty()) r.grace = *parse_duration(a.grace);
  r.change_note = a.note;
  if (!a.search_text_file.empty()) {
    std::ifstream in(a.search_text_file, std::ios::binary);
    r.search_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) ctx.fail({Errc::io, "cannot read " + a.search_text_file});
    if (r.search_text.size() > max_search_text) {
      ctx.fail({Errc::invalid_argument,
                a.search_text_file + " holds more than " + format_size(max_search_text) + " of search text"});
    }
  }
  return r;
}

void add_publish(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("publish", "Publish a file as a new version of an asset");
  cmd->footer(
      "Signs the release with --key, uploads only the chunks the hub lacks, and prints the result.\n"
      "Without --version: one more than the highest version of the asset in the hub's catalog.\n"
      "Example: outpost-publish --key marketing.key --hub \"$OUTPOST_HUB\" publish q3-deck.pdf \\\n"
      "           --asset q3-deck --title \"Q3 pitch deck\" --tags pitch,q3 --region EMEA --grace 36h");
  auto a = std::make_shared<PublishArgs>();
  cmd->add_option("FILE", a->file, "The content")->required()->check(CLI::ExistingFile);
  cmd->add_option("--asset", a->asset, "Asset id: 1-128 of A-Z a-z 0-9 . _ -")->required();
  cmd->add_option("--title", a->title, "Title shown on devices")->required();
  cmd->add_option("--description", a->description, "Longer description");
  cmd->add_option("--kind", a->kind, "pdf, deck, video, form, price-sheet, ... (default: from the extension)");
  cmd->add_option("--tags", a->tags, "Comma-separated tags")->delimiter(',');
  cmd->add_option("--product", a->facets.product, "Search facet");
  cmd->add_option("--persona", a->facets.persona, "Search facet");
  cmd->add_option("--stage", a->facets.stage, "Search facet");
  cmd->add_option("--region", a->facets.region, "Search facet");
  cmd->add_option("--language", a->facets.language, "Search facet");
  cmd->add_option("--critical", a->criticality, "Offline budget class (default general: 90 days; price-sheet: 7 days)");
  cmd->add_flag("--on-demand", a->on_demand, "Devices download it when opened, not at sync");
  cmd->add_option("--valid-from", a->valid_from, "When it may first be shown (default now)")->check(time_check);
  cmd->add_option("--expires", a->expires, "When it may no longer be shown")->check(time_check);
  cmd->add_option("--grace", a->grace, "How long older versions stay usable after this one is valid")
      ->check(duration_check);
  cmd->add_option("--note", a->note, "What changed (shown with the update)");
  cmd->add_option("--version", a->version, "Version number (default: the next one)")->check(CLI::PositiveNumber);
  cmd->add_option("--search-text-file", a->search_text_file, "Text extracted from the content, for search")
      ->check(CLI::ExistingFile);
  cmd->callback([&ctx, a] {
    catalog::Release release = make_release(ctx, *a);
    const crypto::SigningKey key = ctx.signing_key();
    auto client = ctx.client();
    if (release.version == 0) {
      const auto entries = ctx.take(read_catalog(ctx.take(client->catalog()), ctx.clock.now()));
      std::uint64_t highest = 0;
      for (const CatalogEntry& e : entries) {
        if (e.release.asset == release.asset) highest = std::max(highest, e.release.version);
      }
      release.version = highest + 1;
    }
    const std::string ref = release.asset + "@" + std::to_string(release.version);
    std::error_code size_error;
    const std::uint64_t size = fs::file_size(a->file, size_error);
    const sync::PublishReport report =
        ctx.take(client->publish(a->file, release, key, ctx.progress("uploading " + ref)));
    ctx.print({{"asset", release.asset},
               {"version", release.version},
               {"seq", report.seq},
               {"size", size},
               {"chunks", report.chunks},
               {"chunks_uploaded", report.chunks_sent},
               {"bytes_uploaded", report.bytes_sent}},
              "published " + ref + " (catalog seq " + std::to_string(report.seq) +
                  "): " + std::to_string(report.chunks) + " chunks, " + std::to_string(report.chunks_sent) +
                  " uploaded (" + format_size(report.bytes_sent) + ")");
  });
}

void add_revoke(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("revoke", "Withdraw a published version: devices block it and shred its content");
  cmd->footer(
      "Example: outpost-publish --key marketing.key --hub \"$OUTPOST_HUB\" revoke q3-deck@2 \\\n"
      "           --reason \"wrong discount on slide 4\"");
  auto selector = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  cmd->add_option("ID@N", *selector, "Asset id and version")->required();
  cmd->add_option("--reason", *reason, "Why (shown on devices)")->required();
  cmd->callback([&ctx, selector, reason] {
    auto ref = cache::parse_version_ref(*selector);
    if (!ref) ctx.usage("ID@N: " + ref.status().message());
    const crypto::SigningKey key = ctx.signing_key();
    auto client = ctx.client();
    const catalog::Revocation revocation{ref->asset, ref->version, *reason, ctx.clock.now()};
    const std::uint64_t seq = ctx.take(client->revoke(revocation, key));
    ctx.print({{"asset", ref->asset}, {"version", ref->version}, {"seq", seq}},
              "revoked " + ref->to_string() + " (catalog seq " + std::to_string(seq) +
                  "): devices block it and shred its content at their next sync");
  });
}

}  // namespace

void add_release_commands(CLI::App& app, Context& ctx) {
  add_publish(app, ctx);
  add_revoke(app, ctx);
}

}  // namespace outpost::publish_cli
