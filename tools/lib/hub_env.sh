# Shell helpers for scripts that run a real hub on this machine (the demo,
# the C API tests). Source it; each function fails with a message on stderr.
#
#   pick_hub_port              prints the first of 4 consecutive free ports on 127.0.0.1
#                              (below the ephemeral port range when it can)
#   start_hub BIN HOME LOG [S] starts `BIN --home HOME serve` in the background, waits up to
#                              S seconds (default 10) for it to serve; sets hub_pid
#   stop_hub                   stops the hub started by start_hub (if any)
#   write_booth_form FILE      the sample booth lead form (JSON) used across the scripts

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports are drawn below the kernel's ephemeral range when it leaves room (the
# outgoing connections of browsers and other tests take ports from that range,
# and a port taken that way after the check would make the hub's bind fail).
pick_hub_port() {
  local p lo=20000 hi=50000 eph
  eph="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true)"
  if [[ "$eph" =~ ^[0-9]+$ ]] && ((eph - 4 > lo + 1000 && eph - 4 < hi)); then hi=$((eph - 4)); fi
  for _ in $(seq 1 200); do
    p=$((lo + RANDOM % (hi - lo)))
    if port_free "$p" && port_free $((p + 1)) && port_free $((p + 2)) && port_free $((p + 3)); then
      echo "$p"
      return 0
    fi
  done
  echo "no 4 consecutive free ports on 127.0.0.1" >&2
  return 1
}

hub_pid=""
start_hub() {
  local bin="$1" home="$2" log="$3" seconds="${4:-10}"
  "$bin" --home "$home" serve >"$log" 2>&1 &  # the binary itself, so $! is the hub
  hub_pid=$!
  for _ in $(seq 1 $((seconds * 10))); do
    grep -q "hub serving" "$log" && return 0
    if ! kill -0 "$hub_pid" 2>/dev/null; then
      sed 's/^/  hub: /' "$log" >&2
      echo "the hub exited at start" >&2
      hub_pid=""
      return 1
    fi
    sleep 0.1
  done
  echo "the hub did not start within $seconds s" >&2
  return 1
}

stop_hub() {
  if [[ -n "$hub_pid" ]]; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
    hub_pid=""
  fi
}

write_booth_form() {
  cat >"$1" <<'EOF'
{"show": "rsa-2027",
 "fields": [{"name": "email", "type": "email", "required": true},
            {"name": "name", "required": true},
            {"name": "company"}],
 "consent": {"text": "I agree that Outpost may contact me about this show.", "version": "2027-01"},
 "qualification": [{"name": "timeline", "question": "When do you plan to buy?",
                    "options": [{"value": "now", "score": 10}, {"value": "later", "score": 2}]}]}
EOF
}
