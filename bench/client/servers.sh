# servers.sh - start memcached and redis-server on 127.0.0.1 at a free port and stop
# them again; sourced by tests/sim_validate.sh and bench/client/sim_vs_real.sh (bash).
# Every server started is remembered in SERVER_PIDS; servers_stop_all ends them, and a
# script calls it from its EXIT trap so that no server outlives it.  A script killed
# outright (SIGKILL, as a test timeout may) runs no trap: a watchdog per server then
# stops the server within a second of the script's end.

SERVER_PIDS=()
WATCHDOG_PIDS=()
SERVER_PORT=
SERVER_PID=

# 0 when something accepts connections on 127.0.0.1:$1.
server_listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits up to 5 s for pid $2 to listen on port $1; 1 if it exits or never listens.
# Someone else's listener on the port answers too, while ours fails to bind and
# exits: so the server must still be alive a moment after the port answers.
server_wait_ready() {
    local i
    for i in $(seq 1 100); do
        kill -0 "$2" 2>/dev/null || return 1
        if server_listening "$1"; then
            sleep 0.1
            kill -0 "$2" 2>/dev/null
            return
        fi
        sleep 0.05
    done
    return 1
}

# Stops server $1 once this script ($$) is gone, if it is still that server.
server_watchdog() {
    local owner=$$ pid=$1
    (
        while kill -0 "$owner" 2>/dev/null; do sleep 1; done
        case $(cat "/proc/$pid/comm" 2>/dev/null) in
            memcached | redis-server) kill "$pid" ;;
        esac
    ) </dev/null >/dev/null 2>&1 &
    WATCHDOG_PIDS+=("$!")
}

# Runs "$@" with PORT replaced by a free port, up to 10 tries (another process may
# take the port between the check and the bind).  Ports come from below Linux's
# ephemeral range (32768 and up), where outgoing connections take theirs.  Sets
# SERVER_PORT and SERVER_PID.
server_start() {
    local log=$1 try port pid
    shift
    for try in $(seq 1 10); do
        port=$((20000 + RANDOM % 12000))
        server_listening "$port" && continue
        local args=() a
        for a in "$@"; do
            if [ "$a" = PORT ]; then args+=("$port"); else args+=("$a"); fi
        done
        "${args[@]}" >>"$log" 2>&1 &
        pid=$!
        SERVER_PIDS+=("$pid")
        if server_wait_ready "$port" "$pid"; then
            server_watchdog "$pid"
            SERVER_PORT=$port
            SERVER_PID=$pid
            return 0
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    echo "cannot start '$1' on a free port of 127.0.0.1 (log: $log):" >&2
    tail -n 5 "$log" >&2
    return 1
}

# start_memcached MEGABYTES LOG: memcached's defaults but the memory limit, loopback
# only, no UDP.  memcached refuses to run as root unless told which user to be.
start_memcached() {
    local user=()
    [ "$(id -u)" = 0 ] && user=(-u root)
    command -v memcached >/dev/null ||
        { echo "memcached is not installed (Debian package memcached; make deps)" >&2; return 1; }
    server_start "$2" memcached -l 127.0.0.1 -p PORT -U 0 -m "$1" "${user[@]}"
}

# start_redis MAXMEMORY_BYTES POLICY DIR LOG: a pure cache (no RDB, no AOF), loopback
# only, its working directory in DIR.
start_redis() {
    command -v redis-server >/dev/null ||
        { echo "redis-server is not installed (Debian package redis-server; make deps)" >&2; return 1; }
    server_start "$4" redis-server --bind 127.0.0.1 --port PORT --save '' \
        --appendonly no --maxmemory "$1" --maxmemory-policy "$2" --daemonize no \
        --dir "$3" --logfile '' --protected-mode yes
}

servers_stop_all() {
    local p
    for p in "${SERVER_PIDS[@]}" "${WATCHDOG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${SERVER_PIDS[@]}" "${WATCHDOG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    SERVER_PIDS=()
    WATCHDOG_PIDS=()
}
