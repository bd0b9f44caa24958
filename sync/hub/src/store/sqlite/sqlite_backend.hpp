// The embedded backend: SQLite in <home>/hub.db, chunk files under
// <home>/chunks/. Private to the hub library.
#pragma once

#include <filesystem>
#include <memory>

#include "outpost/hub/store/backend.hpp"

namespace outpost::hub {
class AtRest;
class HubStore;
class LeadRepository;
class ReportSource;
}  // namespace outpost::hub

namespace outpost::hub::sqlite {

using AtRestPtr = std::shared_ptr<const AtRest>;

// Each throws outpost::Error (corrupt, unsupported, io) when hub.db cannot
// be opened as a hub store; open_hub_store migrates its schema and seals
// what an earlier build stored in clear (or refuses a store sealed with
// another hub's keys).
std::unique_ptr<HubStore> open_hub_store(const std::filesystem::path& home, bool create, AtRestPtr at_rest);
std::unique_ptr<LeadRepository> open_lead_store(const std::filesystem::path& db_path, AtRestPtr at_rest);
std::unique_ptr<ReportSource> open_report_source(const std::filesystem::path& db_path, AtRestPtr at_rest);

// not_found when the home holds no hub.db (and create is false).
Result<std::unique_ptr<Backend>> open_backend(const std::filesystem::path& home, bool create, AtRestPtr at_rest);

}  // namespace outpost::hub::sqlite
