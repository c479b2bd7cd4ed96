# shellcheck shell=bash
# What run.sh, test.sh and cluster.sh share: logging, packages, ports, waiting, process markers,
# a private PostgreSQL and Redis, and building only when sources changed. Source it from bash:
#
#   source "$repo_root/scripts/lib.sh"
#
# It defines functions and two variables (repo_root if unset, lib_name for log lines) and changes no
# shell option; the scripts set their own (set -euo pipefail).

repo_root="${repo_root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
lib_name="${lib_name:-$(basename "$0")}"

log() { printf '%s: %s\n' "$lib_name" "$*" >&2; }
die() { log "error: $*"; exit 1; }

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# ---------------------------------------------------------------------------------------------------
# Packages (Debian). Only what is missing is installed, so a re-run costs nothing.
# ---------------------------------------------------------------------------------------------------

# Debian installs one PostgreSQL directory per major version; the newest one's bin directory.
postgres_bin_dir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && printf '%s\n' "$dir"
}

# package_present NAME: whether the programs of Debian package NAME are here.
package_present() {
    case "$1" in
        redis-server) command -v redis-server && command -v redis-cli ;;
        postgresql) postgres_bin_dir ;;
        chromium) [[ -x /usr/bin/chromium ]] && echo /usr/bin/chromium ;; # what Playwright is pointed at
        nodejs) command -v node ;;                                         # any Node >= 18 will do
        *) command -v "$1" ;; # haproxy, sqlite3, docker-compose: the program has the package's name
    esac >/dev/null
}

# install_packages NAME...: apt-get the missing ones (with sudo when not root).
install_packages() {
    local -a missing=() sudo=()
    local package apt_log
    for package in "$@"; do
        package_present "$package" || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0

    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root: install them or run as root"
        sudo=(sudo)
    fi
    log "installing ${missing[*]} (apt-get)"
    apt_log="$(mktemp)"
    if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
        tail -n 40 "$apt_log" >&2
        rm -f "$apt_log"
        die "apt-get failed"
    fi
    rm -f "$apt_log"
    for package in "${missing[@]}"; do
        package_present "$package" || die "still missing after apt-get: $package"
    done
}

# ---------------------------------------------------------------------------------------------------
# Ports and waiting. Everything listens on loopback.
# ---------------------------------------------------------------------------------------------------

port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# free_port FROM: prints the first port from FROM on that nothing listens on.
free_port() {
    local port
    for ((port = $1; port < $1 + 500 && port < 65536; port++)); do
        port_in_use "$port" || { printf '%s\n' "$port"; return 0; }
    done
    return 1
}

# port_open PORT: whether something accepts connections on 127.0.0.1:PORT (bash only: no curl needed).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_status PORT PATH: the status code of GET PATH on 127.0.0.1:PORT, with bash only.
http_status() {
    local status
    status="$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
        head -n 1 <&3' _ "$1" "$2" 2>/dev/null)" || return 1
    printf '%s\n' "$status" | cut -d' ' -f2
}

http_ok() { [[ "$(http_status "$1" "$2")" == 200 ]]; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails, naming WHAT, after SECONDS.
# To stop early (a process died while we waited for it), let COMMAND succeed then too and check after.
wait_until() {
    local seconds="$1" what="$2" deadline
    shift 2
    deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "$what was not ready after ${seconds}s"; return 1; }
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------------------------------
# Process markers. A pid file holds the pid and, on its second line, a string the process's command
# line contains: a pid recycled by another process is never signalled.
# ---------------------------------------------------------------------------------------------------

record_pid() { printf '%s\n%s\n' "$2" "$3" >"$1"; } # record_pid FILE PID MARKER

# pid_alive FILE: the recorded process runs and is still the one recorded.
pid_alive() {
    local pid marker
    [[ -s "$1" ]] || return 1
    pid="$(sed -n 1p "$1")"
    marker="$(sed -n 2p "$1")"
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# stop_pid FILE SIGNAL GRACE: signals the recorded process, waits up to GRACE seconds, then SIGKILL.
stop_pid() {
    local pid
    if pid_alive "$1"; then
        pid="$(sed -n 1p "$1")"
        kill "-$2" "$pid" 2>/dev/null || true
        for _ in $(seq $(($3 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$1"
}

# ---------------------------------------------------------------------------------------------------
# A private PostgreSQL: its own data directory, port and socket directory, password auth over TCP.
# PostgreSQL refuses to run as root: as root its commands run as the postgres user.
# ---------------------------------------------------------------------------------------------------

as_postgres() {
    if ((EUID == 0)); then
        # From a directory that user can enter; every path given is absolute.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# postgres_init DIR: an empty cluster in DIR/data (sockets in DIR/socket, logs in DIR), owned by the
# user it runs as. DIR's parents must be enterable by that user.
postgres_init() {
    local dir="$1" bin
    bin="$(postgres_bin_dir)" || die "PostgreSQL is not installed (apt-get install postgresql)"
    install -d -m 0755 "$dir"
    install -d -m 0700 "$dir/data" "$dir/socket"
    if ((EUID == 0)); then chown -R postgres:postgres "$dir"; fi
    # Password auth over TCP (what the servers use); trust only on the private socket, for set-up.
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth-host=scram-sha-256 --auth-local=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
}

# postgres_start DIR PORT [-c name=value ...]: starts the cluster of postgres_init DIR on 127.0.0.1:PORT
# and waits until it accepts connections. Fails (without dying) if it cannot, e.g. a port taken meanwhile.
postgres_start() {
    local dir="$1" port="$2" bin
    shift 2
    bin="$(postgres_bin_dir)" || die "PostgreSQL is not installed (apt-get install postgresql)"
    # The options are kept beside the data, so postgres_restart starts it again the same way.
    printf '%s\n' "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket $*" >"$dir/options"
    as_postgres "$bin/pg_ctl" start -D "$dir/data" -w -t 30 -l "$dir/server.log" -o "$(cat "$dir/options")" >/dev/null 2>&1 ||
        { tail -n 5 "$dir/server.log" >&2 2>/dev/null; return 1; }
    wait_until 30 "PostgreSQL on port $port" "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres
}

# postgres_restart DIR: starts a stopped cluster again with the options of its last postgres_start.
postgres_restart() {
    local bin
    bin="$(postgres_bin_dir)" || die "PostgreSQL is not installed"
    as_postgres "$bin/pg_ctl" start -D "$1/data" -w -t 30 -l "$1/server.log" -o "$(cat "$1/options")" >/dev/null
}

# postgres_stop DIR [MODE]: stops the cluster if it runs (MODE: fast, the default, or immediate).
postgres_stop() {
    local bin
    [[ -f "$1/data/postmaster.pid" ]] || return 0
    bin="$(postgres_bin_dir)" || return 0
    as_postgres "$bin/pg_ctl" stop -D "$1/data" -m "${2:-fast}" -w -t 30 >/dev/null 2>&1
}

# postgres_sql DIR PORT SQL...: runs statements as the superuser over the private socket.
postgres_sql() {
    local dir="$1" port="$2" bin
    shift 2
    bin="$(postgres_bin_dir)"
    local -a commands=()
    local sql
    for sql in "$@"; do commands+=(-c "$sql"); done
    as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U postgres -d postgres "${commands[@]}" >/dev/null
}

# ---------------------------------------------------------------------------------------------------
# A private Redis: no persistence, daemonised, its pid file and log in one directory.
# ---------------------------------------------------------------------------------------------------

# redis_start DIR PORT: starts it and waits for PONG; DIR/pid then holds its marked pid. Fails (without
# dying) if it cannot listen on PORT: Redis daemonises before it binds, so a lost race for the port
# shows only in its log.
redis_start() {
    local dir="$1" port="$2"
    install -d -m 0755 "$dir"
    rm -f "$dir/redis.log" "$dir/redis.pid" "$dir/pid"
    printf '%s\n' "$port" >"$dir/port"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null 2>&1 || return 1
    if ! wait_until 30 "Redis on port $port" redis_answers_or_failed "$dir" "$port" || redis_bind_failed "$dir"; then
        tail -n 5 "$dir/redis.log" >&2 2>/dev/null
        return 1
    fi
    # Redis renames its process "redis-server 127.0.0.1:PORT": that is its marker.
    record_pid "$dir/pid" "$(cat "$dir/redis.pid")" "127.0.0.1:$port"
}

# redis_answers DIR PORT: the Redis on PORT answers, and it is the one of DIR (not another that held the port).
redis_answers() {
    [[ -s "$1/redis.pid" ]] && redis-cli -h 127.0.0.1 -p "$2" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$(cat "$1/redis.pid")"
}

redis_bind_failed() { grep -qs 'Could not create server TCP listening socket' "$1/redis.log"; }

redis_answers_or_failed() { redis_answers "$@" || redis_bind_failed "$1"; }

# redis_stop DIR: stops the Redis of redis_start DIR, also one interrupted before it answered, by its pid
# and never by its port (after a lost race for the port, another process's server listens there).
redis_stop() {
    if [[ ! -s "$1/pid" && -s "$1/redis.pid" && -s "$1/port" ]]; then
        record_pid "$1/pid" "$(cat "$1/redis.pid")" "127.0.0.1:$(cat "$1/port")"
    fi
    [[ -s "$1/pid" ]] && stop_pid "$1/pid" TERM 5
    return 0
}

# ---------------------------------------------------------------------------------------------------
# Building.
# ---------------------------------------------------------------------------------------------------

# build_solution CONFIGURATION: builds everything, errors only.
build_solution() {
    (cd "$repo_root" && dotnet build OrleansMmo.sln -c "$1" -nologo -v quiet "-clp:ErrorsOnly;NoSummary")
}

# sources_changed CONFIGURATION: whether any input of the build is newer than its last build_if_changed.
sources_changed() {
    local stamp="$repo_root/.artifacts/build-$1.stamp"
    [[ -f "$stamp" ]] || return 0
    [[ -n "$(find "$repo_root" \( -name bin -o -name obj -o -name .git -o -name .artifacts -o -name .cluster -o -name data \
        -o -name node_modules -o -name docs \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \
        -o -name '*.targets' -o -name '*.sln' -o -name '*.json' -o -name '*.proto' -o -name '*.sql' \) -newer "$stamp" -print -quit)" ]]
}

# build_if_changed CONFIGURATION: builds when sources changed since the last build this way.
build_if_changed() {
    local stamp="$repo_root/.artifacts/build-$1.stamp" started
    sources_changed "$1" || return 0
    mkdir -p "$repo_root/.artifacts"
    # Stamped with the time the build started: a file saved during the build is newer, so it counts next time.
    started="$(mktemp "$repo_root/.artifacts/build.XXXXXX")"
    log "building ($1)"
    if build_solution "$1"; then
        mv "$started" "$stamp"
    else
        rm -f "$started"
        return 1
    fi
}
