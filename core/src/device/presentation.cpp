#include "outpost/device/presentation.hpp"

#include <array>

#include "outpost/device/home.hpp"

namespace outpost::device {

Result<Presentation::Started> Presentation::start(DeviceHome& home, const Clock& clock, Random& random,
                                                  const std::string& asset, std::optional<std::uint64_t> version) {
  Result<DeviceHome::Opened> opened = home.open_asset(asset, version);
  if (!opened) return opened.status();
  Started started{opened->decision, std::nullopt};
  if (!opened->decision.allowed) return started;

  std::array<std::uint8_t, 16> raw{};
  random.fill(raw);
  Presentation p(home, clock, to_hex(raw), std::move(*opened->reader));
  const cache::VersionRef& shown = p.version();
  if (auto r = home.record(journal::presentation_started(p.id_, shown.asset, shown.version)); !r) return r.status();
  started.presentation.emplace(std::move(p));
  return started;
}

Presentation::Presentation(DeviceHome& home, const Clock& clock, std::string id, cache::AssetReader reader)
    : home_(&home),
      clock_(&clock),
      id_(std::move(id)),
      reader_(std::move(reader)),
      started_(clock.now()),
      page_since_(started_) {}

std::uint64_t Presentation::elapsed_ms(TimePoint since) const {
  const auto ms = (clock_->now() - since).count();
  return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;  // a clock set backwards counts as no time
}

Status Presentation::record_page() {
  if (page_ == 0) return Status::ok();
  auto r = home_->record(journal::page_viewed(id_, page_, elapsed_ms(page_since_)));
  if (!r) return r.status();
  ++page_views_;
  return Status::ok();
}

Status Presentation::show_page(std::uint64_t page) {
  if (ended_) return {Errc::invalid_argument, "presentation " + id_ + " has ended"};
  if (page == 0) return {Errc::invalid_argument, "pages are numbered from 1"};
  if (page == page_) return Status::ok();
  if (Status s = record_page(); !s) return s;
  page_ = page;
  page_since_ = clock_->now();
  return Status::ok();
}

Result<PresentationSummary> Presentation::end() {
  if (ended_) return Status(Errc::invalid_argument, "presentation " + id_ + " has already ended");
  if (Status s = record_page(); !s) return s;
  PresentationSummary summary{id_, version().asset, version().version, page_views_, elapsed_ms(started_)};
  auto r = home_->record(journal::presentation_ended(id_, summary.duration_ms, summary.pages));
  if (!r) return r.status();
  ended_ = true;
  return summary;
}

}  // namespace outpost::device
