#!/usr/bin/env bash
# The test command: ./test.sh [extra dotnet test arguments, e.g. --filter "FullyQualifiedName~Persistence"]
#
# Installs the servers and programs the suite needs (once), starts a private PostgreSQL and a private
# Redis on free loopback ports, runs the whole solution's tests against them, and closes with one line
# "N passed, N failed[, N skipped]" counted from the TRX results (MMO_TEST_RESULTS=DIR keeps the TRX
# files). Every test's needs are met here, so a skipped test fails the run. Everything it starts is
# stopped again on exit, whatever the outcome; nothing else is touched.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$repo_root/scripts/lib.sh"
cd "$repo_root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Each run's own directory (another run may share the checkout): servers, cluster, results.
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/orleansmmo-test.XXXXXX")"
# The postgres user must be able to reach its directory inside.
chmod 0755 "$work_dir"

cleanup() {
    local status=$?
    set +e
    # The native cluster's processes (cluster.sh), if a test run was cut short before stopping them.
    [[ -d "$work_dir/cluster" ]] && MMO_CLUSTER_DIR="$work_dir/cluster" "$repo_root/cluster.sh" stop >/dev/null 2>&1
    redis_stop "$work_dir/redis"
    postgres_stop "$work_dir/pg" immediate
    rm -rf "$work_dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A throwaway cluster trades durability for speed.
start_postgres() {
    local attempt port password
    postgres_init "$work_dir/pg"
    for attempt in 1 2 3 4 5; do
        port="$(free_port $((55432 + (attempt - 1) * 100)))" || die "no free port for PostgreSQL"
        if postgres_start "$work_dir/pg" "$port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300; then
            password="$(random_hex 16)"
            # pg_signal_backend: a test's DROP DATABASE ... WITH (FORCE) ends every session in that database, and an
            # autovacuum worker that happens to be in it belongs to no role, so only that membership may end it.
            postgres_sql "$work_dir/pg" "$port" "CREATE ROLE mmo LOGIN CREATEDB PASSWORD '$password'" "GRANT pg_signal_backend TO mmo" "CREATE DATABASE mmo_test OWNER mmo"
            export MMO_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Database=mmo_test;Username=mmo;Password=$password"
            write_postgres_control
            log "PostgreSQL $(basename "$(dirname "$(postgres_bin_dir)")") on 127.0.0.1:$port"
            return 0
        fi
        log "PostgreSQL did not start on port $port (attempt $attempt); retrying"
    done
    die "PostgreSQL did not start"
}

# The script the database outage tests run to take this PostgreSQL away and bring it back.
write_postgres_control() {
    cat >"$work_dir/pg-control" <<SCRIPT
#!/usr/bin/env bash
# Stops or starts the private PostgreSQL of one ./test.sh run: pg-control stop|start
set -euo pipefail
source $(printf '%q' "$repo_root/scripts/lib.sh")
case "\${1:-}" in
    stop) postgres_stop $(printf '%q' "$work_dir/pg") ;;
    start) postgres_restart $(printf '%q' "$work_dir/pg") ;;
    *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
SCRIPT
    chmod 0755 "$work_dir/pg-control"
    export MMO_TEST_POSTGRES_CTL="$work_dir/pg-control"
}

start_redis() {
    local attempt port
    for attempt in 1 2 3 4 5; do
        port="$(free_port $((56379 + (attempt - 1) * 100)))" || die "no free port for Redis"
        if redis_start "$work_dir/redis" "$port"; then
            export MMO_TEST_REDIS="127.0.0.1:$port"
            log "Redis on $MMO_TEST_REDIS"
            return 0
        fi
        log "Redis did not start on port $port (attempt $attempt); retrying"
    done
    die "Redis did not start"
}

# counter NAME FILE: the attribute NAME of a TRX file's <Counters/>, 0 if absent (no python: a fresh
# machine may lack it).
counter() {
    local value
    value="$(grep -o '<Counters [^>]*>' "$2" | head -n 1 | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p")"
    printf '%s\n' "${value:-0}"
}

# The TypeScript SDK (clients/typescript): its packages from the npm registry, then its build (generated
# message classes, the library, the browser client the gateway serves). WebTests runs its node tests.
build_typescript() {
    local dir="$repo_root/clients/typescript" npm_log
    npm_log="$(mktemp)"
    if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules" ]]; then
        log "installing the TypeScript SDK's packages (npm ci)"
        (cd "$dir" && npm ci --no-audit --no-fund >"$npm_log" 2>&1) || { tail -n 40 "$npm_log" >&2; rm -f "$npm_log"; die "npm ci failed"; }
        touch "$dir/node_modules"
    fi
    (cd "$dir" && npm run build >"$npm_log" 2>&1) || { tail -n 40 "$npm_log" >&2; rm -f "$npm_log"; die "building clients/typescript failed"; }
    rm -f "$npm_log"
}

# 1. What the tests need: servers, the programs the deployment tests run (docker-compose only validates
# docker-compose.yml; no container engine runs here), chromium for the browser tests (Playwright drives it;
# nothing is downloaded), nodejs and npm to build and test the TypeScript SDK, openssl for the native cluster's
# certificates (cluster.sh runs it with mutual TLS).
install_packages redis-server postgresql haproxy sqlite3 docker-compose chromium nodejs npm openssl
build_typescript
start_postgres
start_redis
# The native cluster's tests start cluster.sh here, so cleanup can always stop it.
export MMO_TEST_CLUSTER_DIR="$work_dir/cluster"

# 2. Build once, then test, keeping TRX results for the count.
log "building (Release)"
build_solution Release || { echo "0 passed, 0 failed"; die "build failed"; }
test_status=0
# LogFilePrefix, not LogFileName: with several test projects one name would be overwritten by each in turn.
dotnet test OrleansMmo.sln -c Release --no-build --nologo \
    --logger "trx;LogFilePrefix=results" --results-directory "$work_dir/results" "$@" || test_status=$?

# 3. Count.
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
done < <(find "$work_dir/results" -name '*.trx' -print0 2>/dev/null)

if [[ -n "${MMO_TEST_RESULTS:-}" ]] && ((trx_files > 0)); then
    mkdir -p "$MMO_TEST_RESULTS"
    find "$work_dir/results" -name '*.trx' -exec cp {} "$MMO_TEST_RESULTS/" \;
fi

if ((trx_files == 0)); then
    log "no TRX results were written (dotnet test exited $test_status)"
    ((test_status != 0)) || test_status=1
elif ((passed + failed == 0)); then
    log "no test was executed"
    test_status=1
elif ((failed > 0 && test_status == 0)); then
    test_status=1
fi
# A skip here means a need was not met after all: a test that did not run must not pass as green.
if ((skipped > 0)); then
    log "$skipped test(s) skipped, though ./test.sh provides what every test needs (Tests/Infrastructure/TestTraits.cs):"
    printf '  %s\n' "${skipped_names[@]}" >&2
    ((test_status != 0)) || test_status=1
fi

summary="$passed passed, $failed failed"
((skipped == 0)) || summary+=", $skipped skipped"
echo "$summary"
exit "$test_status"
