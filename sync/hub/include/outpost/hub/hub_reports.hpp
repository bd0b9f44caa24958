// Marketing's answers from the hub store: which assets and versions are used
// (usage), which live ones nobody opens (unused), which devices lag behind
// the catalog (adoption), how often the gate blocked an outdated or
// withdrawn version (blocked), what people search for and do not find
// (searches), what they say (feedback) and how many leads each kiosk and
// show delivered (leads, counts only: leads stay sealed).
//
// Each report is one read transaction on its own read-only connection to
// hub.db, so it sees one consistent state while the hub keeps serving, and
// makes one indexed pass over the events it needs (events_by_type with the
// time window), aggregating in memory. Reports never write. An event whose
// payload is absent (dropped on the device for quota) or malformed is
// skipped and counted, never fatal.
// A HubReports is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/cache/version_ref.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/status.hpp"

namespace outpost::hub {
class Backend;
}  // namespace outpost::hub

namespace outpost::hub::reports {

namespace fs = std::filesystem;

// Events whose journal time (the device's clock) is in [since, until).
struct Window {
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
};

// Events a report read but could not use.
struct Skipped {
  std::uint64_t no_payload = 0;  // dropped on the device to stay within its journal quota
  std::uint64_t malformed = 0;   // not of its event type's schema (should not happen)
  std::uint64_t total() const { return no_payload + malformed; }
};

// ---- usage: per asset and version
struct UsageRow {
  cache::VersionRef ref;
  std::string title;                // from the release ("" for a version the hub has no release of)
  std::uint64_t opens = 0;          // asset.opened
  std::uint64_t presentations = 0;  // presentation.started
  std::uint64_t presented_ms = 0;   // presentation.ended duration_ms, joined to its start
  std::uint64_t pages = 0;          // page.viewed, joined to its start
  std::uint64_t devices = 0;        // distinct devices that opened or presented it
  std::uint64_t unfinished = 0;     // started with no presentation.ended (yet)
};
struct UsageReport {
  std::vector<UsageRow> rows;  // by asset, then version
  // Presentations with pages or an end in the window but no start (it
  // fell before --since): their time and pages are not attributed.
  std::uint64_t unattributed = 0;
  Skipped skipped;
};

// ---- usage by day: opens and presentations per UTC day of the devices'
// event times, for a chart over time
struct DayUsage {
  TimePoint day;  // 00:00 UTC
  std::uint64_t opens = 0;
  std::uint64_t presentations = 0;
};
struct DailyUsageReport {
  // Every day from the window's first (since, or the first event's day) to
  // its last (the day before until, or the last event's day), quiet days
  // included with zeros; empty when the window is open and holds no event.
  std::vector<DayUsage> days;
  Skipped skipped;
};

// ---- unused: live assets nobody opened (a lead form is used by capturing
// leads with it: lead.captured / lead.repeat_visit count as opens of it)
struct UnusedRow {
  cache::VersionRef ref;  // the asset's current version
  std::string title;
  TimePoint published_at;
  bool older_opened = false;  // an older version was opened; this one never
};
struct UnusedReport {
  std::uint64_t days = 0;          // judged: current version published more than this many days ago
  std::uint64_t live_assets = 0;   // M: live assets old enough to judge
  std::uint64_t never_opened = 0;  // K: of those, never opened at any version
  std::uint64_t too_new = 0;       // live assets published within the last `days` (not judged)
  std::vector<UnusedRow> rows;     // current version never opened, oldest publication first
  double share_percent() const {
    return live_assets == 0 ? 0.0 : 100.0 * static_cast<double>(never_opened) / static_cast<double>(live_assets);
  }
  Skipped skipped;
};

// ---- adoption: per device
struct DeviceAdoption {
  std::string device;
  std::string role;
  std::uint64_t catalog_seq = 0;
  std::optional<TimePoint> last_seen;
  // When the device last reported the versions it holds; nullopt: never
  // (a device that predates holdings, or that has not synced since).
  std::optional<TimePoint> holdings_at;
  std::vector<cache::VersionRef> held;
  // Current versions it should hold (automatic download, or an asset it
  // holds some version of) and does not.
  std::vector<cache::VersionRef> missing;
  bool catalog_behind = false;  // its catalog seq is below the hub's
  bool behind() const { return catalog_behind || !missing.empty(); }
};
struct VersionAdoption {
  cache::VersionRef ref;  // an asset's current version
  std::string title;
  std::uint64_t holding = 0;     // reporting devices that hold it
  std::uint64_t older_only = 0;  // reporting devices with only older versions of the asset
};
struct AdoptionReport {
  std::uint64_t hub_seq = 0;              // the hub's catalog seq
  std::vector<DeviceAdoption> devices;    // active devices (not revoked or wiped), by name
  std::vector<VersionAdoption> versions;  // by asset
  std::uint64_t reporting = 0;            // devices that reported their holdings
  std::uint64_t behind = 0;
};

// ---- blocked: the gate said no
struct BlockedRow {
  std::string asset;
  std::optional<std::uint64_t> version;  // absent when the device held no version to name
  std::string reason;                    // superseded, revoked, expired, stale-catalog, ...
  std::string device;
  std::uint64_t count = 0;
};
struct BlockedTally {  // one group's count, with its reasons
  std::string name;
  std::uint64_t count = 0;
  std::map<std::string, std::uint64_t> reasons;
};
struct BlockedReport {
  std::vector<BlockedRow> rows;              // the finest grain: asset, version, reason, device
  std::vector<BlockedRow> by_reason_device;  // asset and version left empty
  std::vector<BlockedTally> by_version;      // name "asset@version" (or "asset" without a version)
  std::uint64_t total = 0;
  Skipped skipped;
};

// ---- searches
struct QueryRow {
  std::string query;            // trimmed, lower case, single spaces ("" for a facets-only search)
  std::uint64_t searches = 0;   // search.performed without a chosen asset
  std::uint64_t no_result = 0;  // of those, with result_count 0
  std::uint64_t clicks = 0;     // search.performed naming a chosen asset
  std::uint64_t devices = 0;
  bool found_nothing() const { return no_result > 0; }
  bool results_not_clicked() const { return searches > no_result && clicks == 0; }
};
struct SearchReport {
  std::vector<QueryRow> queries;  // most searched first, then by query
  std::uint64_t searches = 0;
  std::uint64_t no_result = 0;
  std::uint64_t clicks = 0;
  Skipped skipped;
};

// ---- feedback and content requests
struct FeedbackItem {
  std::string device;
  TimePoint at;
  std::uint64_t rating = 0;
  bool needs_update = false;
  std::string comment;
};
struct FeedbackRow {
  std::string asset;
  std::optional<std::uint64_t> version;
  std::string title;
  std::uint64_t count = 0;
  std::uint64_t needs_update = 0;
  double mean_rating = 0;
  std::vector<FeedbackItem> items;  // oldest first
};
struct ContentRequest {
  std::string device;
  TimePoint at;
  std::string text;
  std::string asset;  // the asset it relates to, if any
};
struct FeedbackReport {
  std::vector<FeedbackRow> rows;         // by asset, then version
  std::vector<ContentRequest> requests;  // oldest first
  Skipped skipped;
};

// ---- leads (counts only)
struct LeadRow {
  std::string show;                 // the trade-show event
  std::string device;               // the kiosk
  std::uint64_t leads = 0;          // lead.captured
  std::uint64_t repeat_visits = 0;  // lead.repeat_visit
  TimePoint first_received;         // at the hub: a lead there is delivered
  TimePoint last_received;
};
struct LeadReport {
  std::vector<LeadRow> rows;       // by show, then device
  std::vector<LeadRow> by_show;    // device empty
  std::vector<LeadRow> by_device;  // show empty
  std::uint64_t leads = 0;
  std::uint64_t repeat_visits = 0;
  Skipped skipped;
};

class HubReports {
 public:
  // A read-only connection of its own to the hub's backend; the hub may
  // be serving.
  static Result<std::unique_ptr<HubReports>> open(Backend& backend);
  ~HubReports();
  HubReports(const HubReports&) = delete;
  HubReports& operator=(const HubReports&) = delete;

  Result<UsageReport> usage(const Window& window);
  Result<DailyUsageReport> usage_by_day(const Window& window);
  // days: how old a current version must be to be judged; now: the time
  // ages and expiry are judged at.
  Result<UnusedReport> unused(const Window& window, std::uint64_t days, TimePoint now);
  Result<AdoptionReport> adoption(TimePoint now);
  Result<BlockedReport> blocked(const Window& window);
  Result<SearchReport> searches(const Window& window);
  Result<FeedbackReport> feedback(const Window& window);
  Result<LeadReport> leads(const Window& window);

 private:
  struct Impl;
  explicit HubReports(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::hub::reports
