// The field's answers: what each device said, what it was seen to hold,
// the gate judged against that, marketing's changes and the final tally.
#include <ctime>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "field_impl.hpp"
#include "text.hpp"

namespace outpost::sim::detail {

using nlohmann::json;

namespace {

std::string iso_utc(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string first_line(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) : line;
}

bool reached(const Holding& h, const Change& c) {
  const auto known = h.known.find(c.asset);
  const std::uint64_t k = known == h.known.end() ? 0 : known->second;
  if (c.revoke) return h.revoked.count({c.asset, c.version}) > 0 || k > c.version;
  const auto held = h.held.find(c.asset);
  if (held != h.held.end() && held->second >= c.version) return true;
  // Known, and refused for a reason of its own rather than not fetched.
  const auto reason = h.reason.find(c.asset);
  return k >= c.version && reason != h.reason.end() &&
         (reason->second == "expired" || reason->second == "stale-catalog");
}

// Points a device's link at its own ports on the fault proxy.
void route_through_proxy(const std::string& home, std::uint16_t sync_port, std::uint16_t notice_port) {
  const std::string path = cat(home, "/link.json");
  nlohmann::json link = nlohmann::json::parse(read_text(path), nullptr, false);
  if (!link.is_object()) throw std::runtime_error(cat("cannot read ", path));
  link["sync_endpoint"] = cat("tcp://127.0.0.1:", sync_port);
  link["notice_endpoint"] = cat("tcp://127.0.0.1:", notice_port);
  std::ofstream(path, std::ios::trunc) << link.dump(2) << "\n";
}

}  // namespace

void Field::finished(Device& d, const Finished& f) {
  const std::string out = read_text(cat(d.ctx.home, ".out"));
  const Action& a = d.current.action;
  const char* what = d.current.step == Step::enroll    ? "enroll"
                     : d.current.step == Step::observe ? "catalog show"
                                                       : kind_name(a.kind);
  if (f.signal != 0 && !d.killed) {  // a signal the simulator did not send: a crash
    ++r_.crashes;
    r_.notes.push_back(cat(d.spec.name, ": its ", what, " process died of signal ", f.signal, ": ",
                           read_text(cat(d.ctx.home, ".err")).substr(0, 300)));
  }
  // Exit 1 is how a sync says it could not finish (offline, cut, hub down);
  // for anything else, and 3 (refused by the gate) aside, it is an error.
  const bool expected = f.code == 0 || (f.code == 3 && d.current.step == Step::action) ||
                        (f.code == 1 && d.current.step == Step::action && a.kind == ActionKind::sync);
  if (f.signal == 0 && !d.killed && !expected) {
    ++r_.errors;
    r_.notes.push_back(cat(d.spec.name, ": its ", what, " process exited ", f.code, ": ",
                           read_text(cat(d.ctx.home, ".err")).substr(0, 300)));
  }
  switch (d.current.step) {
    case Step::enroll:
      if (!f.ok()) {
        r_.notes.push_back(cat(d.spec.name, ": enrollment failed: ", read_text(cat(d.ctx.home, ".err")).substr(0, 200)));
        d.queue.clear();
        return;
      }
      route_through_proxy(d.ctx.home, proxy_->sync_port(d.index), proxy_->notice_port(d.index));
      ++syncs_ok_;
      return;
    case Step::observe:
      if (f.ok()) {
        if (auto h = read_holding(out)) observed(d, *h);
      }
      return;
    case Step::action: break;
  }
  Done done;
  read_answer(a, f, out, done);
  done.token = d.token;
  done.started_ms = d.started_ms;
  done.done_ms = unix_ms();
  if (d.killed) done.acknowledged = false;
  if (a.kind == ActionKind::sync) {
    proxy_->cut_after(d.index, 0);
    const bool ok = f.ok() && !d.killed;
    if (ok) {
      d.last_sync_ok_ms = done.done_ms;
      ++syncs_ok_;
    } else {
      ++r_.syncs_failed;
    }
    log(d, ok ? "synced" : cat("sync failed (exit ", f.code, ", signal ", f.signal, ")"));
    Queued observe;
    observe.step = Step::observe;
    d.queue.push_front(observe);
    if (a.text == "final") {  // tried again until it succeeds (the final phase bounds the whole)
      d.final_synced = ok;
      if (!ok) {
        d.final_error = d.killed ? cat("killed after ", 2 * s_.process_timeout_s, " s")
                                 : cat("exit ", f.code, ": ", first_line(read_text(cat(d.ctx.home, ".err"))));
        d.queue.push_back(d.current);
        d.not_before = Clock::now() + std::chrono::seconds(1);
      }
    }
    return;
  }
  log(d, cat(kind_name(a.kind), " ", a.asset, done.acknowledged ? "" : " (no answer)",
             done.reason.empty() ? "" : cat(" blocked: ", done.reason)));
  judge(d, done);
  d.truth.done.push_back(std::move(done));
}

void Field::judge(Device& d, const Done& done) {
  const bool shows = done.kind == ActionKind::open || done.kind == ActionKind::present ||
                     done.kind == ActionKind::present_old;
  if (!shows || !done.acknowledged) return;
  if (!done.allowed) {
    ++r_.blocked;
    if (done.reason == "stale-catalog") ++r_.stale_catalog;
    return;
  }
  ++(done.kind == ActionKind::open ? r_.opens : r_.presentations);
  if (done.in_grace) ++r_.in_grace;
  if (done.update_pending) ++r_.update_pending;
  const auto held = d.holding.held.find(done.asset);
  if (held != d.holding.held.end() && done.version < held->second && !done.in_grace) {
    ++r_.after_newer;
    r_.notes.push_back(cat(d.spec.name, " showed ", done.asset, "@", done.version, " after it held version ", held->second));
  }
  if (d.holding.revoked.count({done.asset, done.version}) > 0) {
    ++r_.after_revocation;
    r_.notes.push_back(cat(d.spec.name, " showed ", done.asset, "@", done.version, " after it held its revocation"));
  }
  const auto expiry = expires_ms_.find(done.asset);
  // Judged from when the process started: the gate decided at some moment
  // after that, however slowly the machine then let it answer.
  if (expiry != expires_ms_.end() && done.started_ms > expiry->second + 2000) {
    if (d.clock_offset_s < 0 && d.last_sync_ok_ms <= expiry->second) {
      ++r_.after_expiry_clock_back;
    } else {
      ++r_.after_expiry;
      r_.notes.push_back(cat(d.spec.name, " showed ", done.asset, "@", done.version, " after it expired"));
    }
  }
}

void Field::observed(Device& d, const Holding& h) {
  d.holding = h;
  const std::int64_t now = unix_ms();
  for (std::size_t c = 0; c < changes_.size(); ++c) {
    if (d.reached[c] != 0 || !reached(h, changes_[c])) continue;
    d.reached[c] = now;
    d.reach_delay[c] = now - (d.offline_since[c] ? std::max(changes_[c].at_ms, d.reconnected_ms) : changes_[c].at_ms);
  }
}

void Field::marketing(const Action& a) {
  Change c;
  c.asset = a.asset;
  try {
    if (a.kind == ActionKind::revoke) {
      c.version = versions_[a.asset];
      c.revoke = true;
      c.label = cat("revoke ", a.asset, "@", c.version);
      hub_.revoke(a.asset, c.version);
    } else {
      const Library::Item item = a.kind == ActionKind::promo ? library_.make(a.asset) : library_.next_version(a.asset);
      const std::int64_t ms = static_cast<std::int64_t>(a.param) * s_.tick_ms;
      std::string expires;
      if (a.kind == ActionKind::promo && a.param > 0) {
        expires_ms_[a.asset] = (unix_ms() + std::max<std::int64_t>(ms, 2000)) / 1000 * 1000;
        expires = iso_utc(expires_ms_[a.asset]);
      }
      const std::int64_t grace_s = a.kind == ActionKind::publish && a.param > 0 ? (ms + 999) / 1000 : 0;
      hub_.publish(item.file, a.asset, item.title, item.kind, grace_s, expires);
      c.version = ++versions_[a.asset];
      c.label = cat(a.asset, "@", c.version, a.kind == ActionKind::promo ? " (promo)" : "");
    }
  } catch (const std::exception& e) {
    r_.notes.push_back(cat("marketing ", kind_name(a.kind), " ", a.asset, " failed: ", e.what()));
    return;
  }
  c.at_ms = unix_ms();
  changes_.push_back(c);
  for (Device& d : devices_) {
    d.reached.push_back(0);
    d.reach_delay.push_back(0);
    d.offline_since.push_back(!d.online);
  }
}

void Field::finish() {
  // The field comes back: every device online, one last sync each, tried
  // again until it succeeds, for as long as devices keep succeeding.
  const auto t0 = Clock::now();
  if (s_.hub_down_at_end) hub_.stop();
  for (Device& d : devices_) {
    if (!d.online) d.reconnected_ms = unix_ms();
    d.online = true;
    proxy_->set_online(d.index, true);
    Queued q;
    q.action.device = d.index;
    q.action.text = "final";
    d.queue.push_back(q);
  }
  r_.final_phase_stop = wait_idle(std::chrono::seconds(o_.stall_s));
  r_.final_phase_s = std::chrono::duration<double>(Clock::now() - t0).count();
  for (Device& d : devices_) {  // only when the wait above gave up
    if (d.pid <= 0) continue;
    children_.kill(d.pid);
    (void)children_.wait(d.pid, std::chrono::seconds(5));
    d.pid = 0;
    if (d.final_error.empty()) d.final_error = "still running when the final phase stopped";
  }
  for (Device& d : devices_) {
    if (!d.final_synced) r_.final_sync_failed[d.spec.name] = d.final_error.empty() ? "never started" : d.final_error;
  }
  const std::vector<HubEvent> queued = read_queues();
  hub_.stop();
  if (!hub_.crash().empty()) {
    r_.hub_crashed = true;
    r_.notes.push_back(hub_.crash());
  }
  r_.hub_cpu_s = hub_.cpu_s();
  r_.hub_peak_rss_kib = hub_.peak_rss_kib();

  for (std::size_t c = 0; c < changes_.size(); ++c) {
    Propagation p;
    p.label = changes_[c].label;
    p.at_s = static_cast<double>(changes_[c].at_ms - start_ms_) / 1000;
    for (const Device& d : devices_) {
      if (d.reached[c] == 0) {
        ++p.not_reached;
        continue;
      }
      p.reached_at_s.push_back(static_cast<double>(d.reached[c] - start_ms_) / 1000);
      (d.offline_since[c] ? p.offline : p.online).push_back(static_cast<double>(d.reach_delay[c]) / 1000);
    }
    r_.propagation.push_back(std::move(p));
  }
  std::vector<DeviceTruth> truths;
  for (const Device& d : devices_) {
    r_.bytes_per_device.push_back(static_cast<double>(proxy_->bytes(d.index)));
    r_.link_cuts += proxy_->cuts(d.index);
    truths.push_back(d.truth);
  }
  compare_deliveries(truths, read_hub_events(hub_.home()), queued, r_);
  try {
    compare_lead_book(truths, queued, hub_.lead_book(), booth_form_show, r_);
  } catch (const std::exception& e) {
    r_.lead_book.problem = e.what();
  }
}

std::vector<HubEvent> Field::read_queues() {
  std::vector<HubEvent> queued;
  for (const Device& d : devices_) {
    auto run = [&](std::vector<std::string> more) {
      Command c;
      c.argv = {o_.bins.outpost, "--home", d.ctx.home, "--json", "--quiet", "journal"};
      c.argv.insert(c.argv.end(), more.begin(), more.end());
      const Captured out = run_captured(children_, c, o_.work_dir, std::chrono::seconds(s_.process_timeout_s * 2));
      if (!out.finished.ok()) {
        throw std::runtime_error(cat("outpost journal ", more.front(), " exited ", out.finished.code, ": ",
                                     first_line(out.err)));
      }
      return out.out;
    };
    try {
      const std::string stats = run({"stats"});
      const json doc = json::parse(stats, nullptr, false);
      const std::string after = doc.is_object() && doc.contains("acked_seq") ? doc["acked_seq"].dump() : "0";
      const std::vector<HubEvent> mine = read_device_queue(d.spec.name, stats, run({"show", "--after", after, "--limit", "100000"}));
      queued.insert(queued.end(), mine.begin(), mine.end());
    } catch (const std::exception& e) {  // its items then count as lost: say why
      r_.notes.push_back(cat(d.spec.name, ": cannot read the events still queued on it: ", e.what()));
    }
  }
  return queued;
}

}  // namespace outpost::sim::detail
