// Presentation: a rep showing one asset to a client, page by page. It opens
// the asset through the version gate (so an outdated version can never be
// presented, and the open is journaled), then journals the presentation:
// presentation.started, one page.viewed per page shown with the time it was
// on screen, and presentation.ended with the duration and pages shown. The
// hub's usage report adds these up (time presented per asset and version).
//
// Time comes from the clock given to start(): the system clock in the apps;
// a shell that logs a presentation given elsewhere (from a printout) may pass
// a clock it advances itself. A clock set backwards counts as zero time, never
// as negative.
//
// A Presentation borrows its DeviceHome and must not outlive it; one thread
// at a time. One that is destroyed without end() leaves started and the
// pages journaled, and no presentation.ended (the report shows it as not
// finished).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"
#include "outpost/gate/gate.hpp"

namespace outpost::device {

class DeviceHome;

struct PresentationSummary {
  std::string id;
  std::string asset;
  std::uint64_t version = 0;
  std::uint64_t pages = 0;        // page views recorded
  std::uint64_t duration_ms = 0;  // from start to end
};

class Presentation {
 public:
  struct Started;
  // The gate's decision and, when allowed, the presentation (with a reader
  // of the version shown) after presentation.started is journaled.
  static Result<Started> start(DeviceHome& home, const Clock& clock, Random& random, const std::string& asset,
                               std::optional<std::uint64_t> version = std::nullopt);

  const std::string& id() const noexcept { return id_; }
  const cache::VersionRef& version() const noexcept { return reader_.version(); }
  cache::AssetReader& reader() noexcept { return reader_; }
  std::uint64_t current_page() const noexcept { return page_; }  // 0 before the first page
  bool ended() const noexcept { return ended_; }

  // The presenter moved to page (1-based): journals page.viewed for the page
  // being left, with the time it was shown (showing the page already on
  // screen records nothing). invalid_argument for page 0 or once ended.
  Status show_page(std::uint64_t page);

  // Journals the page on screen and presentation.ended; the presentation
  // is over. invalid_argument if it already ended.
  Result<PresentationSummary> end();

 private:
  Presentation(DeviceHome& home, const Clock& clock, std::string id, cache::AssetReader reader);
  std::uint64_t elapsed_ms(TimePoint since) const;
  Status record_page();

  DeviceHome* home_;
  const Clock* clock_;
  std::string id_;
  cache::AssetReader reader_;
  TimePoint started_;
  TimePoint page_since_;
  std::uint64_t page_ = 0;
  std::uint64_t page_views_ = 0;
  bool ended_ = false;
};

struct Presentation::Started {
  gate::Decision decision;
  std::optional<Presentation> presentation;  // set only when allowed
};

}  // namespace outpost::device
