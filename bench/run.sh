#!/usr/bin/env bash
# IdP's benchmark suite (issue 6): IdP, node-oidc-provider and an empty ASP.NET Core endpoint under load on this
# machine, in one run. Prints the table and writes docs/benchmarks.md (from bench/benchmarks.template.md).
#
#   bench/run.sh               the full suite, about 25 minutes (IdP is warmed up until its JIT has settled, and
#                              each measured run of (f) waits for its fresh gateway cookies to be signed)
#   bench/run.sh --quick       a smoke run: short warm-ups and 3 s per scenario, about 7 minutes in all
#   bench/run.sh --growth      also (a), (c) and (f) on a database of 1,000,000 users, 100,000 mappings and
#                              1,000 clients (adds about 11 minutes)
#   bench/run.sh --report      only redraw docs/benchmarks.md from the last run (bench/results/latest.json)
#   bench/run.sh --profile     also profile IdP in (a), (c), (d), (e), (f) with dotnet-trace (installed into
#                              bench/.tools from NuGet), after each measured run: bench/results/profile-*.txt
#
# Durations, connections and sizes are environment variables (BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, …):
# see docs/benchmarks.md. Servers run on core 0 (taskset -c 0), wrk and the driver on core 1, over loopback only.
# Needs the .NET SDK; installs Debian's wrk (and Node.js) with apt-get when missing, and node-oidc-provider from
# npm into bench/peer/node_modules.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_NOLOGO=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

verb=run
for arg in "$@"; do
    case "$arg" in
        --quick)
            export BENCH_DURATION="${BENCH_DURATION:-3}" BENCH_WARMUP="${BENCH_WARMUP:-1}" BENCH_FLOOR_SECONDS="${BENCH_FLOOR_SECONDS:-2}"
            export BENCH_READY_RUNS="${BENCH_READY_RUNS:-2}" BENCH_POOL_USERS="${BENCH_POOL_USERS:-1000}"
            export BENCH_SERVER_WARMUP="${BENCH_SERVER_WARMUP:-15}" BENCH_SERVER_WARMUP_MAX="${BENCH_SERVER_WARMUP_MAX:-15}" ;;
        --growth) export BENCH_GROWTH=1 ;;
        --report) verb=report ;;
        --profile) export BENCH_PROFILE="${BENCH_PROFILE:-a,c,d,e,f}" ;;
        -h|--help) sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown option '$arg' (--quick, --growth, --report, --profile, --help)" ;;
    esac
done

# shellcheck source=tests/apt-install.sh
source tests/apt-install.sh

driver=bench/Driver/bin/Release/net10.0/IdP.Bench.dll
if [[ $verb == report ]]; then
    [[ -f $driver ]] || dotnet build bench/Driver -c Release -nologo -clp:ErrorsOnly >&2
    exec dotnet "$driver" report --repo "$PWD"
fi

# 1. Tools: two cores, taskset, wrk, Node.js.
(( $(nproc --all) >= 2 )) || fail "the suite needs two cores: servers on core 0, the load generator on core 1."
command -v taskset >/dev/null 2>&1 || apt_install "Pinning processes to cores" util-linux
command -v wrk >/dev/null 2>&1 || apt_install "The load generator" wrk
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install "The peer (node-oidc-provider)" nodejs npm
fi
say "$(wrk --version 2>&1 | head -n 1 || true); Node.js $(node --version)"

# 2. The peer, from npm, at the version package-lock.json pins.
if [[ ! -d bench/peer/node_modules/oidc-provider || bench/peer/package-lock.json -nt bench/peer/node_modules/.package-lock.json ]]; then
    say "npm ci (bench/peer: node-oidc-provider)"
    (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# The profiler, a .NET tool from NuGet, kept out of the repository's history (bench/.tools is ignored).
if [[ -n ${BENCH_PROFILE:-} && -z ${BENCH_DOTNET_TRACE:-} ]]; then
    if [[ ! -x bench/.tools/dotnet-trace ]]; then
        say "dotnet tool install dotnet-trace (bench/.tools)"
        dotnet tool install --tool-path bench/.tools dotnet-trace >&2
    fi
    export BENCH_DOTNET_TRACE="$PWD/bench/.tools/dotnet-trace"
fi

# 3. Release builds: the server as shipped (published with ReadyToRun, as docs/deployment.md says), the driver and
#    the empty endpoint.
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
say "dotnet publish (Release, ReadyToRun, $rid): src/IdP.Server -> src/IdP.Server/bin/bench-publish"
dotnet publish src/IdP.Server -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o src/IdP.Server/bin/bench-publish -nologo -clp:ErrorsOnly >&2
say "dotnet build (Release): bench/Driver, bench/EmptyEndpoint"
dotnet build bench/Driver -c Release -nologo -clp:ErrorsOnly >&2
dotnet build bench/EmptyEndpoint -c Release -nologo -clp:ErrorsOnly >&2

# 4. The suite. The driver and everything it starts without a pin (wrk) stay on core 1; it pins servers to core 0.
say "Running the suite (bench/Driver): servers on core 0, load on core 1"
exec taskset -c 1 dotnet "$driver" run --repo "$PWD"
