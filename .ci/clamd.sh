# shellcheck shell=bash
# A private clamd for the attachment scanner's tests, to be sourced: `source .ci/clamd.sh`.
#
# Installs clamav-daemon when clamd is missing, starts clamd on 127.0.0.1 with a signature
# database made here for the tests only (the EICAR test string; nothing is downloaded, no
# freshclam), waits until it answers PING, and exports
#   TASTESKJEMA_TEST_CLAMD   tcp://127.0.0.1:PORT, read by the tests of src/intake/clamd.rs
#   TASTESKJEMA_CLAMD_PID    the daemon's pid
# `stop_clamd` stops it and removes its folder. When the caller has no EXIT trap yet, one that
# calls `stop_clamd` is set; a caller with its own EXIT trap calls `stop_clamd` from it.

clamd_ping() {
  # PING through bash's /dev/tcp; clamd answers "PONG" and closes.
  local port="$1"
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "zPING\0" >&3
    reply=$(tr -d "\0" <&3)
    [ "$reply" = PONG ]' _ "$port" 2>/dev/null
}

stop_clamd() {
  if [ -n "${TASTESKJEMA_CLAMD_PID:-}" ]; then
    kill "$TASTESKJEMA_CLAMD_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$TASTESKJEMA_CLAMD_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$TASTESKJEMA_CLAMD_PID" 2>/dev/null || true
  fi
  if [ -n "${CLAMD_TEST_DIR:-}" ] && [ -d "$CLAMD_TEST_DIR" ]; then
    rm -rf "$CLAMD_TEST_DIR"
  fi
  unset TASTESKJEMA_CLAMD_PID TASTESKJEMA_TEST_CLAMD CLAMD_TEST_DIR
}

start_clamd() {
  if [ ! -x /usr/sbin/clamd ]; then
    echo "== installing clamav-daemon"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null
  fi

  CLAMD_TEST_DIR="$(mktemp -d /tmp/ts-clamd.XXXXXX)"
  local dir="$CLAMD_TEST_DIR"

  # The EICAR test string as hex: a body signature for any file type at any offset (so it is
  # found inside a PDF too), and the MD5 of the bare 68-byte string.
  local eicar_hex="58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d"
  eicar_hex+="5354414e444152442d414e544956495255532d544553542d46494c452124482b482a"
  printf 'Tasteskjema.Test.EICAR:0:*:%s\n' "$eicar_hex" >"$dir/test.ndb"
  printf '44d88612fea8a8f36de82e1278abb02f:68:Tasteskjema.Test.EICAR.File\n' >"$dir/test.hdb"

  # A free port from 3310 up (one that nothing answers on).
  local port=3310
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done

  # No User line: clamd keeps the caller's user (root in CI) and can read the folder.
  cat >"$dir/clamd.conf" <<EOF
TCPSocket $port
TCPAddr 127.0.0.1
DatabaseDirectory $dir
TemporaryDirectory $dir
PidFile $dir/clamd.pid
LogFile $dir/clamd.log
Foreground false
StreamMaxLength 100M
MaxThreads 4
EOF

  echo "== starting clamd on 127.0.0.1:$port (test signatures only)"
  if ! /usr/sbin/clamd -c "$dir/clamd.conf"; then
    cat "$dir/clamd.log" 2>/dev/null || true
    echo "clamd did not start" >&2
    return 1
  fi
  local up=
  for _ in $(seq 1 120); do
    if clamd_ping "$port"; then
      up=1
      break
    fi
    sleep 0.5
  done
  if [ -z "$up" ]; then
    cat "$dir/clamd.log" 2>/dev/null || true
    echo "clamd did not answer PING within 60 s" >&2
    if [ -s "$dir/clamd.pid" ]; then
      TASTESKJEMA_CLAMD_PID="$(cat "$dir/clamd.pid")"
    fi
    stop_clamd
    return 1
  fi
  TASTESKJEMA_CLAMD_PID="$(cat "$dir/clamd.pid")"
  export TASTESKJEMA_CLAMD_PID CLAMD_TEST_DIR
  export TASTESKJEMA_TEST_CLAMD="tcp://127.0.0.1:$port"
  if [ -z "$(trap -p EXIT)" ]; then
    trap stop_clamd EXIT
  fi
}

start_clamd
