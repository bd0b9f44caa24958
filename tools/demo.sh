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
outpost="$bin/platform/cli/outpost"
hub_bin="$bin/tools/hub/outpost-hub"
publish_bin="$bin/tools/publish/outpost-publish"

work="$(mktemp -d)"
hub_pid=""
cleanup() {
  if [[ -n "$hub_pid" ]]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\033[31mDEMO FAILED: %s\033[0m\n' "$*" >&2; exit 1; }
hub() { "$hub_bin" --home "$work/hub" "$@"; }
rep() { "$outpost" --quiet --home "$work/rep-tablet" "$@"; }
kiosk() { "$outpost" --quiet --home "$work/booth-kiosk" "$@"; }
marketing() { "$publish_bin" --key "$work/marketing.key" --hub "$address" "$@"; }

# Four consecutive free ports on 127.0.0.1 (sync, enroll, notices, publish).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 200); do
  p=$((20000 + RANDOM % 30000))
  if port_free "$p" && port_free $((p + 1)) && port_free $((p + 2)) && port_free $((p + 3)); then port=$p; break; fi
done
[[ -n "$port" ]] || fail "no free ports on 127.0.0.1"

start_hub() {
  "$hub_bin" --home "$work/hub" serve >"$work/hub.log" 2>&1 &  # the binary itself, so $! is the hub
  hub_pid=$!
  for _ in $(seq 1 100); do
    grep -q "hub serving" "$work/hub.log" && return 0
    kill -0 "$hub_pid" 2>/dev/null || { cat "$work/hub.log"; fail "the hub did not start"; }
    sleep 0.1
  done
  fail "the hub did not start within 10 s"
}
stop_hub() {
  kill "$hub_pid"
  wait "$hub_pid" || true
  hub_pid=""
}

step "The hub: keys (CURVE transport, catalog signing, lead sealing) and an SQLite store"
hub --json init --port "$port" >"$work/hub-init.json"
root_key="$(sed -n 's/.*"root_key": *"\([0-9a-f]\{64\}\)".*/\1/p' "$work/hub-init.json")"
[[ -n "$root_key" ]] || fail "hub init printed no root key"
echo "hub home: $work/hub"
echo "organisation root key (devices pin it at enrollment): $root_key"
echo "(embedded default: the root key lives in the hub home; keep it offline in production)"
address="$(hub address)"
start_hub
echo "hub serving on 127.0.0.1:$port-$((port + 3))"

step "Marketing creates its signing key on its own laptop; the hub admin registers the public half"
pubkey="$("$publish_bin" keygen --out "$work/marketing.key" 2>/dev/null)"
hub publishers add marketing "$pubkey"

step "Marketing publishes a library: a deck, a price sheet, a demo video and the booth's lead form"
mkdir -p "$work/library"
make_pdf() {  # a small but real PDF with one page of text
  local text="$1" out="$2"
  local stream="BT /F1 18 Tf 72 720 Td ($text) Tj ET"
  {
    printf '%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
    printf '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n'
    printf '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
    printf '/Resources << /Font << /F1 5 0 R >> >> >> endobj\n'
    printf '4 0 obj << /Length %d >> stream\n%s\nendstream endobj\n' "${#stream}" "$stream"
    printf '5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n'
    printf 'trailer << /Root 1 0 R >>\n%%%%EOF\n'
  } >"$out"
}
make_pdf "Outpost Q3 platform overview for hospitals" "$work/library/deck.pdf"
make_pdf "EMEA price list 2027 - version 1" "$work/library/prices-v1.pdf"
head -c $((24 * 1024 * 1024)) /dev/urandom >"$work/library/demo.mp4"
cat >"$work/library/booth-form.json" <<'EOF'
{"show": "rsa-2027",
 "fields": [{"name": "email", "type": "email", "required": true},
            {"name": "name", "required": true},
            {"name": "company"}],
 "consent": {"text": "I agree that Outpost may contact me about this show.", "version": "2027-01"},
 "qualification": [{"name": "timeline", "question": "When do you plan to buy?",
                    "options": [{"value": "now", "score": 10}, {"value": "later", "score": 2}]}]}
EOF
marketing publish "$work/library/deck.pdf" --asset hospital-deck --title "Hospital platform overview" \
  --kind deck --tags hospitals,platform --region EMEA
marketing publish "$work/library/prices-v1.pdf" --asset emea-prices --title "EMEA price list" \
  --kind price-sheet --critical price-sheet --region EMEA
marketing publish "$work/library/demo.mp4" --asset demo-video --title "Product demo" --kind video
marketing publish "$work/library/booth-form.json" --asset booth-form --title "RSA 2027 booth form" --kind form
marketing list

step "A rep's tablet and a booth kiosk enroll with one-time tokens, then sync"
rep enroll "$(hub enroll-token --device rep-tablet --role rep 2>/dev/null)"
kiosk enroll "$(hub enroll-token --device booth-kiosk --role kiosk 2>/dev/null)"
rep sync
kiosk sync
hub devices

step "The hub goes down: the field is offline from here"
stop_hub
rep sync --timeout 2 && fail "sync should fail with the hub down"
echo "(as expected: the rep's sync says the hub cannot be reached)"

step "Offline, the rep searches and presents; every open goes through the version gate"
rep search "hospital"
rep open hospital-deck --out "$work/shown-deck.pdf"
cmp -s "$work/shown-deck.pdf" "$work/library/deck.pdf" || fail "the deck shown is not the published one"
rep open emea-prices --out "$work/shown-prices.pdf"
grep -q "version 1" "$work/shown-prices.pdf" || fail "price sheet v1 should open"
rep feedback hospital-deck --rating 4 --comment "Great for the Lisbon meeting"

step "Offline, the kiosk captures a lead; it is sealed to the hub at once"
kiosk lead capture --form booth-form --field email=ana.lima@example.com --field name="Ana Lima" \
  --field company="Hospital São João" --answer timeline=now --consent
kiosk lead count
if grep -rqa "ana.lima" "$work/booth-kiosk"; then fail "lead PII found in the kiosk's files"; fi
echo "no trace of the visitor's e-mail in the kiosk's files"

step "Meanwhile marketing replaces the price sheet and withdraws the deck"
start_hub
make_pdf "EMEA price list 2027 - version 2 (new discounts)" "$work/library/prices-v2.pdf"
marketing publish "$work/library/prices-v2.pdf" --asset emea-prices --title "EMEA price list" \
  --kind price-sheet --critical price-sheet --note "new discounts"
marketing revoke hospital-deck@1 --reason "claims no longer approved"

step "The field comes back online and syncs: usage and the lead flow to the hub, the new catalog to the field"
rep sync
kiosk sync
hub devices

step "The rep's old price sheet and the withdrawn deck are now blocked; the new price sheet opens"
if rep open emea-prices@1 --out /dev/null; then fail "price sheet v1 must be blocked"; fi
if rep open hospital-deck --out /dev/null; then fail "the withdrawn deck must be blocked"; fi
rep open emea-prices --out "$work/shown-prices.pdf"
grep -q "version 2" "$work/shown-prices.pdf" || fail "price sheet v2 should open"
echo "emea-prices@2 opens; @1 and hospital-deck are blocked"
kiosk lead count

step "Every journal is a hash chain the hub verified event by event"
rep journal verify
kiosk journal verify
hub alerts

step "An air-gapped kiosk gets the same catalog and content from a bundle file"
stop_hub
hub bundle export --out "$work/kiosk.opb"
air() { "$outpost" --quiet --home "$work/air-gapped-kiosk" "$@"; }
air init --root "$root_key"
air catalog apply "$work/kiosk.opb"
air open booth-form --out /dev/null || fail "the bundle's form should open"
echo "the air-gapped kiosk holds the current form, verified against the same signatures"

step "Done: everything ran on the embedded defaults; the hub is stopped and the temp homes are removed."
