#!/usr/bin/env bash
# The test command: ./test.sh [extra dotnet test arguments, e.g. --filter "FullyQualifiedName~Persistence"]
#
# Installs the servers the suite needs (once), starts a private PostgreSQL cluster and a
# private Redis on free loopback ports, runs the whole solution's tests against them, and
# closes with one line "N passed, N failed[, N skipped]" counted from the TRX results
# (set MMO_TEST_RESULTS=DIR to keep the TRX files).
# Everything it starts is stopped again on exit, whatever the outcome; nothing else is touched.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$repo_root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# docker-compose only validates docker-compose.yml (no container engine runs here).
readonly packages=(redis-server postgresql haproxy sqlite3 docker-compose)
readonly ready_timeout_seconds=30

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------
# 1. Packages. Only when something is missing, so a re-run costs nothing.
# ---------------------------------------------------------------------------------------
postgres_bin_dir() {
    # Debian installs one directory per major version; take the newest.
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && printf '%s\n' "$dir"
}

missing_packages() {
    local pkg
    for pkg in "${packages[@]}"; do
        case "$pkg" in
            redis-server) command -v redis-server >/dev/null && command -v redis-cli >/dev/null && continue ;;
            postgresql) postgres_bin_dir >/dev/null && continue ;;
            haproxy) command -v haproxy >/dev/null && continue ;;
            sqlite3) command -v sqlite3 >/dev/null && continue ;;
            docker-compose) command -v docker-compose >/dev/null && continue ;;
        esac
        printf '%s\n' "$pkg"
    done
}

install_packages() {
    local -a missing
    mapfile -t missing < <(missing_packages)
    ((${#missing[@]} == 0)) && return 0

    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root: install them or run as root"
        sudo=(sudo)
    fi
    log "installing ${missing[*]} (apt-get)"
    local apt_log
    apt_log="$(mktemp)"
    if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
        tail -n 40 "$apt_log" >&2
        rm -f "$apt_log"
        die "apt-get failed"
    fi
    rm -f "$apt_log"
    mapfile -t missing < <(missing_packages)
    ((${#missing[@]} == 0)) || die "still missing after apt-get: ${missing[*]}"
}

install_packages
pg_bin="$(postgres_bin_dir)"

# ---------------------------------------------------------------------------------------
# 2. Private servers in a throwaway directory, stopped by the EXIT trap.
# ---------------------------------------------------------------------------------------
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/orleansmmo-test.XXXXXX")"
pg_data="$work_dir/pg/data"
pg_socket_dir="$work_dir/pg/socket"
redis_pid_file="$work_dir/redis/redis.pid"
pg_started=0
redis_port=""

# PostgreSQL refuses to run as root: as root its commands run as the postgres user, from a
# directory that user can enter.
as_pg() {
    if ((EUID == 0)); then
        (cd "$work_dir" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

cleanup() {
    local status=$?
    set +e
    # The cluster tests' processes (cluster.sh), if a test run was cut short before stopping them.
    if [[ -d "$work_dir/cluster" ]]; then
        MMO_CLUSTER_DIR="$work_dir/cluster" ./cluster.sh stop >/dev/null 2>&1
    fi
    if [[ -s "$redis_pid_file" ]]; then
        local pid
        pid="$(cat "$redis_pid_file")"
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    elif [[ -n "$redis_port" ]]; then
        # Daemonised but not yet written its pid file: ask it to stop by its own port.
        redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1
    fi
    if ((pg_started)); then
        as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m immediate -w -t 20 >/dev/null 2>&1
    fi
    rm -rf "$work_dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# Prints the first port from $1 on that nothing listens on.
free_port() {
    local port
    for ((port = $1; port < $1 + 500; port++)); do
        port_in_use "$port" || { printf '%s\n' "$port"; return 0; }
    done
    return 1
}

# Polls "$@" until it succeeds or the timeout passes.
wait_until() {
    local what="$1"; shift
    local deadline=$((SECONDS + ready_timeout_seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "$what was not ready after ${ready_timeout_seconds}s"; return 1; }
        sleep 0.1
    done
}

# A script the tests run to take this private PostgreSQL away and bring it back (database
# outage tests): "$MMO_TEST_POSTGRES_CTL stop" and "... start", as root or not.
write_postgres_ctl() {
    local ctl="$work_dir/pg/ctl"
    {
        printf '#!/usr/bin/env bash\n# Stops or starts the private PostgreSQL of one ./test.sh run.\nset -euo pipefail\n'
        printf 'as_pg() { if ((EUID == 0)); then (cd %q && runuser -u postgres -- "$@"); else "$@"; fi; }\n' "$work_dir"
        printf 'case "${1:-}" in\n'
        printf '    stop) as_pg %q stop -D %q -m fast -w -t 30 >/dev/null ;;\n' "$pg_bin/pg_ctl" "$pg_data"
        printf '    start) as_pg %q start -D %q -w -t 30 -l %q -o %q >/dev/null ;;\n' "$pg_bin/pg_ctl" "$pg_data" "$work_dir/pg/server.log" "$pg_options"
        printf '    *) echo "usage: $0 stop|start" >&2; exit 2 ;;\n'
        printf 'esac\n'
    } >"$ctl"
    chmod 0755 "$ctl"
    export MMO_TEST_POSTGRES_CTL="$ctl"
}

start_postgres() {
    install -d -m 0755 "$work_dir/pg"
    install -d -m 0700 "$pg_data" "$pg_socket_dir"
    # mktemp made the work dir 0700 and root's: the postgres user must be able to reach its own dirs.
    chmod 0755 "$work_dir"
    if ((EUID == 0)); then chown -R postgres:postgres "$work_dir/pg"; fi

    pg_password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    local init_log="$work_dir/pg/initdb.log"
    # Password auth over TCP (what the tests use); trust only on the private socket for set-up.
    if ! as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth-host=scram-sha-256 --auth-local=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$init_log" 2>&1; then
        cat "$init_log" >&2
        die "initdb failed"
    fi

    local attempt
    for attempt in 1 2 3 4 5; do
        pg_port="$(free_port $((55432 + (attempt - 1) * 100)))" || die "no free port for PostgreSQL"
        # fsync and friends off: a throwaway cluster trades durability for speed.
        pg_options="-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_socket_dir \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        if as_pg "$pg_bin/pg_ctl" start -D "$pg_data" -w -t "$ready_timeout_seconds" -l "$work_dir/pg/server.log" \
            -o "$pg_options" >/dev/null 2>&1; then
            pg_started=1
            break
        fi
        log "PostgreSQL did not start on port $pg_port (attempt $attempt); retrying"
        tail -n 5 "$work_dir/pg/server.log" >&2 || true
    done
    ((pg_started)) || die "PostgreSQL did not start"
    wait_until "PostgreSQL" "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -d postgres

    as_pg "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg_socket_dir" -p "$pg_port" -U postgres -d postgres \
        -c "CREATE ROLE mmo LOGIN CREATEDB PASSWORD '$pg_password'" \
        -c "CREATE DATABASE mmo_test OWNER mmo" >/dev/null
    export MMO_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Database=mmo_test;Username=mmo;Password=$pg_password"
    write_postgres_ctl
    log "PostgreSQL $(basename "$(dirname "$pg_bin")") on 127.0.0.1:$pg_port"
}

# Redis daemonises before it binds, so a lost race for the port shows only in its log.
wait_for_redis() {
    local port="$1" deadline=$((SECONDS + ready_timeout_seconds))
    until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; do
        grep -qs 'Could not create server TCP listening socket' "$work_dir/redis/redis.log" && return 1
        ((SECONDS < deadline)) || { log "Redis was not ready after ${ready_timeout_seconds}s"; return 1; }
        sleep 0.1
    done
}

start_redis() {
    install -d -m 0755 "$work_dir/redis"
    local attempt port
    for attempt in 1 2 3 4 5; do
        port="$(free_port $((56379 + (attempt - 1) * 100)))" || die "no free port for Redis"
        if redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
            --pidfile "$redis_pid_file" --logfile "$work_dir/redis/redis.log" --dir "$work_dir/redis" >/dev/null 2>&1; then
            redis_port="$port"
            if wait_for_redis "$port"; then
                export MMO_TEST_REDIS="127.0.0.1:$port"
                log "Redis on $MMO_TEST_REDIS"
                return 0
            fi
            redis_port=""
        fi
        log "Redis did not start on port $port (attempt $attempt); retrying"
        tail -n 5 "$work_dir/redis/redis.log" >&2 2>/dev/null || true
        rm -f "$work_dir/redis/redis.log"
    done
    die "Redis did not start"
}

start_postgres
start_redis
# The native-cluster tests start their cluster.sh topology here, so cleanup can always stop it.
export MMO_TEST_CLUSTER_DIR="$work_dir/cluster"

# ---------------------------------------------------------------------------------------
# 3. Build once, then test, keeping TRX results for the count.
# ---------------------------------------------------------------------------------------
# Private to this run (another run may share the checkout); MMO_TEST_RESULTS keeps a copy.
results_dir="$work_dir/results"
mkdir -p "$results_dir"

log "building (Release)"
dotnet build OrleansMmo.sln -c Release -nologo -v quiet -clp:ErrorsOnly ||
    { echo "0 passed, 0 failed"; die "build failed"; }

test_status=0
# LogFilePrefix instead of LogFileName: with several test projects one fixed name would be
# overwritten by each project in turn; a prefix gives one TRX file per project.
dotnet test OrleansMmo.sln -c Release --no-build --nologo \
    --logger "trx;LogFilePrefix=results" --results-directory "$results_dir" "$@" || test_status=$?

# ---------------------------------------------------------------------------------------
# 4. Count from the TRX <Counters .../> elements (no python: a fresh machine may lack it).
# ---------------------------------------------------------------------------------------
counter() { # counter NAME FILE -> the attribute's value, 0 if absent
    local value
    value="$(grep -o '<Counters [^>]*>' "$2" | head -n 1 | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p")"
    printf '%s\n' "${value:-0}"
}

passed=0 failed=0 skipped=0 trx_files=0
skipped_names=()
while IFS= read -r -d '' trx; do
    trx_files=$((trx_files + 1))
    passed=$((passed + $(counter passed "$trx")))
    failed=$((failed + $(counter failed "$trx") + $(counter error "$trx") + $(counter timeout "$trx") + $(counter aborted "$trx")))
    # Skipped tests are in total but not in executed (the notExecuted counter stays 0).
    skipped=$((skipped + $(counter total "$trx") - $(counter executed "$trx")))
    mapfile -t -O "${#skipped_names[@]}" skipped_names < <(grep -o '<UnitTestResult [^>]*outcome="NotExecuted"[^>]*>' "$trx" |
        sed -n 's/.* testName="\([^"]*\)".*/\1/p')
done < <(find "$results_dir" -name '*.trx' -print0)

if [[ -n "${MMO_TEST_RESULTS:-}" && $trx_files -gt 0 ]]; then
    mkdir -p "$MMO_TEST_RESULTS"
    find "$results_dir" -name '*.trx' -exec cp {} "$MMO_TEST_RESULTS/" \;
fi

summary="$passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"

if ((trx_files == 0)); then
    log "no TRX results were written (dotnet test exited $test_status)"
    ((test_status != 0)) || test_status=1
elif ((passed + failed == 0)); then
    log "no test was executed"
    test_status=1
elif ((failed > 0 && test_status == 0)); then
    test_status=1
fi
# This script provides everything a test may need (Tests/Infrastructure/TestTraits.cs): a skip here means a
# need was not met after all, and a test that did not run must not pass as green.
if ((skipped > 0)); then
    log "$skipped test(s) skipped, though ./test.sh provides what every test needs:"
    printf '  %s\n' "${skipped_names[@]}" >&2
    ((test_status != 0)) || test_status=1
fi
echo "$summary"
exit "$test_status"
