// attendees: turns an event's registration export (CSV) into the content of
// an attendee list asset, whose entries each open only with their own
// badge code (core/include/outpost/leads/attendees.hpp). Publishing it is
// the ordinary `publish FILE --kind attendees`.
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "outpost/base/guard.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/storage/file_io.hpp"
#include "publish_cli.hpp"

namespace outpost::publish_cli {

namespace {

// Rows of the CSV as attendees: the header names the columns, one of them
// "badge"; every other non-empty cell is a form field of that name.
Result<std::vector<leads::Attendee>> attendees_of(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return Status(Errc::invalid_argument, "the CSV is empty: expected a header row with a 'badge' column");
  const std::vector<std::string>& header = rows[0];
  const auto badge_at = std::find(header.begin(), header.end(), "badge");
  if (badge_at == header.end()) return Status(Errc::invalid_argument, "the CSV header has no 'badge' column");
  const std::size_t badge = static_cast<std::size_t>(badge_at - header.begin());
  std::set<std::string> names;
  for (const std::string& name : header) {
    if (name.empty()) return Status(Errc::invalid_argument, "the CSV header has an empty column name");
    if (!names.insert(name).second) return Status(Errc::invalid_argument, "the CSV header names '" + name + "' twice");
  }
  std::vector<leads::Attendee> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != header.size()) {
      std::string message = "CSV row ";
      message += std::to_string(r + 1);
      message += " has ";
      message += std::to_string(rows[r].size());
      message += " cells, the header ";
      message += std::to_string(header.size());
      return Status(Errc::invalid_argument, message);
    }
    leads::Attendee a;
    a.badge = rows[r][badge];
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (c != badge && !rows[r][c].empty()) a.fields[header[c]] = rows[r][c];
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

void add_attendees_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("attendees", "Make an event's attendee list asset from a registration CSV");
  cmd->footer(
      "The CSV's header names the columns: 'badge' and the lead form's field names (email, name,\n"
      "company, ...). Each attendee's details are encrypted under their own badge code, so the list\n"
      "names nobody until a badge is scanned at a kiosk. Badge codes that can be guessed (sequential\n"
      "numbers) can be tried one by one by anyone holding the list: prefer random codes.\n"
      "Example: outpost-publish attendees --show rsa-2027 --in registrations.csv --out attendees.json\n"
      "         outpost-publish publish attendees.json --asset rsa-2027-attendees \\\n"
      "           --title \"RSA 2027 attendees\" --kind attendees --expires 2027-05-01");
  struct Args {
    std::string show, in, out;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--show", a->show, "The trade show, as the lead form names it")->required();
  cmd->add_option("--in", a->in, "The registration export (CSV, UTF-8)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Where to write the list (mode 0600; not overwritten)")->required();
  cmd->callback([&ctx, a] {
    const Bytes csv = ctx.take(guarded([&] { return Result<Bytes>(storage::read_file(a->in)); }));
    const auto rows = ctx.take(cli::parse_csv(std::string_view(reinterpret_cast<const char*>(csv.data()), csv.size())));
    const auto attendees = ctx.take(attendees_of(rows));
    const Bytes list = ctx.take(leads::make_attendee_list(a->show, attendees, ctx.random));
    ctx.check(guarded([&] {
      storage::create_file_durably(a->out, list, 0600);
      return Status();
    }));
    ctx.print({{"show", a->show}, {"attendees", attendees.size()}, {"out", a->out}, {"size", list.size()}},
              "wrote " + std::to_string(attendees.size()) + " attendees of " + a->show + " to " + a->out + " (" +
                  format_size(list.size()) + "); publish it with --kind attendees");
  });
}

}  // namespace outpost::publish_cli
