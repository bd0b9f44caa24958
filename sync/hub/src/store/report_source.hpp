// The hub's data as the reports read it (private to the hub library): event
// payloads decoded once into their fields, one indexed pass over the events
// of some types in a time window, the catalog's releases with the version
// of each asset in force, and the devices with what they hold. A backend
// implements ReportSource on a read-only connection of its own, one thread
// at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/journal/hlc.hpp"
#include "outpost/hub/hub_reports.hpp"
#include "outpost/hub/store/unit.hpp"

namespace outpost::hub::reports::store {

using json = nlohmann::json;

using Key = std::pair<std::string, std::uint64_t>;  // asset, version
struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    return std::hash<std::string>{}(k.first) ^ static_cast<std::size_t>(k.second * 0x9e3779b97f4a7c15ull);
  }
};

// The fields of one payload as a report reads them: a required field that
// is missing or of another kind makes the payload malformed.
class Payload {
 public:
  explicit Payload(const json& j) : j_(j) {}
  std::string text(const char* name, bool required = true) {
    const auto it = j_.find(name);
    if (it == j_.end()) return ok_ = ok_ && !required, std::string();
    if (!it->is_string()) return ok_ = false, std::string();
    return it->get<std::string>();
  }
  std::optional<std::uint64_t> number(const char* name, bool required = true) {
    const auto it = j_.find(name);
    if (it == j_.end()) return ok_ = ok_ && !required, std::nullopt;
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
      return ok_ = false, std::nullopt;
    }
    return it->get<std::uint64_t>();
  }
  bool flag(const char* name) {
    const auto it = j_.find(name);
    if (it == j_.end() || !it->is_boolean()) return ok_ = false;
    return it->get<bool>();
  }
  bool ok() const { return ok_; }

 private:
  const json& j_;
  bool ok_ = true;
};

struct Event {
  std::string type;
  std::string journal;  // the journal id's bytes
  std::string device;
  std::uint32_t device_index = 0;  // dense, per scan: for counting distinct devices cheaply
  journal::HlcTime time;
  TimePoint received_at;
};

// Distinct devices, by their scan index.
class DeviceSet {
 public:
  void add(std::uint32_t index) {
    if (index >= seen_.size()) seen_.resize(index + 1);
    if (!seen_[index]) ++count_;
    seen_[index] = true;
  }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<bool> seen_;
  std::uint64_t count_ = 0;
};

// use(event, payload) reads what it needs and returns payload.ok()
// (false: counted as malformed, and it must not have counted anything).
using EventUse = std::function<bool(const Event&, Payload&)>;

// ---- the catalog as reports see it

struct ReleaseInfo {
  std::string title;
  TimePoint published_at;
  TimePoint valid_from;
  std::optional<TimePoint> expires_at;
  bool automatic = true;
  bool revoked = false;
};

struct Catalog {
  std::map<Key, ReleaseInfo> releases;
  std::map<std::string, std::uint64_t> current;  // asset -> the version the gate shows now
  std::uint64_t seq = 0;

  // The version's title; without a version, the newest release's.
  std::string title(const std::string& asset, std::optional<std::uint64_t> version) const;
  // Sets current from releases: the newest release of each asset in force
  // at now (valid, not expired, not revoked), as the gate judges it: a
  // revoked newer version does not supersede an older one.
  void settle(TimePoint now);
};

// A device as the adoption report starts from it.
struct DeviceRow {
  std::string name;
  std::string role;
  std::uint64_t catalog_seq = 0;
  std::optional<TimePoint> last_seen;
  std::optional<TimePoint> holdings_at;
};

}  // namespace outpost::hub::reports::store

namespace outpost::hub {

class ReportSource {
 public:
  virtual ~ReportSource() = default;
  // A read unit: one consistent state for the whole report.
  virtual UnitPtr read() = 0;
  // One pass over the events of the given types in the window (an index on
  // type and time). Absent payloads are counted in skipped and not passed on.
  virtual void scan(std::initializer_list<const char*> types, const reports::Window& window,
                    reports::Skipped& skipped, const reports::store::EventUse& use) = 0;
  // Every release with its record and the catalog seq (current not yet
  // settled); unreadable statements are counted in skipped.malformed.
  virtual reports::store::Catalog catalog(reports::Skipped& skipped) = 0;
  // Enrolled devices that are neither revoked nor wiped, by name.
  virtual std::vector<reports::store::DeviceRow> active_devices() = 0;
  // Every (device, version) of the holdings devices reported, in order.
  virtual std::vector<std::pair<std::string, cache::VersionRef>> holdings() = 0;
};

}  // namespace outpost::hub
