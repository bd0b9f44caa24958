#!/usr/bin/env bash
# Builds a device home with real content for the browser tests, the way a
# user gets one: a hub on free 127.0.0.1 ports, marketing's publisher key, a
# published library, an enrolled device that syncs, a new price sheet that
# supersedes (and, with no grace, blocks) version 1, a second sync. A second
# device ("seed-tablet") opens, presents, rates and captures a lead, and
# syncs, so the hub's reports have data; the test device's journal holds no
# lead, and that lead is assigned to the test device (a rep). The hub is
# stopped at the end (its home is kept for hub-side tests).
#
#   make_fixture.sh OUTDIR      (OUTDIR must not exist or be empty)
#
# Needs OUTPOST_BIN, OUTPOST_HUB_BIN, OUTPOST_PUBLISH_BIN (the binaries) and
# ffmpeg (for a real, seekable video; see make_video). Writes:
#   OUTDIR/device           the test device's home (enrolled as "rep-tablet", role rep)
#   OUTDIR/hub              the hub's home (stopped)
#   OUTDIR/library/         the published files
#   OUTDIR/fixture.json     ids, titles, versions and paths (see tests/browser/README.md)
#   OUTDIR/fixture.log      what every step printed
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out="$1"
for v in OUTPOST_BIN OUTPOST_HUB_BIN OUTPOST_PUBLISH_BIN; do
  [[ -x "${!v:-}" ]] || { echo "make_fixture: \$$v must name an executable (got '${!v:-}')" >&2; exit 2; }
done
command -v ffmpeg >/dev/null || { echo "make_fixture: ffmpeg is missing (bash tools/setup.sh installs it)" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
[[ -z "$(ls -A "$out")" ]] || { echo "make_fixture: $out is not empty" >&2; exit 2; }

root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/tools/lib/hub_env.sh"
source "$root/tools/lib/make_pdf.sh"

log="$out/fixture.log"
trap stop_hub EXIT
fail() {
  echo "make_fixture: $*" >&2
  [[ -f "$log" ]] && sed 's/^/  log: /' "$log" >&2
  [[ -f "$out/hub.log" ]] && sed 's/^/  hub: /' "$out/hub.log" >&2
  exit 1
}
run() { "$@" >>"$log" 2>&1 || fail "failed: $*"; }
hub() { "$OUTPOST_HUB_BIN" --home "$out/hub" "$@"; }
device() { "$OUTPOST_BIN" --quiet --home "$out/device" "$@"; }
seed() { "$OUTPOST_BIN" --quiet --home "$out/seed-tablet" "$@"; }
publish() { run "$OUTPOST_PUBLISH_BIN" --quiet --key "$out/marketing.key" --hub "$address" publish "$@"; }

# A port found free can be taken before the hub binds it (other tests run
# at the same time): a fresh hub home on other ports, at most 3 times.
# Sanitizer builds start slowly: a generous bound, still finite.
for attempt in 1 2 3; do
  port="$(pick_hub_port)" || fail "no free ports on 127.0.0.1"
  rm -rf "$out/hub"
  hub --json init --bind 127.0.0.1 --port "$port" >"$out/hub-init.json" 2>>"$log" || fail "hub init"
  if start_hub "$OUTPOST_HUB_BIN" "$out/hub" "$out/hub.log" 60 2>>"$log"; then break; fi
  [[ -z "$hub_pid" ]] || fail "the hub did not start within 60 s"  # only a hub that exited is retried
  [[ $attempt -lt 3 ]] || fail "the hub did not start (3 attempts)"
  echo "make_fixture: the hub did not start on ports $port-$((port + 3)); trying others" >>"$log"
done
root_key="$(sed -n 's/.*"root_key": *"\([0-9a-f]\{64\}\)".*/\1/p' "$out/hub-init.json")"
[[ -n "$root_key" ]] || fail "hub init printed no root key"
address="$(hub address)"
pubkey="$("$OUTPOST_PUBLISH_BIN" keygen --out "$out/marketing.key" 2>>"$log")" || fail "keygen"
run hub publishers add marketing "$pubkey"

# The library. The video is real (VP8 in WebM, 10 s, ~3.5 MB, a key frame
# every second) so the browser can play and seek it; it is big enough that a
# seek to its end is not served from what the browser loaded first. Making it
# costs a few CPU seconds, so it is kept in $OUTPOST_FIXTURE_CACHE (if set)
# and made once per build.
make_video() {
  local dest="$1" cache="${OUTPOST_FIXTURE_CACHE:-}"
  if [[ -n "$cache" && -s "$cache/demo.webm" ]]; then cp "$cache/demo.webm" "$dest"; return; fi
  ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i "testsrc2=size=320x240:rate=5" -t 10 \
    -vf "noise=alls=60:allf=t" -c:v libvpx -deadline realtime -cpu-used 16 -b:v 3M -minrate 3M -maxrate 3M \
    -g 5 -an -f webm "$dest.tmp" >>"$log" 2>&1 || fail "ffmpeg could not make the video"
  mv "$dest.tmp" "$dest"
  if [[ -n "$cache" ]]; then  # tests running in parallel: whole files only
    mkdir -p "$cache"
    cp "$dest" "$cache/demo.webm.$$" && mv -f "$cache/demo.webm.$$" "$cache/demo.webm"
  fi
}
lib="$out/library"
mkdir -p "$lib"
make_pdf "$lib/whitepaper.pdf" 3 "Security whitepaper" "Encryption at rest and in transit"
make_pdf "$lib/prices-v1.pdf" 2 "EMEA price list 2027" "version 1" "List prices in EUR"
make_pdf "$lib/prices-v2.pdf" 2 "EMEA price list 2027" "version 2" "New: 3-year discounts"
make_video "$lib/demo.webm"
write_booth_form "$lib/booth-form.json"

publish "$lib/whitepaper.pdf" --asset security-whitepaper --title "Security whitepaper" --kind pdf \
  --tags security --region EMEA
publish "$lib/prices-v1.pdf" --asset emea-prices --title "EMEA price list" --kind pdf \
  --critical price-sheet --region EMEA --tags pricing
publish "$lib/demo.webm" --asset demo-video --title "Product demo video" --kind video --tags demo
publish "$lib/booth-form.json" --asset booth-form --title "RSA 2027 booth form" --kind form

# The test device, and a second one whose activity seeds the hub's reports.
run device enroll "$(hub enroll-token --device rep-tablet --role rep 2>>"$log")"
run seed enroll "$(hub enroll-token --device seed-tablet --role rep 2>>"$log")"
run device sync
run seed sync
run seed open security-whitepaper --out /dev/null
run seed present emea-prices --pages 2 --dwell 30
run seed feedback emea-prices --rating 2 --comment "Discounts for 3-year deals missing" --needs-update
run seed search "veterinary"
run seed lead capture --form booth-form --field email=seed.visitor@example.com --field name="Seed Visitor" \
  --answer timeline=now --consent

# Version 2 of the price sheet, no grace: version 1 is superseded and blocked.
publish "$lib/prices-v2.pdf" --asset emea-prices --title "EMEA price list" --kind pdf \
  --critical price-sheet --region EMEA --tags pricing --note "new 3-year discounts"
run device sync
run seed sync
if device open emea-prices@1 --out /dev/null >>"$log" 2>&1; then fail "emea-prices@1 should be blocked after version 2"; fi

# The seed's lead, assigned to the test device (a rep): its presenter lists it.
lead_id="$(hub --json leads list 2>>"$log" | sed -n 's/.*"lead": *"\(L-[A-Z2-7]*\)".*/\1/p' | head -n 1)"
[[ -n "$lead_id" ]] || fail "the hub's lead book has no lead"
run hub leads assign "$lead_id" --rep rep-tablet
run device sync
stop_hub

cat >"$out/fixture.json" <<EOF
{
  "home": "$out/device",
  "hub_home": "$out/hub",
  "hub_port": $port,
  "root_key": "$root_key",
  "device": "rep-tablet",
  "pdf": {"id": "security-whitepaper", "title": "Security whitepaper", "version": 1, "file": "$lib/whitepaper.pdf"},
  "prices": {"id": "emea-prices", "title": "EMEA price list", "version": 2, "old_version": 1,
             "file": "$lib/prices-v2.pdf", "old_file": "$lib/prices-v1.pdf"},
  "video": {"id": "demo-video", "title": "Product demo video", "version": 1, "file": "$lib/demo.webm"},
  "form": {"id": "booth-form", "title": "RSA 2027 booth form", "version": 1},
  "lead": {"id": "$lead_id", "name": "Seed Visitor", "email": "seed.visitor@example.com"}
}
EOF
echo "$out/fixture.json"
