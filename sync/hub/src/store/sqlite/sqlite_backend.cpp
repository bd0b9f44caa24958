#include "store/sqlite/sqlite_backend.hpp"

#include "outpost/base/guard.hpp"
#include "outpost/hub/hub_store.hpp"
#include "outpost/hub/store/lead_repository.hpp"
#include "store/report_source.hpp"

namespace outpost::hub::sqlite {

namespace {

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(std::filesystem::path home, AtRestPtr at_rest) : home_(std::move(home)), at_rest_(std::move(at_rest)) {}

  std::string_view engine() const noexcept override { return "sqlite"; }

  Result<std::unique_ptr<HubStore>> store() override {
    return guarded([&]() -> Result<std::unique_ptr<HubStore>> { return open_hub_store(home_, false, at_rest_); });
  }
  Result<std::unique_ptr<LeadRepository>> leads() override {
    return guarded([&]() -> Result<std::unique_ptr<LeadRepository>> {
      return open_lead_store(HubStore::db_path(home_), at_rest_);
    });
  }
  Result<std::unique_ptr<ReportSource>> reports() override {
    return guarded([&]() -> Result<std::unique_ptr<ReportSource>> {
      return open_report_source(HubStore::db_path(home_), at_rest_);
    });
  }

 private:
  std::filesystem::path home_;
  AtRestPtr at_rest_;
};

}  // namespace

Result<std::unique_ptr<Backend>> open_backend(const std::filesystem::path& home, bool create, AtRestPtr at_rest) {
  return guarded([&]() -> Result<std::unique_ptr<Backend>> {
    if (!create && !std::filesystem::exists(HubStore::db_path(home))) {
      return Status(Errc::not_found, "no hub in " + home.string() + " (run `outpost-hub --home " + home.string() +
                                         " init` first)");
    }
    std::filesystem::create_directories(HubStore::chunk_dir(home));
    // Opening one connection makes (create) or migrates the schema, so the
    // lead book's and the reports' connections always meet current tables.
    (void)open_hub_store(home, create, at_rest);
    return std::unique_ptr<Backend>(new SqliteBackend(home, std::move(at_rest)));
  });
}

}  // namespace outpost::hub::sqlite
