#include "outpost/hub/hub_reports.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <regex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "outpost/base/guard.hpp"
#include "outpost/hub/store/backend.hpp"
#include "store/report_source.hpp"

namespace outpost::hub::reports {

using namespace store;  // NOLINT(google-build-using-namespace): this module's own reading helpers

namespace {

std::string normalise_query(const std::string& text) {
  std::string out;
  bool space = false;
  for (char ch : text) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  return out;
}

}  // namespace

std::string store::Catalog::title(const std::string& asset, std::optional<std::uint64_t> version) const {
  auto it = releases.upper_bound({asset, version.value_or(std::numeric_limits<std::uint64_t>::max())});
  if (it == releases.begin()) return {};
  --it;
  const bool match = it->first.first == asset && (!version || it->first.second == *version);
  return match ? it->second.title : std::string();
}

void store::Catalog::settle(TimePoint now) {
  current.clear();
  for (const auto& [key, r] : releases) {
    const bool in_force = !r.revoked && r.valid_from <= now && (!r.expires_at || *r.expires_at > now);
    if (in_force) current[key.first] = key.second;  // ordered by version: the newest wins
  }
}

namespace {

Catalog load_catalog(ReportSource& source, TimePoint now, Skipped& skipped) {
  Catalog c = source.catalog(skipped);
  c.settle(now);
  return c;
}

}  // namespace

struct HubReports::Impl {
  std::unique_ptr<ReportSource> source;
};

HubReports::HubReports(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HubReports::~HubReports() = default;

Result<std::unique_ptr<HubReports>> HubReports::open(Backend& backend) {
  return guarded([&]() -> Result<std::unique_ptr<HubReports>> {
    auto source = backend.reports();
    if (!source) return source.status();
    return std::unique_ptr<HubReports>(new HubReports(std::make_unique<Impl>(Impl{std::move(*source)})));
  });
}

Result<UsageReport> HubReports::usage(const Window& window) {
  return guarded([&]() -> Result<UsageReport> {
    const UnitPtr read = impl_->source->read();
    UsageReport report;
    const Catalog cat = load_catalog(*impl_->source, TimePoint::max(), report.skipped);
    struct Tally {
      UsageRow row;
      DeviceSet devices;
    };
    std::unordered_map<Key, Tally, KeyHash> tallies;
    struct Presented {  // one presentation, by journal and presentation id
      std::optional<Key> ref;
      std::uint64_t pages = 0;
      std::uint64_t ms = 0;
      bool ended = false;
    };
    std::unordered_map<std::string, Presented> presented;
    auto presentation = [&](const Event& e, const std::string& id) -> Presented& {
      std::string key = e.journal;
      key.push_back('\0');
      key.append(id);
      return presented[key];
    };
    impl_->source->scan({"asset.opened", "presentation.started", "page.viewed", "presentation.ended"}, window,
         report.skipped, [&](const Event& e, Payload& p) {
           if (e.type == "page.viewed" || e.type == "presentation.ended") {
             const std::string id = p.text("presentation");
             const auto ms = e.type == "page.viewed" ? std::optional<std::uint64_t>(0) : p.number("duration_ms");
             if (!p.ok()) return false;
             Presented& pr = presentation(e, id);
             if (e.type == "page.viewed") {
               ++pr.pages;
             } else {
               pr.ended = true;
               pr.ms += *ms;
             }
             return true;
           }
           const bool started = e.type == "presentation.started";
           const std::string id = started ? p.text("presentation") : std::string();
           std::string asset = p.text("asset");
           const auto version = p.number("version");
           if (!p.ok()) return false;
           Key key{std::move(asset), *version};
           Tally& t = tallies[key];
           t.devices.add(e.device_index);
           if (started) {
             ++t.row.presentations;
             presentation(e, id).ref = std::move(key);
           } else {
             ++t.row.opens;
           }
           return true;
         });
    for (const auto& [key, pr] : presented) {
      if (!pr.ref) {
        ++report.unattributed;
        continue;
      }
      UsageRow& row = tallies[*pr.ref].row;
      row.pages += pr.pages;
      row.presented_ms += pr.ms;
      if (!pr.ended) ++row.unfinished;
    }
    for (auto& [key, t] : tallies) {
      t.row.ref = {key.first, key.second};
      t.row.title = cat.title(key.first, key.second);
      t.row.devices = t.devices.count();
      report.rows.push_back(std::move(t.row));
    }
    std::sort(report.rows.begin(), report.rows.end(), [](const UsageRow& a, const UsageRow& b) {
      return std::tie(a.ref.asset, a.ref.version) < std::tie(b.ref.asset, b.ref.version);
    });
    return report;
  });
}

Result<UnusedReport> HubReports::unused(const Window& window, std::uint64_t days, TimePoint now) {
  return guarded([&]() -> Result<UnusedReport> {
    const UnitPtr read = impl_->source->read();
    UnusedReport report;
    report.days = std::min<std::uint64_t>(days, 1'000'000);  // keeps now - days representable
    const Catalog cat = load_catalog(*impl_->source, now, report.skipped);
    // A lead form is used by capturing leads with it, not by opening it.
    std::unordered_set<Key, KeyHash> versions_opened;
    impl_->source->scan({"asset.opened", "lead.captured", "lead.repeat_visit"}, window, report.skipped,
         [&](const Event& e, Payload& p) {
      const bool opened = e.type == "asset.opened";
      std::string asset = p.text(opened ? "asset" : "form");
      const auto version = p.number(opened ? "version" : "form_version");
      if (!p.ok()) return false;
      versions_opened.emplace(std::move(asset), *version);
      return true;
    });
    std::set<std::string> assets_opened;
    for (const Key& k : versions_opened) assets_opened.insert(k.first);
    const TimePoint judged_before = now - std::chrono::days(static_cast<std::int64_t>(report.days));
    for (const auto& [asset, version] : cat.current) {
      const ReleaseInfo& r = cat.releases.at({asset, version});
      if (r.published_at > judged_before) {
        ++report.too_new;
        continue;
      }
      ++report.live_assets;
      const bool any = assets_opened.contains(asset);
      if (!any) ++report.never_opened;
      if (!versions_opened.contains({asset, version})) {
        report.rows.push_back({{asset, version}, r.title, r.published_at, any});
      }
    }
    std::stable_sort(report.rows.begin(), report.rows.end(),
                     [](const UnusedRow& a, const UnusedRow& b) { return a.published_at < b.published_at; });
    return report;
  });
}

Result<AdoptionReport> HubReports::adoption(TimePoint now) {
  return guarded([&]() -> Result<AdoptionReport> {
    const UnitPtr read = impl_->source->read();
    AdoptionReport report;
    Skipped ignored;
    const Catalog cat = load_catalog(*impl_->source, now, ignored);
    report.hub_seq = cat.seq;
    std::map<std::string, std::size_t> index;
    for (const DeviceRow& row : impl_->source->active_devices()) {
      DeviceAdoption d;
      d.device = row.name;
      d.role = row.role;
      d.catalog_seq = row.catalog_seq;
      d.last_seen = row.last_seen;
      d.holdings_at = row.holdings_at;
      d.catalog_behind = d.catalog_seq < cat.seq;
      index[d.device] = report.devices.size();
      report.devices.push_back(std::move(d));
    }
    for (auto& [device, ref] : impl_->source->holdings()) {
      const auto it = index.find(device);
      if (it == index.end() || !report.devices[it->second].holdings_at) continue;  // retired, or a stale record
      report.devices[it->second].held.push_back(std::move(ref));
    }
    std::map<std::string, VersionAdoption> versions;
    for (const auto& [asset, version] : cat.current) {
      versions[asset] = {{asset, version}, cat.releases.at({asset, version}).title, 0, 0};
    }
    for (DeviceAdoption& d : report.devices) {
      if (!d.holdings_at) continue;
      ++report.reporting;
      std::map<std::string, bool> assets;  // asset -> holds the current version
      for (const cache::VersionRef& ref : d.held) {
        const auto c = cat.current.find(ref.asset);
        assets[ref.asset] = assets[ref.asset] || (c != cat.current.end() && c->second == ref.version);
      }
      for (const auto& [asset, version] : cat.current) {
        const auto held_asset = assets.find(asset);
        const bool holds_current = held_asset != assets.end() && held_asset->second;
        if (holds_current) {
          ++versions[asset].holding;
          continue;
        }
        if (held_asset != assets.end()) ++versions[asset].older_only;
        if (held_asset != assets.end() || cat.releases.at({asset, version}).automatic) {
          d.missing.push_back({asset, version});
        }
      }
    }
    for (const DeviceAdoption& d : report.devices) report.behind += d.behind() ? 1 : 0;
    for (auto& [asset, v] : versions) report.versions.push_back(std::move(v));
    return report;
  });
}

Result<BlockedReport> HubReports::blocked(const Window& window) {
  return guarded([&]() -> Result<BlockedReport> {
    const UnitPtr read = impl_->source->read();
    BlockedReport report;
    using Grain = std::tuple<std::string, std::optional<std::uint64_t>, std::string, std::string>;
    std::map<Grain, std::uint64_t> counts;
    impl_->source->scan({"asset.blocked"}, window, report.skipped, [&](const Event& e, Payload& p) {
      std::string asset = p.text("asset");
      const auto version = p.number("version", false);
      std::string reason = p.text("reason");
      if (!p.ok()) return false;
      ++counts[{std::move(asset), version, std::move(reason), e.device}];
      return true;
    });
    std::map<std::pair<std::string, std::string>, std::uint64_t> by_reason_device;
    std::map<std::pair<std::string, std::optional<std::uint64_t>>, BlockedTally> by_version;
    for (const auto& [grain, n] : counts) {
      const auto& [asset, version, reason, device] = grain;
      report.rows.push_back({asset, version, reason, device, n});
      report.total += n;
      by_reason_device[{reason, device}] += n;
      BlockedTally& t = by_version[{asset, version}];
      t.name = version ? cache::VersionRef{asset, *version}.to_string() : asset;
      t.count += n;
      t.reasons[reason] += n;
    }
    for (const auto& [key, n] : by_reason_device) report.by_reason_device.push_back({{}, {}, key.first, key.second, n});
    for (auto& [key, t] : by_version) report.by_version.push_back(std::move(t));
    return report;
  });
}

Result<SearchReport> HubReports::searches(const Window& window) {
  return guarded([&]() -> Result<SearchReport> {
    const UnitPtr read = impl_->source->read();
    SearchReport report;
    struct Tally {
      QueryRow row;
      DeviceSet devices;
    };
    std::map<std::string, Tally> tallies;
    impl_->source->scan({"search.performed"}, window, report.skipped, [&](const Event& e, Payload& p) {
      const std::string query = p.text("query");
      const auto results = p.number("results");
      const bool chose = !p.text("chosen", false).empty();
      if (!p.ok()) return false;
      Tally& t = tallies[normalise_query(query)];
      t.devices.add(e.device_index);
      if (chose) {
        ++t.row.clicks;
        ++report.clicks;
        return true;
      }
      ++t.row.searches;
      ++report.searches;
      if (*results == 0) {
        ++t.row.no_result;
        ++report.no_result;
      }
      return true;
    });
    for (auto& [query, t] : tallies) {
      t.row.query = query;
      t.row.devices = t.devices.count();
      report.queries.push_back(std::move(t.row));
    }
    std::stable_sort(report.queries.begin(), report.queries.end(),
                     [](const QueryRow& a, const QueryRow& b) { return a.searches > b.searches; });
    return report;
  });
}

Result<FeedbackReport> HubReports::feedback(const Window& window) {
  return guarded([&]() -> Result<FeedbackReport> {
    const UnitPtr read = impl_->source->read();
    FeedbackReport report;
    const Catalog cat = load_catalog(*impl_->source, TimePoint::max(), report.skipped);
    std::map<std::pair<std::string, std::optional<std::uint64_t>>, FeedbackRow> rows;
    impl_->source->scan({"asset.feedback", "content.request"}, window, report.skipped, [&](const Event& e, Payload& p) {
      if (e.type == "content.request") {
        std::string text = p.text("text");
        std::string asset = p.text("asset", false);
        if (!p.ok()) return false;
        report.requests.push_back({e.device, e.time.time_point(), std::move(text), std::move(asset)});
        return true;
      }
      std::string asset = p.text("asset");
      const auto version = p.number("version", false);
      const auto rating = p.number("rating");
      std::string comment = p.text("comment", false);
      const bool needs_update = p.flag("needs_update");
      if (!p.ok()) return false;
      FeedbackRow& row = rows[{asset, version}];
      row.asset = std::move(asset);
      row.version = version;
      row.items.push_back({e.device, e.time.time_point(), *rating, needs_update, std::move(comment)});
      return true;
    });
    auto by_time = [](const auto& a, const auto& b) { return a.at < b.at; };
    for (auto& [key, row] : rows) {
      std::stable_sort(row.items.begin(), row.items.end(), by_time);
      row.title = cat.title(row.asset, row.version);
      row.count = row.items.size();
      std::uint64_t sum = 0;
      for (const FeedbackItem& item : row.items) {
        sum += item.rating;
        row.needs_update += item.needs_update ? 1 : 0;
      }
      row.mean_rating = static_cast<double>(sum) / static_cast<double>(row.count);
      report.rows.push_back(std::move(row));
    }
    std::stable_sort(report.requests.begin(), report.requests.end(), by_time);
    return report;
  });
}

Result<LeadReport> HubReports::leads(const Window& window) {
  return guarded([&]() -> Result<LeadReport> {
    const UnitPtr read = impl_->source->read();
    LeadReport report;
    std::map<std::pair<std::string, std::string>, LeadRow> rows;
    std::map<std::string, LeadRow> shows;
    std::map<std::string, LeadRow> devices;
    auto add = [](LeadRow& row, bool repeat, TimePoint received) {
      const bool first = row.leads + row.repeat_visits == 0;
      ++(repeat ? row.repeat_visits : row.leads);
      row.first_received = first ? received : std::min(row.first_received, received);
      row.last_received = first ? received : std::max(row.last_received, received);
    };
    // Only the metadata is read: the lead itself stays sealed to the hub's lead key.
    impl_->source->scan({"lead.captured", "lead.repeat_visit"}, window, report.skipped, [&](const Event& e, Payload& p) {
      const std::string show = p.text("show");
      if (!p.ok()) return false;
      const bool repeat = e.type == "lead.repeat_visit";
      LeadRow& row = rows[{show, e.device}];
      row.show = show;
      row.device = e.device;
      add(row, repeat, e.received_at);
      shows[show].show = show;
      add(shows[show], repeat, e.received_at);
      devices[e.device].device = e.device;
      add(devices[e.device], repeat, e.received_at);
      ++(repeat ? report.repeat_visits : report.leads);
      return true;
    });
    for (auto& [key, row] : rows) report.rows.push_back(std::move(row));
    for (auto& [key, row] : shows) report.by_show.push_back(std::move(row));
    for (auto& [key, row] : devices) report.by_device.push_back(std::move(row));
    return report;
  });
}

Result<DailyUsageReport> HubReports::usage_by_day(const Window& window) {
  return guarded([&]() -> Result<DailyUsageReport> {
    const UnitPtr read = impl_->source->read();
    DailyUsageReport report;
    constexpr std::int64_t day_ms = 86'400'000;
    auto day_of = [](std::int64_t unix_ms) { return unix_ms >= 0 ? unix_ms / day_ms : (unix_ms - day_ms + 1) / day_ms; };
    std::map<std::int64_t, DayUsage> by_day;
    impl_->source->scan({"asset.opened", "presentation.started"}, window, report.skipped, [&](const Event& e, Payload&) {
      DayUsage& d = by_day[day_of(e.time.unix_ms())];
      ++(e.type == "asset.opened" ? d.opens : d.presentations);
      return true;
    });
    std::optional<std::int64_t> first;
    std::optional<std::int64_t> last;
    if (window.since) first = day_of(to_unix_ms(*window.since));
    if (window.until) last = day_of(to_unix_ms(*window.until) - 1);
    if (!by_day.empty()) {
      if (!first) first = by_day.begin()->first;
      if (!last) last = by_day.rbegin()->first;
    }
    if (!first || !last) return report;
    for (std::int64_t d = *first; d <= *last; ++d) {
      const auto it = by_day.find(d);
      DayUsage day = it == by_day.end() ? DayUsage{} : it->second;
      day.day = from_unix_ms(d * day_ms);
      report.days.push_back(day);
    }
    return report;
  });
}

}  // namespace outpost::hub::reports
