// The lead book's outputs: the SLA report, the CRM export, and erasing a
// person on request.
#include <algorithm>
#include <set>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

void count(SlaRow& row, const LeadSummary& s, TimePoint now) {
  ++row.captured;
  if (s.rep.empty()) return;
  ++row.assigned;
  if (s.escalated_at) ++row.escalated;
  if (s.followed_up_at) {
    if (s.due_at && *s.followed_up_at > *s.due_at) {
      ++row.late;
    } else {
      ++row.within;
    }
  } else if (s.due_at && now > *s.due_at) {
    ++row.overdue;
  }
}

std::vector<SlaRow> rows_of(std::map<std::string, SlaRow>& m) {
  std::vector<SlaRow> out;
  for (auto& [key, row] : m) {
    row.key = key;
    out.push_back(std::move(row));
  }
  return out;
}

// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
void csv_cell(std::string& out, const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void csv_row(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(',');
    csv_cell(out, cells[i]);
  }
  out.append("\r\n");
}

}  // namespace

Result<SlaReport> LeadBook::sla(TimePoint now, const SlaWindow& window) {
  return guarded([&]() -> Result<SlaReport> {
    SlaReport report;
    report.now = now;
    std::map<std::string, SlaRow> shows, reps;
    for (const LeadSummary& s : impl_->summaries()) {
      if (window.since && s.first_captured_at < *window.since) continue;
      if (window.until && s.first_captured_at >= *window.until) continue;
      count(shows[s.show], s, now);
      if (!s.rep.empty()) count(reps[s.rep], s, now);
      if (!s.rep.empty() && !s.followed_up_at && s.due_at && now > *s.due_at) {
        const auto late = std::chrono::duration_cast<std::chrono::minutes>(now - *s.due_at);
        report.overdue.push_back(
            {s.id, s.rep, s.show, *s.due_at, static_cast<double>(late.count()) / 60.0, s.escalated_at.has_value()});
      }
    }
    report.by_show = rows_of(shows);
    report.by_rep = rows_of(reps);
    std::stable_sort(report.overdue.begin(), report.overdue.end(),
                     [](const OverdueLead& a, const OverdueLead& b) { return a.due_at < b.due_at; });
    return report;
  });
}

Result<std::string> LeadBook::export_csv(const std::optional<std::string>& show) {
  return guarded([&]() -> Result<std::string> {
    std::vector<Lead> leads;
    std::set<std::string> field_names;
    for (const LeadSummary& s : impl_->summaries()) {
      std::optional<Lead> lead = impl_->read_lead(s.id, true);
      if (!lead) continue;
      leads.push_back(std::move(*lead));
    }
    std::vector<std::pair<const Lead*, const LeadConsent*>> rows;
    for (const Lead& lead : leads) {
      // The most recent consent still standing (for that show, with --show).
      const LeadConsent* best = nullptr;
      for (const LeadConsent& c : lead.consents) {
        if (c.withdrawn_at || (show && c.show != *show)) continue;
        if (best == nullptr || c.accepted_at > best->accepted_at) best = &c;
      }
      if (best == nullptr) continue;
      rows.emplace_back(&lead, best);
      for (const auto& [name, value] : lead.fields) field_names.insert(name);
    }
    std::vector<std::string> header{"lead"};
    header.insert(header.end(), field_names.begin(), field_names.end());
    for (const char* c : {"shows", "score", "consent_show", "consent_version", "consent_accepted_at", "first_captured_at",
                          "last_captured_at", "rep", "outcome"}) {
      header.emplace_back(c);
    }
    std::string out;
    csv_row(out, header);
    for (const auto& [lead, consent] : rows) {
      std::vector<std::string> cells{lead->id};
      for (const std::string& name : field_names) {
        const auto it = lead->fields.find(name);
        cells.push_back(it == lead->fields.end() ? std::string() : it->second);
      }
      std::set<std::string> shows;
      for (const LeadVisit& v : lead->history) shows.insert(v.show);
      std::string show_list;
      for (const std::string& s : shows) {
        if (!show_list.empty()) show_list.push_back(';');
        show_list.append(s);
      }
      cells.push_back(show_list);
      cells.push_back(std::to_string(lead->score));
      cells.push_back(consent->show);
      cells.push_back(consent->version);
      cells.push_back(iso_time(consent->accepted_at));
      cells.push_back(iso_time(lead->first_captured_at));
      cells.push_back(iso_time(lead->last_captured_at));
      cells.push_back(lead->rep);
      cells.push_back(lead->outcome);
      csv_row(out, cells);
    }
    return out;
  });
}

void LeadBook::Impl::remove_lead(const std::string& id, TimePoint now, EraseReport& report) {
  const std::optional<LeadRow> row = db.lead(id);
  if (!row) return;
  report.found = true;
  report.lead = id;
  report.events_cleared += db.remove_lead(id);
  if (!row->rep.empty() && queue_withdraw(row->rep, id, now)) report.withdrawn_from = row->rep;
}

Result<EraseReport> LeadBook::erase(const std::string& email, TimePoint now) {
  return guarded([&]() -> Result<EraseReport> {
    const std::string normal = normal_email(email);
    if (normal.empty() || normal.find('@') == std::string::npos) {
      return Status(Errc::invalid_argument, "erase: --email must be an email address");
    }
    const crypto::Digest person = impl_->person_of(normal);
    const UnitPtr tx = impl_->db.write();
    EraseReport report;
    if (const auto lead = impl_->db.lead_by_person(person.view())) impl_->remove_lead(lead->id, now, report);
    const auto [cleared, withdrawals] = impl_->db.remove_withdrawals(person.view());
    report.events_cleared += cleared;
    if (withdrawals > 0) report.found = true;
    impl_->db.set_erased(person.view(), now);
    tx->commit();
    return report;
  });
}

}  // namespace outpost::hub
