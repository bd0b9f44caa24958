#include "field.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "field_impl.hpp"
#include "text.hpp"

namespace outpost::sim {

namespace detail {

void Field::log(const Device& d, const std::string& what) const {
  if (o_.verbose) std::cerr << "sim: " << fixed(static_cast<double>(unix_ms() - start_ms_) / 1000, 2) << " s "
                            << d.spec.name << ": " << what << "\n";
}

bool Field::busy() const { return pending_devices() > 0; }

void Field::setup() {
  hub_.init();
  hub_.serve();
  for (const std::string& asset : plan_.library) {
    const Library::Item item = library_.make(asset);
    hub_.publish(item.file, asset, item.title, item.kind, 0, "");
    versions_[asset] = 1;
  }
  const std::string form = cat(o_.work_dir, "/library/booth-form.json");
  std::ofstream(form) << booth_form_json();
  hub_.publish(form, booth_form_asset, "Booth lead form", "form", 0, "");
  proxy_ = std::make_unique<FaultProxy>(static_cast<int>(plan_.devices.size()), hub_.port(),
                                        static_cast<std::uint16_t>(hub_.port() + 2));
  for (std::size_t i = 0; i < plan_.devices.size(); ++i) {
    Device d;
    d.spec = plan_.devices[i];
    d.index = static_cast<int>(i);
    d.ctx = {o_.bins.outpost, cat(o_.work_dir, "/devices/", d.spec.name), d.spec.name, s_.seed, s_.sync_timeout_s};
    fs::create_directories(d.ctx.home);
    d.truth.name = d.spec.name;
    d.truth.kiosk = d.spec.kiosk;
    Queued enroll;
    enroll.step = Step::enroll;
    enroll.action.text = hub_.enroll_token(d.spec.name, d.spec.kiosk ? "kiosk" : "rep");
    d.queue.push_back(enroll);
    Queued sync;
    sync.action.device = d.index;
    d.queue.push_back(sync);
    devices_.push_back(std::move(d));
  }
  const std::string stopped = wait_idle(std::chrono::seconds(o_.stall_s));
  if (!stopped.empty()) r_.notes.push_back(cat("setup: ", stopped));
}

void Field::start(Device& d) {
  d.current = d.queue.front();
  d.queue.pop_front();
  const Action& a = d.current.action;
  Command c;
  c.stdout_path = cat(d.ctx.home, ".out");
  c.stderr_path = cat(d.ctx.home, ".err");
  if (d.clock_offset_s != 0) c.env.push_back(cat("OUTPOST_CLOCK_OFFSET_SECONDS=", d.clock_offset_s));
  switch (d.current.step) {
    case Step::enroll:  // a slow machine answers late, never twice: wait long
      c.argv = {o_.bins.outpost, "--home", d.ctx.home, "--json", "enroll", a.text, "--timeout", "60"};
      break;
    case Step::observe: c.argv = observe_argv(d.ctx); break;
    case Step::action:
      if (a.kind == ActionKind::sync && !d.online) {  // the app knows it is offline and does not try
        if (d.queue.empty()) return;
        return start(d);
      }
      if (a.kind == ActionKind::feedback || a.kind == ActionKind::request) {
        d.token = action_token(d.ctx, a, ++d.serial);
      }
      c.argv = action_argv(d.ctx, a, d.token);
      if (a.kind == ActionKind::sync) {
        ++r_.syncs;
        proxy_->cut_after(d.index, a.param);
      }
      break;
  }
  d.killed = false;
  // A final sync has nothing else to wait for: it gets twice the time.
  const bool final_sync = d.current.step == Step::action && a.kind == ActionKind::sync && a.text == "final";
  d.deadline = Clock::now() + std::chrono::seconds(s_.process_timeout_s * (final_sync ? 2 : 1));
  d.started_ms = unix_ms();
  d.kill_at = {};
  const bool capture = d.current.step == Step::action &&
                       (a.kind == ActionKind::capture || a.kind == ActionKind::duplicate_scan);
  if (capture && d.kill_next_capture_ms >= 0) {
    d.kill_at = Clock::now() + std::chrono::milliseconds(d.kill_next_capture_ms);
  }
  d.pid = children_.start(c);
}

void Field::service() {
  std::size_t running = 0;
  for (Device& d : devices_) {
    if (d.pid <= 0) continue;
    if (auto f = children_.poll(d.pid)) {
      d.pid = 0;
      // The capture was quicker than the kill: strike the next one sooner.
      if (d.kill_at != Clock::time_point{} && !d.killed) d.kill_next_capture_ms /= 2;
      finished(d, *f);
    } else if (d.kill_at != Clock::time_point{} && Clock::now() >= d.kill_at && !d.killed) {
      children_.kill(d.pid);
      d.killed = true;
      d.kill_next_capture_ms = -1;
      ++r_.kills;
      log(d, "kill -9 of its lead capture process");
    } else if (Clock::now() > d.deadline) {
      r_.notes.push_back(cat(d.spec.name, ": a process ran past ", s_.process_timeout_s, " s and was killed"));
      children_.kill(d.pid);
      d.killed = true;
    } else {
      ++running;
    }
  }
  // Devices take turns in a rotating order, so none starves.
  const std::size_t n = devices_.size();
  for (std::size_t k = 0; k < n && running < static_cast<std::size_t>(s_.concurrency); ++k) {
    Device& d = devices_[(rotate_ + k) % n];
    if (d.pid > 0 || d.queue.empty() || Clock::now() < d.not_before) continue;
    start(d);
    if (d.pid > 0) ++running;
  }
  rotate_ = (rotate_ + 1) % std::max<std::size_t>(1, n);
}

std::string Field::wait_idle(std::chrono::seconds stall) {
  auto deadline = Clock::now() + stall;
  std::uint64_t progress = syncs_ok_;
  while (busy() && Clock::now() < deadline && !interrupted_) {
    service();
    if (syncs_ok_ != progress) {  // a device moved on: the clock starts again
      progress = syncs_ok_;
      deadline = Clock::now() + stall;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!busy()) return {};
  if (interrupted_) return "interrupted";
  return cat("no sync succeeded for ", stall.count(), " s (--stall) while ", pending_devices(), " device(s) were still working");
}

std::size_t Field::pending_devices() const {
  return static_cast<std::size_t>(
      std::count_if(devices_.begin(), devices_.end(), [](const Device& d) { return d.pid > 0 || !d.queue.empty(); }));
}


void Field::run_ticks() {
  std::size_t next = 0;
  const auto t0 = Clock::now();
  for (std::int64_t tick = 0; tick < s_.ticks && !interrupted_; ++tick) {
    const auto at = t0 + std::chrono::milliseconds(tick * s_.tick_ms);
    while (Clock::now() < at && !interrupted_) {
      service();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (std::uint64_t pick : std::exchange(pending_kills_, {})) kill_one(pick);
    while (next < plan_.actions.size() && plan_.actions[next].tick == tick) dispatch(plan_.actions[next++]);
    service();
  }
  if (!pending_kills_.empty()) {
    r_.notes.push_back(cat(pending_kills_.size(), " planned kill(s) found no running device process"));
  }
}

void Field::dispatch(const Action& a) {
  if (a.device < 0) {
    if (a.kind == ActionKind::kill) {
      kill_one(a.param);
    } else if (a.kind == ActionKind::hub_restart) {
      hub_.restart();
      ++r_.hub_restarts;
    } else {
      marketing(a);
    }
    return;
  }
  Device& d = devices_[static_cast<std::size_t>(a.device)];
  switch (a.kind) {
    case ActionKind::kill:  // its next lead capture, 0-40 ms in
      d.kill_next_capture_ms = static_cast<std::int64_t>((a.param >> 16) % 41);
      break;
    case ActionKind::go_offline:
      d.online = false;
      proxy_->set_online(d.index, false);
      for (std::size_t c = 0; c < changes_.size(); ++c) {
        if (d.reached[c] == 0) d.offline_since[c] = true;  // it will get this change after a reconnect
      }
      log(d, "offline");
      break;
    case ActionKind::go_online:
      d.online = true;
      d.reconnected_ms = unix_ms();
      proxy_->set_online(d.index, true);
      log(d, "online");
      break;
    case ActionKind::clock_back:
      d.clock_offset_s = -s_.clock_back_s;
      ++r_.clock_back_devices;
      log(d, "clock set back");
      break;
    case ActionKind::clock_forward:
      d.clock_offset_s = s_.clock_forward_s;
      ++r_.clock_forward_devices;
      log(d, "clock set forward");
      break;
    default: {
      Queued q;
      q.action = a;
      d.queue.push_back(q);
    }
  }
}

void Field::kill_one(std::uint64_t pick) {
  std::vector<Device*> running;
  for (Device& d : devices_) {
    if (d.pid > 0 && !d.killed && d.current.step != Step::enroll) running.push_back(&d);
  }
  if (running.empty()) {
    pending_kills_.push_back(pick);  // try again at the next tick
    return;
  }
  Device& d = *running[pick % running.size()];
  children_.kill(d.pid);
  d.killed = true;
  ++r_.kills;
  log(d, cat("kill -9 of its ", d.current.step == Step::observe ? "catalog show" : kind_name(d.current.action.kind),
             " process"));
}

Results Field::run() {
  r_.scenario = s_.name;
  r_.seed = s_.seed;
  r_.plan_digest = plan_.digest_hex();
  r_.ticks = s_.ticks;
  r_.tick_s = static_cast<double>(s_.tick_ms) / 1000;
  r_.field_minutes_per_tick = s_.field_minutes_per_tick;
  r_.reps = s_.reps;
  r_.kiosks = s_.kiosks;
  start_ms_ = unix_ms();  // the setup's log lines count from here, the run's from after it
  setup();
  start_ms_ = unix_ms();
  const auto t0 = Clock::now();
  run_ticks();
  finish();
  r_.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r_;
}

}  // namespace detail

std::int64_t stall_limit_s(const Scenario& s) { return std::max<std::int64_t>(60, 2 * s.process_timeout_s); }

Results run_field(const Scenario& scenario, const Plan& plan, const RunOptions& options,
                  const std::atomic<bool>& interrupted) {
  RunOptions o = options;
  if (o.stall_s <= 0) o.stall_s = stall_limit_s(scenario);
  detail::Field field(scenario, plan, o, interrupted);
  return field.run();
}

}  // namespace outpost::sim
