#include "cache_commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <sstream>

#include "outpost/base/guard.hpp"
#include "outpost/storage/byte_source.hpp"

namespace outpost::cli {

namespace {

using nlohmann::json;

json version_json(const cache::VersionInfo& v) {
  return {{"asset", v.ref.asset},
          {"version", v.ref.version},
          {"size", v.size},
          {"digest", v.digest.hex()},
          {"chunks", v.chunk_count},
          {"missing_chunks", v.missing_chunks},
          {"pinned", v.pinned},
          {"superseded", v.superseded},
          {"imported_at", iso_time(v.imported_at)},
          {"last_used", iso_time(v.last_used)}};
}

cache::VersionRef version_arg(const Context& ctx, const std::string& text) {
  return ctx.take(cache::parse_version_ref(text));
}

std::uint64_t size_arg(const Context& ctx, const std::string& text) {
  auto size = parse_size(text);
  if (!size) ctx.fail({Errc::invalid_argument, "'" + text + "' is not a size (examples: 500M, 2G, 1048576)"});
  return *size;
}

void write_stdout(const Context& ctx, ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ctx.fail(errno_status(errno, "cannot write to standard output"));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void add_import(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("import", "Store a file in the cache as a version of an asset");
  cmd->footer("Example: outpost cache import deck.pdf --asset deck-q3 --version 2");
  auto file = std::make_shared<std::string>();
  auto asset = std::make_shared<std::string>();
  auto version = std::make_shared<std::uint64_t>(0);
  cmd->add_option("FILE", *file, "File to import")->required();
  cmd->add_option("--asset", *asset, "Asset id (letters, digits, '.', '_', '-')")->required();
  cmd->add_option("--version", *version, "Version number (>= 1)")->required();
  cmd->callback([&ctx, file, asset, version] {
    const cache::VersionRef ref{*asset, *version};
    ctx.check(cache::validate(ref));
    auto home = ctx.open_home();
    auto source = ctx.take(guarded([&]() -> Result<std::unique_ptr<storage::FileSource>> {
      return std::make_unique<storage::FileSource>(*file);
    }));
    const cache::VersionInfo info = ctx.take(home->cache().import(ref, *source, ctx.progress("importing")));
    ctx.print(version_json(info), "imported " + ref.to_string() + ": " + format_size(info.size) + " in " +
                                      std::to_string(info.chunk_count) + " chunks, digest " + info.digest.hex());
  });
}

void add_cat(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("cat", "Write a cached version's content to standard output");
  cmd->footer("Example: outpost cache cat deck-q3@2 > deck.pdf   (ID alone: the newest cached version)");
  auto selector = std::make_shared<std::string>();
  auto offset = std::make_shared<std::uint64_t>(0);
  auto length = std::make_shared<std::optional<std::uint64_t>>();
  cmd->add_option("ID[@N]", *selector, "Asset id, optionally with @version")->required();
  cmd->add_option("--offset", *offset, "Start at this byte");
  cmd->add_option("--length", *length, "Write at most this many bytes");
  cmd->callback([&ctx, selector, offset, length] {
    const cache::AssetSelector sel = ctx.take(cache::parse_selector(*selector));
    auto home = ctx.open_home();
    cache::AssetReader reader = ctx.take(home->cache().open_reader(sel.asset, sel.version));
    std::uint64_t left = length->value_or(UINT64_MAX);
    reader.seek(*offset);
    Bytes buffer(1024 * 1024);
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), left));
      const std::size_t n = ctx.take(reader.read(MutableByteView(buffer).first(want)));
      if (n == 0) break;
      write_stdout(ctx, ByteView(buffer).first(n));
      left -= n;
    }
  });
}

void add_verify(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("verify", "Check every chunk; bad ones are removed and re-fetched at next sync");
  cmd->footer("Exit code 1 if any chunk is bad. Versions still missing chunks (bad ones, or a sync that has\n"
              "not finished) are listed: the next sync fetches them. Example: outpost cache verify --json");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    const cache::VerifyReport report = ctx.take(home->cache().verify(ctx.progress("verifying")));
    json bad = json::array();
    for (const auto& id : report.bad_chunks) bad.push_back(id.hex());
    json damaged = json::array();
    std::ostringstream text;
    text << "checked " << report.chunks_checked << " chunks: ";
    text << (report.ok() ? "all good" : std::to_string(report.bad_chunks.size()) + " bad");
    for (const auto& ref : report.damaged_versions) {
      damaged.push_back(ref.to_string());
      text << "\n  incomplete: " << ref.to_string() << " (its missing chunks are fetched at the next sync)";
    }
    ctx.print({{"checked", report.chunks_checked}, {"bad_chunks", bad}, {"damaged_versions", damaged}}, text.str());
    if (!report.ok()) throw Exit{1};
  });
}

void add_stats(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("stats", "Show what the cache holds and how much space it uses");
  cmd->footer("Content is the size of the documents; on disk adds encryption and file overhead.\n"
              "Example: outpost cache stats");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    const cache::CacheStats s = home->cache().stats();
    const json doc = cache_stats_json(s);
    std::ostringstream text;
    text << "assets:   " << s.assets << " (" << s.versions << " versions, " << s.pinned_versions << " pinned)\n"
         << "content:  " << format_size(s.logical_bytes) << "\n"
         << "on disk:  " << format_size(s.stored_bytes) << " in " << s.chunks << " chunks";
    if (s.missing_chunks > 0) text << " (" << s.missing_chunks << " missing)";
    text << "\nquota:    " << (s.quota ? format_size(*s.quota) : std::string("none"));
    ctx.print(doc, text.str());
  });
}

void add_list(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("list", "List cached versions");
  cmd->footer("Pinned: kept through eviction; superseded: a newer version is cached; incomplete: chunks\n"
              "still to fetch at the next sync. Example: outpost cache list --json");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    json doc = json::array();
    std::ostringstream text;
    for (const auto& v : home->cache().list()) {
      doc.push_back(version_json(v));
      text << v.ref.to_string() << "  " << format_size(v.size) << (v.pinned ? "  pinned" : "")
           << (v.superseded ? "  superseded" : "") << (v.missing_chunks ? "  INCOMPLETE (" + std::to_string(v.missing_chunks) + " chunks to fetch)" : std::string()) << "\n";
    }
    ctx.print(doc, text.str().empty() ? "the cache is empty" : text.str());
  });
}

void add_pin(CLI::App& cache, Context& ctx, bool pin) {
  auto* cmd = cache.add_subcommand(pin ? "pin" : "unpin", pin ? "Keep a version through eviction (for offline use)"
                                                               : "Let a version be evicted again");
  cmd->footer(pin ? "Example: outpost cache pin deck-q3@2" : "Example: outpost cache unpin deck-q3@2");
  auto ref = std::make_shared<std::string>();
  cmd->add_option("ID@N", *ref, "Asset version")->required();
  cmd->callback([&ctx, ref, pin] {
    const cache::VersionRef v = version_arg(ctx, *ref);
    auto home = ctx.open_home();
    ctx.check(home->cache().set_pinned(v, pin));
    ctx.print({{"version", v.to_string()}, {"pinned", pin}}, (pin ? "pinned " : "unpinned ") + v.to_string());
  });
}

json evict_json(const cache::EvictReport& r) {
  json evicted = json::array();
  for (const auto& v : r.evicted) evicted.push_back(v.to_string());
  return {{"evicted", evicted}, {"stored_bytes", r.stored_bytes}, {"reached_target", r.reached_target}};
}

void add_evict(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("evict", "Free space: evict superseded, then least recently used versions");
  cmd->footer("Pinned versions are never evicted. Exit code 1 if the target cannot be reached.\n"
              "Example: outpost cache evict --to 500M");
  auto target = std::make_shared<std::string>();
  cmd->add_option("--to", *target, "Target size of the cache on disk")->required();
  cmd->callback([&ctx, target] {
    const std::uint64_t bytes = size_arg(ctx, *target);
    auto home = ctx.open_home();
    const cache::EvictReport r = ctx.take(home->cache().evict_to(bytes));
    std::ostringstream text;
    for (const auto& v : r.evicted) text << "evicted " << v.to_string() << "\n";
    text << "cache now uses " << format_size(r.stored_bytes);
    if (!r.reached_target) text << "; the rest is pinned, above the target of " << format_size(bytes);
    ctx.print(evict_json(r), text.str());
    if (!r.reached_target) throw Exit{1};
  });
}

void add_quota(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("quota", "Set the cache quota (evicts now and after every import)");
  cmd->footer("Example: outpost cache quota 2G     outpost cache quota none");
  auto value = std::make_shared<std::string>();
  cmd->add_option("SIZE", *value, "Quota, or 'none'")->required();
  cmd->callback([&ctx, value] {
    const std::optional<std::uint64_t> bytes =
        *value == "none" ? std::nullopt : std::optional<std::uint64_t>(size_arg(ctx, *value));
    auto home = ctx.open_home();
    ctx.check(home->cache().set_quota(bytes));
    ctx.print({{"quota", bytes ? json(*bytes) : json(nullptr)}},
              bytes ? "quota set to " + format_size(*bytes) : std::string("quota removed"));
  });
}

void add_shred(CLI::App& cache, Context& ctx) {
  auto* cmd = cache.add_subcommand("shred", "Delete a version and every chunk no other version uses");
  cmd->footer("Example: outpost cache shred deck-q3@1");
  auto ref = std::make_shared<std::string>();
  cmd->add_option("ID@N", *ref, "Asset version")->required();
  cmd->callback([&ctx, ref] {
    const cache::VersionRef v = version_arg(ctx, *ref);
    auto home = ctx.open_home();
    ctx.check(home->cache().shred(v));
    ctx.print({{"shredded", v.to_string()}}, "shredded " + v.to_string());
  });
}

}  // namespace

void add_cache_commands(CLI::App& app, Context& ctx) {
  auto* cache = app.add_subcommand("cache", "The encrypted asset cache on this device");
  cache->require_subcommand(1);
  add_import(*cache, ctx);
  add_cat(*cache, ctx);
  add_verify(*cache, ctx);
  add_stats(*cache, ctx);
  add_list(*cache, ctx);
  add_pin(*cache, ctx, true);
  add_pin(*cache, ctx, false);
  add_evict(*cache, ctx);
  add_quota(*cache, ctx);
  add_shred(*cache, ctx);
}

}  // namespace outpost::cli
