#!/usr/bin/env bash
# Records the real Graphite render responses the unit tests replay (src/__tests__/fixtures/).
# Needs a running test Graphite: `scripts/graphite.sh install start` first. Feeds datapoints through carbon's
# plaintext protocol under the metric names the tests expect, waits until render returns them, saves bodies.
set -euo pipefail
cd "$(dirname "$0")/.."
URL="${AMSTAFF_GRAPHITE_URL:-http://127.0.0.1:18080}"
OUT=src/__tests__/fixtures
PY=/usr/bin/python3
mkdir -p "$OUT"
# Start from empty series, so a second recording does not mix in the first one's points.
rm -rf "${AMSTAFF_GRAPHITE_DIR:-/tmp/amstaff-graphite}/whisper/servers"

now=$(date +%s)
base=$((now - now % 10))
points=""
add() { points+="$1 $2 $((base - $3))"$'\n'; }
# One series: avg 87.5, min 80, max 95, sum 350, last 95 (with nulls between the points: 10 s resolution).
add servers.web1.cpu 80 80
add servers.web1.cpu 85 60
add servers.web1.cpu 90 40
add servers.web1.cpu 95 20
# Four more, for a wildcard: web3 and web4 critical at 85, web5 warning at 70, web2 ok.
add servers.web2.cpu 60 60
add servers.web2.cpu 62 40
add servers.web2.cpu 64 20
add servers.web3.cpu 95 60
add servers.web3.cpu 97.1 40
add servers.web3.cpu 99.2 20
add servers.web4.cpu 88 60
add servers.web4.cpu 90 40
add servers.web4.cpu 86 20
add servers.web5.cpu 72 60
add servers.web5.cpu 74 40
add servers.web5.cpu 70 20
# A series whose only points are older than a 2-minute window: all its datapoints there are null.
add servers.stale.cpu 50 250

printf '%s' "$points" | "$PY" -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", 2003)); s.sendall(sys.stdin.buffer.read()); s.close()'

render() { curl -sS -G "$URL/render" --data-urlencode "target=$1" --data-urlencode "from=$2" --data-urlencode "format=json"; }
for _ in $(seq 100); do
  got=$(render 'servers.*.cpu' -5min)
  if [ "$(printf '%s' "$got" | "$PY" -c 'import json, sys; print(sum(1 for s in json.load(sys.stdin) if s["target"] != "servers.stale.cpu" and any(p[0] is not None for p in s["datapoints"])))')" = 5 ]; then
    break
  fi
  sleep 0.2
done

render servers.web1.cpu -5min >"$OUT/single-series.body"
render 'servers.web{1,2,3,4,5}.cpu' -5min >"$OUT/five-series.body"
render servers.stale.cpu -2min >"$OUT/null-only.body"
render 'servers.{web1,stale}.cpu' -2min >"$OUT/one-series-without-data.body"
# A real 500: graphite-web 1.1 does not parse a brace list at the top of a target.
curl -sS -G "$URL/render" --data-urlencode "target={servers.web1.cpu,servers.stale.cpu}" --data-urlencode "format=json" \
  -o "$OUT/server-error.body" -w '%{http_code}\n'
render servers.nothing.here -5min >"$OUT/no-series.body"
curl -sS -G "$URL/render" --data-urlencode "target=nosuchfunction(servers.web1.cpu)" --data-urlencode "format=json" \
  -o "$OUT/unknown-function.body" -w '%{http_code}\n'
ls -l "$OUT"
