#!/usr/bin/env bash
# Runs a test command against a real hub: in a fresh temp dir, an
# outpost-hub on free 127.0.0.1 ports with a registered publisher key and a
# small library (a deck, a price sheet, a lead form), and one-time
# enrollment tokens. The hub is killed and the temp dir removed however the
# command ends; the script exits with the command's status.
#
#   with_hub.sh OUTPOST_HUB_BIN OUTPOST_PUBLISH_BIN -- COMMAND [ARG...]
#
# The command sees:
#   OUTPOST_TEST_WORK         a scratch directory (removed afterwards)
#   OUTPOST_TEST_TOKEN        a token enrolling device "capi-rep" (role rep)
#   OUTPOST_TEST_ROOT_KEY     the organisation root key, hex
#   OUTPOST_TEST_DECK_FILE    the bytes published as hospital-deck@1
#   OUTPOST_HUB_HOME, OUTPOST_HUB_BIN, OUTPOST_PUBLISH_BIN
#   OUTPOST_HUB, OUTPOST_PUBLISHER_KEY   (so "$OUTPOST_PUBLISH_BIN publish ..." just works)
set -euo pipefail

[[ $# -ge 4 && "$3" == "--" ]] || { echo "usage: $0 OUTPOST_HUB_BIN OUTPOST_PUBLISH_BIN -- COMMAND [ARG...]" >&2; exit 2; }
hub_bin="$1"
publish_bin="$2"
shift 3

source "$(dirname "$0")/../../tools/lib/hub_env.sh"
work="$(mktemp -d)"
cleanup() {
  stop_hub
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "with_hub: $*" >&2; [[ -f "$work/hub.log" ]] && sed 's/^/  hub: /' "$work/hub.log" >&2; exit 1; }
hub() { "$hub_bin" --home "$work/hub" "$@"; }

port="$(pick_hub_port)" || fail "no free ports on 127.0.0.1"

hub --json init --bind 127.0.0.1 --port "$port" >"$work/hub-init.json"
root_key="$(sed -n 's/.*"root_key": *"\([0-9a-f]\{64\}\)".*/\1/p' "$work/hub-init.json")"
[[ -n "$root_key" ]] || fail "hub init printed no root key"

start_hub "$hub_bin" "$work/hub" "$work/hub.log" 30 || fail "the hub did not start"  # sanitizer builds start slowly

export OUTPOST_HUB OUTPOST_PUBLISHER_KEY="$work/marketing.key"
OUTPOST_HUB="$(hub address)"
pubkey="$("$publish_bin" keygen --out "$OUTPOST_PUBLISHER_KEY" 2>/dev/null)"
hub publishers add marketing "$pubkey" >/dev/null

# The library: a deck of several chunks (so reads cross chunk boundaries),
# a price sheet and the booth's lead form (the shape tools/demo.sh uses).
mkdir -p "$work/library" "$work/scratch"
{ echo "Hospital platform overview"; head -c $((600 * 1024)) /dev/urandom; } >"$work/library/deck.bin"
echo "EMEA price list 2027 - version 1" >"$work/library/prices-v1.txt"
write_booth_form "$work/library/booth-form.json"
publish() { "$publish_bin" --quiet publish "$@" >/dev/null || fail "publish $*"; }
publish "$work/library/deck.bin" --asset hospital-deck --title "Hospital platform overview" --kind deck \
  --tags hospitals,platform --region EMEA
publish "$work/library/prices-v1.txt" --asset emea-prices --title "EMEA price list" --kind price-sheet \
  --critical price-sheet --region EMEA
publish "$work/library/booth-form.json" --asset booth-form --title "RSA 2027 booth form" --kind form

export OUTPOST_TEST_WORK="$work/scratch" OUTPOST_TEST_ROOT_KEY="$root_key"
export OUTPOST_TEST_DECK_FILE="$work/library/deck.bin"
export OUTPOST_HUB_HOME="$work/hub" OUTPOST_HUB_BIN="$hub_bin" OUTPOST_PUBLISH_BIN="$publish_bin"
export OUTPOST_TEST_TOKEN
OUTPOST_TEST_TOKEN="$(hub enroll-token --device capi-rep --role rep 2>/dev/null)"

set +e
"$@"
status=$?
set -e
kill -0 "$hub_pid" 2>/dev/null || { echo "with_hub: the hub died during the test" >&2; sed 's/^/  hub: /' "$work/hub.log" >&2; }
exit "$status"
