#!/usr/bin/env bash
# A real Graphite on loopback for @amstaff/sampler-graphite's tests: Debian's graphite-carbon (carbon-cache)
# and graphite-web (Django's runserver), with every file under one data directory and /etc left untouched.
#
#   graphite.sh install          apt-get install graphite-web graphite-carbon, unless already installed (root)
#   graphite.sh start            start carbon-cache and graphite-web unless they already answer; prints the URL
#   graphite.sh stop             stop what `start` started
#   graphite.sh status           says what runs; exit 0 only when both answer
#   graphite.sh install start    both, in order
#
# `start` prints exactly one line on stdout, the graphite-web URL for AMSTAFF_GRAPHITE_URL; everything else
# goes to stderr, so `AMSTAFF_GRAPHITE_URL="$(graphite.sh install start)"` works under `set -e`.
#
# Environment:
#   AMSTAFF_GRAPHITE_DIR         data, configuration, logs and pid files (default /tmp/amstaff-graphite)
#   AMSTAFF_GRAPHITE_HTTP_PORT   graphite-web's port on 127.0.0.1 (default 18080)
# carbon-cache listens on 127.0.0.1 only: plaintext 2003, pickle 2004, cache queries 7002 (graphite-web asks
# it for datapoints not yet written to disk).
set -euo pipefail

DIR="${AMSTAFF_GRAPHITE_DIR:-/tmp/amstaff-graphite}"
HTTP_PORT="${AMSTAFF_GRAPHITE_HTTP_PORT:-18080}"
URL="http://127.0.0.1:${HTTP_PORT}"
LINE_PORT=2003
PICKLE_PORT=2004
CACHE_QUERY_PORT=7002
# Debian's own interpreter: graphite's modules live in its dist-packages, whatever python3 is first on PATH.
PY=/usr/bin/python3

log() { echo "graphite.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

installed() { command -v carbon-cache >/dev/null 2>&1 && command -v graphite-manage >/dev/null 2>&1; }

cmd_install() {
  if installed; then
    log "graphite-carbon and graphite-web are installed"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "installing needs root: sudo $0 install"
  log "installing graphite-carbon and graphite-web (about 30 s)"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists of a fresh machine may be missing or stale; refresh them only if the install fails.
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends graphite-web graphite-carbon >&2; then
    apt-get -o DPkg::Lock::Timeout=300 update -q >&2
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends graphite-web graphite-carbon >&2
  fi
  installed || die "graphite-carbon and graphite-web did not install"
}

port_open() {
  "$PY" - "$1" <<'EOF'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

render_answers() {
  "$PY" - "$URL/render?target=carbon.nothing&format=json" <<'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
        json.load(response)
except Exception:
    sys.exit(1)
EOF
}

# Alive, and still the program we started (a pid file may outlive its process and the pid be reused).
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && grep -qa "$2" "/proc/$(cat "$1")/cmdline"; }

write_config() {
  mkdir -p "$DIR/conf" "$DIR/whisper" "$DIR/log/carbon" "$DIR/log/webapp" "$DIR/webapp"
  cat >"$DIR/conf/carbon.conf" <<EOF
# Written by graphite.sh: carbon-cache for tests, loopback only, everything under $DIR.
[cache]
STORAGE_DIR = $DIR/
LOCAL_DATA_DIR = $DIR/whisper/
CONF_DIR = $DIR/conf/
LOG_DIR = $DIR/log/carbon/
PID_DIR = $DIR/
DATABASE = whisper
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
# Every test run creates new metrics; Debian's 50 per minute would make a run wait for its whisper files.
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $LINE_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $PICKLE_PORT
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $CACHE_QUERY_PORT
USE_FLOW_CONTROL = True
LOG_LISTENER_CONN_SUCCESS = False
CACHE_WRITE_STRATEGY = sorted
WHISPER_AUTOFLUSH = False
WHISPER_FALLOCATE_CREATE = True
EOF
  cat >"$DIR/conf/storage-schemas.conf" <<'EOF'
# Written by graphite.sh. Test metrics get 10-second points for 6 hours.
[carbon]
pattern = ^carbon\.
retentions = 60:1d

[default]
pattern = .*
retentions = 10s:6h,1m:7d
EOF
  cat >"$DIR/conf/storage-aggregation.conf" <<'EOF'
[default]
pattern = .*
xFilesFactor = 0
aggregationMethod = average
EOF
  if [ ! -f "$DIR/webapp/secret_key" ]; then
    "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$DIR/webapp/secret_key"
  fi
  cat >"$DIR/webapp/amstaff_graphite_settings.py" <<EOF
# Written by graphite.sh: graphite-web's local settings (GRAPHITE_SETTINGS_MODULE), everything under $DIR.
SECRET_KEY = open("$DIR/webapp/secret_key").read().strip()
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
TIME_ZONE = "UTC"
LOG_ROTATION = False
DEFAULT_XFILES_FACTOR = 0
GRAPHITE_ROOT = "/usr/share/graphite-web"
STATIC_ROOT = "/usr/share/graphite-web/static"
CONF_DIR = "$DIR/conf"
STORAGE_DIR = "$DIR"
WHISPER_DIR = "$DIR/whisper"
LOG_DIR = "$DIR/log/webapp"
INDEX_FILE = "$DIR/search_index"
CARBONLINK_HOSTS = ["127.0.0.1:$CACHE_QUERY_PORT"]
DATABASES = {"default": {"NAME": "$DIR/graphite.db", "ENGINE": "django.db.backends.sqlite3"}}
EOF
}

web_env() {
  env GRAPHITE_SETTINGS_MODULE=amstaff_graphite_settings PYTHONPATH="$DIR/webapp" "$@"
}

wait_until() {
  local what="$1" tries="$2"
  shift 2
  for _ in $(seq "$tries"); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up; see the logs under $DIR/log"
}

cmd_start() {
  installed || die "graphite is not installed: run $0 install start"
  if port_open "$LINE_PORT" && render_answers; then
    log "already running: carbon on 127.0.0.1:$LINE_PORT, graphite-web on $URL"
    echo "$URL"
    return
  fi
  write_config

  if port_open "$LINE_PORT"; then
    log "carbon answers on 127.0.0.1:$LINE_PORT"
  else
    log "starting carbon-cache (plaintext 127.0.0.1:$LINE_PORT)"
    rm -f "$DIR/carbon-cache.pid"
    # Twisted's deprecation warnings on start say nothing about carbon; its log is under $DIR/log/carbon.
    PYTHONWARNINGS=ignore carbon-cache --config="$DIR/conf/carbon.conf" --pidfile="$DIR/carbon-cache.pid" start >&2
    wait_until "carbon-cache" 60 port_open "$LINE_PORT"
  fi

  if render_answers; then
    log "graphite-web answers on $URL"
  else
    port_open "$HTTP_PORT" && die "127.0.0.1:$HTTP_PORT is taken by something that is not graphite-web: set AMSTAFF_GRAPHITE_HTTP_PORT"
    log "preparing graphite-web's database"
    web_env graphite-manage migrate --run-syncdb --noinput -v 0 >>"$DIR/log/webapp/manage.log" 2>&1 ||
      die "graphite-manage migrate failed; see $DIR/log/webapp/manage.log"
    log "starting graphite-web on $URL"
    # A simple command (no function, no subshell), so $! is the server itself: setsid and env exec in place.
    # setsid: it outlives this script and the CI step's process group; --noreload: one process, one pid.
    setsid env GRAPHITE_SETTINGS_MODULE=amstaff_graphite_settings PYTHONPATH="$DIR/webapp" \
      graphite-manage runserver --noreload "127.0.0.1:$HTTP_PORT" \
      </dev/null >>"$DIR/log/webapp/runserver.log" 2>&1 &
    echo $! >"$DIR/graphite-web.pid"
    wait_until "graphite-web" 120 render_answers
  fi
  log "ready: carbon plaintext on 127.0.0.1:$LINE_PORT, graphite-web on $URL"
  echo "$URL"
}

stop_pid() {
  local name="$1" file="$2"
  if pid_alive "$file" "$name"; then
    local pid
    pid="$(cat "$file")"
    log "stopping $name (pid $pid)"
    kill "$pid"
    for _ in $(seq 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  fi
  rm -f "$file"
}

cmd_stop() {
  stop_pid graphite-manage "$DIR/graphite-web.pid"
  stop_pid carbon-cache "$DIR/carbon-cache.pid"
}

cmd_status() {
  local ok=0
  if port_open "$LINE_PORT"; then log "carbon: answers on 127.0.0.1:$LINE_PORT"; else log "carbon: down" && ok=1; fi
  if render_answers; then log "graphite-web: answers on $URL"; else log "graphite-web: down" && ok=1; fi
  return "$ok"
}

[ $# -gt 0 ] || die "usage: $0 install|start|stop|status ... (e.g. $0 install start)"
for command in "$@"; do
  case "$command" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) die "unknown command '$command'; usage: $0 install|start|stop|status ..." ;;
  esac
done
