#!/usr/bin/env bash
# The main job, end to end on this machine: installs dependencies, builds,
# then in fresh temporary homes on the embedded defaults: a hub, marketing's
# publisher key, a rep's tablet and a booth kiosk - publishing, syncing,
# working offline, a new version and a withdrawal, and the version gate
# blocking what marketing replaced. Every step checks its outcome; the
# script exits non-zero if one is not what it says, and leaves no process.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash tools/setup.sh
bash tools/build.sh "$root/build" >/dev/null
bin="$root/build"
outpost="$bin/platform/device/cli/outpost"
hub_bin="$bin/platform/hub/cli/outpost-hub"
publish_bin="$bin/platform/publish/cli/outpost-publish"

source "$root/tools/lib/hub_env.sh"
source "$root/tools/lib/make_pdf.sh"
work="$(mktemp -d)"
cleanup() {
  stop_hub
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\033[31mDEMO FAILED: %s\033[0m\n' "$*" >&2; exit 1; }
hub() { "$hub_bin" --home "$work/hub" "$@"; }
rep() { "$outpost" --quiet --home "$work/rep-tablet" "$@"; }
kiosk() { "$outpost" --quiet --home "$work/booth-kiosk" "$@"; }
marketing() { "$publish_bin" --key "$work/marketing.key" --hub "$address" "$@"; }

port="$(pick_hub_port)" || fail "no free ports on 127.0.0.1"
serve_hub() { start_hub "$hub_bin" "$work/hub" "$work/hub.log" || fail "the hub did not start"; }

step "The hub: keys (CURVE transport, catalog signing, lead sealing) and an SQLite store"
hub --json init --port "$port" >"$work/hub-init.json"
root_key="$(sed -n 's/.*"root_key": *"\([0-9a-f]\{64\}\)".*/\1/p' "$work/hub-init.json")"
[[ -n "$root_key" ]] || fail "hub init printed no root key"
echo "hub home: $work/hub"
echo "organisation root key (devices pin it at enrollment): $root_key"
echo "(embedded default: the root key lives in the hub home; keep it offline in production)"
address="$(hub address)"
serve_hub
echo "hub serving on 127.0.0.1:$port-$((port + 3))"

step "Marketing creates its signing key on its own laptop; the hub admin registers the public half"
pubkey="$("$publish_bin" keygen --out "$work/marketing.key" 2>/dev/null)"
hub publishers add marketing "$pubkey"

step "Marketing publishes a library: a deck, a price sheet, a whitepaper, a demo video and the booth's lead form"
mkdir -p "$work/library"
make_pdf "$work/library/deck.pdf" 12 "Outpost for hospitals" "Platform overview, Q3" "Patient data stays on site"
make_pdf "$work/library/prices-v1.pdf" 2 "EMEA price list 2027" "version 1" "List prices in EUR"
make_pdf "$work/library/whitepaper.pdf" 6 "Security whitepaper" "Encryption at rest and in transit"
head -c $((24 * 1024 * 1024)) /dev/urandom >"$work/library/demo.mp4"
write_booth_form "$work/library/booth-form.json"
marketing publish "$work/library/deck.pdf" --asset hospital-deck --title "Hospital platform overview" \
  --kind deck --tags hospitals,platform --region EMEA
marketing publish "$work/library/prices-v1.pdf" --asset emea-prices --title "EMEA price list" \
  --kind price-sheet --critical price-sheet --region EMEA
marketing publish "$work/library/whitepaper.pdf" --asset security-whitepaper --title "Security whitepaper" \
  --kind pdf --tags security
marketing publish "$work/library/demo.mp4" --asset demo-video --title "Product demo" --kind video --on-demand
marketing publish "$work/library/booth-form.json" --asset booth-form --title "RSA 2027 booth form" --kind form
marketing list

step "A rep's tablet and a booth kiosk enroll with one-time tokens, then sync"
rep enroll "$(hub enroll-token --device rep-tablet --role rep 2>/dev/null)"
kiosk enroll "$(hub enroll-token --device booth-kiosk --role kiosk 2>/dev/null)"
rep sync
kiosk sync
echo "The demo video is downloaded on demand only; the rep pins it for the road and syncs again:"
rep pin demo-video
rep sync
rep pin | grep -q "demo-video  \[available offline\]" || fail "the pinned video should be on the tablet"
hub devices

step "The hub goes down: the field is offline from here"
stop_hub
rep sync --timeout 2 && fail "sync should fail with the hub down"
echo "(as expected: the rep's sync says the hub cannot be reached)"
rep status

step "Offline, the rep searches and presents; every open goes through the version gate"
rep search "hospital"
rep search "veterinary" | grep -q "^0 result" || fail "a search for veterinary should find nothing"
rep present hospital-deck --pages 5 --dwell 40 --out "$work/shown-deck.pdf"
cmp -s "$work/shown-deck.pdf" "$work/library/deck.pdf" || fail "the deck shown is not the published one"
rep open emea-prices --out "$work/shown-prices.pdf"
grep -q "version 1" "$work/shown-prices.pdf" || fail "price sheet v1 should open"
rep open demo-video --out /dev/null
rep feedback hospital-deck --rating 4 --comment "Great for the Lisbon meeting"
rep feedback emea-prices --rating 2 --comment "Discounts for 3-year deals missing" --needs-update
rep request "Case study: a hospital in Spain" --asset hospital-deck

step "Offline, the kiosk captures leads; each is sealed to the hub at once"
kiosk lead capture --form booth-form --field email=ana.lima@example.com --field name="Ana Lima" \
  --field company="Hospital São João" --answer timeline=now --consent
kiosk lead capture --form booth-form --field email=ben.okafor@example.com --field name="Ben Okafor" \
  --answer timeline=later --consent
echo "A mistyped address is refused with the reason, and nothing is stored:"
if kiosk lead capture --form booth-form --field email=carla@ --field name="Carla Diaz" --consent; then
  fail "an invalid e-mail must be refused"
fi
echo "Ana comes back later in the day: a repeat visit, not a second lead:"
kiosk lead capture --form booth-form --field email=ANA.LIMA@example.com --field name="Ana Lima" \
  --answer timeline=now --consent
kiosk lead count
if grep -rqa -e "ana.lima" -e "Okafor" "$work/booth-kiosk"; then fail "lead PII found in the kiosk's files"; fi
echo "no trace of the visitors' names or e-mails in the kiosk's files"

step "Meanwhile marketing replaces the price sheet and withdraws the deck (the hub is back; the field still offline)"
serve_hub
make_pdf "$work/library/prices-v2.pdf" 2 "EMEA price list 2027" "version 2" "New: 3-year discounts"
marketing publish "$work/library/prices-v2.pdf" --asset emea-prices --title "EMEA price list" \
  --kind price-sheet --critical price-sheet --note "new discounts"
marketing revoke hospital-deck@1 --reason "claims no longer approved"

step "The field comes back online and syncs: usage and leads flow to the hub, the new catalog to the field"
rep sync
kiosk sync
hub devices

step "The rep's old price sheet and the withdrawn deck are now blocked; the new price sheet opens"
if rep open emea-prices@1 --out /dev/null; then fail "price sheet v1 must be blocked"; fi
if rep present hospital-deck --pages 1; then fail "the withdrawn deck must be blocked"; fi
rep open emea-prices --out "$work/shown-prices.pdf"
grep -q "version 2" "$work/shown-prices.pdf" || fail "price sheet v2 should open"
echo "emea-prices@2 opens; @1 and hospital-deck are blocked (and the attempts are reported)"
rep sync

step "Every journal is a hash chain the hub verified event by event"
rep journal verify
kiosk journal verify
hub alerts

step "Marketing's answers: the hub's reports"
report() {  # prints a report, and keeps it as CSV for the checks
  printf '\n-- outpost-hub report %s\n' "$*"
  hub report "$@"
  hub report "$@" --csv >"$work/report-$1.csv"
}
report usage
grep -q "hospital-deck" "$work/report-usage.csv" || fail "usage should show the deck presented"
report unused --days 0
grep -q "security-whitepaper" "$work/report-unused.csv" || fail "the whitepaper was never opened"
report adoption
report blocked
grep -q "emea-prices" "$work/report-blocked.csv" || fail "the blocked price sheet should be reported"
report searches
grep -q "veterinary" "$work/report-searches.csv" || fail "the search with no result should be reported"
report feedback
grep -q "Discounts for 3-year deals missing" "$work/report-feedback.csv" || fail "the feedback should be reported"
report leads
grep -q "booth-kiosk" "$work/report-leads.csv" || fail "the kiosk's leads should be at the hub"

step "The lead loop: the hub routes the booth's leads to the rep, who follows up; the SLA shows it"
cat >"$work/routing.json" <<'JSON'
{"teams": {"field": ["rep-tablet"]}, "rules": [], "default_team": "field", "sla_hours": 48}
JSON
hub leads route --rules "$work/routing.json"
rep sync
rep lead list
lead_id="$(rep --json lead list | sed -n 's/.*"lead": *"\(L-[A-Z2-7]*\)".*/\1/p' | head -n 1)"
[[ -n "$lead_id" ]] || fail "the rep's tablet should hold the assigned leads"
if kiosk lead show "$lead_id" 2>/dev/null; then fail "a kiosk must not see assigned leads"; fi
rep lead followup "$lead_id" --outcome meeting --note "Demo booked for Tuesday"
rep sync
hub leads sla
hub --json leads sla | grep -q '"within": 1' || fail "the follow-up should count within the SLA"

step "An air-gapped kiosk gets the same catalog and content from a bundle file"
stop_hub
hub bundle export --out "$work/kiosk.opb"
air() { "$outpost" --quiet --home "$work/air-gapped-kiosk" "$@"; }
air init --root "$root_key"
air catalog apply "$work/kiosk.opb"
air open booth-form --out /dev/null || fail "the bundle's form should open"
echo "the air-gapped kiosk holds the current form, verified against the same signatures"

step "Done: everything ran on the embedded defaults; the hub is stopped and the temp homes are removed."
