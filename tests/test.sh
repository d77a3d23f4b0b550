#!/usr/bin/env bash
# IdP's test command: builds the solution (Release) and runs every test twice, once on SQLite and once on
# PostgreSQL, the real-browser and scale-out (two instances behind nginx) tests included.
#
#   tests/test.sh                                            # everything, on both databases
#   tests/test.sh --filter "FullyQualifiedName~Browser"      # a subset; extra arguments go to `dotnet test`
#   IDP_TEST_DATABASES=Sqlite tests/test.sh                  # one engine only (Sqlite or PostgreSql)
#
# Needs the .NET SDK (see global.json). What else the tests use comes from Debian's packages, which this script
# installs with apt-get when missing (as root, or through sudo): chromium (browser tests; IDP_TEST_CHROMIUM picks
# another binary), postgresql (the tests start throw-away clusters on loopback ports in temporary folders and
# remove them) and nginx (the load balancer of the scale-out test). Ends with one line, "N passed, N failed[,
# N skipped]", and a non-zero exit status when the build or any test failed. See docs/testing.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_NOLOGO=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# 1. Debian packages the tests use: Chromium (browser tests), PostgreSQL and nginx (scale-out tests).
# shellcheck source=tests/apt-install.sh
source tests/apt-install.sh

chromium="${IDP_TEST_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    [[ -z "${IDP_TEST_CHROMIUM:-}" ]] || fail "IDP_TEST_CHROMIUM=$chromium is not an executable file."
    apt_install "The browser tests (about 125 MB to download)" chromium
    [[ -x "$chromium" ]] || fail "apt-get finished but $chromium is still missing."
fi
say "Browser: $("$chromium" --version 2>/dev/null || echo "$chromium")"

if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && [[ -z "${IDP_TEST_PG_BIN:-}" ]]; then
    apt_install "The PostgreSQL tests" postgresql
fi
# The package's own cluster is not used (the tests start their own); on a machine where apt just started it, it
# may keep running: it listens on its own port and does not disturb the tests.
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || apt_install "The scale-out test's load balancer" nginx
# The package starts nginx on port 80 on systems with an init; the tests run their own on free loopback ports.

# 2. Build once, then test on each database. A build error fails the run.
results="$(mktemp -d "${TMPDIR:-/tmp}/idp-test-results.XXXXXX")"
say "dotnet build IdP.sln -c Release"
status=0
dotnet build IdP.sln -c Release -nologo -clp:ErrorsOnly || status=$?

# Tests marked [Trait("Database", "Sqlite")] break the SQLite file and run on SQLite only; the PostgreSQL-only
# ones (outage, migrations race, scale-out behind nginx) run with the PostgreSQL pass.
read -r -a databases <<< "${IDP_TEST_DATABASES:-Sqlite PostgreSql}"
if (( status == 0 )); then
    for database in "${databases[@]}"; do
        case "$database" in
            Sqlite) exclude="PostgreSql" ;;
            PostgreSql) exclude="Sqlite" ;;
            *) fail "IDP_TEST_DATABASES: unknown database '$database' (Sqlite or PostgreSql)." ;;
        esac
        filter="Database!=$exclude"
        extra=("$@")
        # A --filter given on the command line is combined with the database filter.
        for i in "${!extra[@]}"; do
            if [[ ${extra[$i]:-} == --filter && -n ${extra[$((i + 1))]:-} ]]; then
                filter="($filter)&(${extra[$((i + 1))]})"
                unset 'extra[i]' 'extra[i+1]'
            fi
        done
        say "dotnet test on $database (TRX results in $results)"
        IDP_TEST_DATABASE=$database dotnet test IdP.sln -c Release --no-build \
            --logger "trx;LogFilePrefix=$database" --logger "console;verbosity=normal" --results-directory "$results" \
            --blame-hang-timeout 10m --blame-hang-dump-type none \
            --filter "$filter" "${extra[@]}" || status=$?
    done
fi

# 3. Count outcomes from the TRX files (one per test project), with grep/sed only (no python on a bare machine).
passed=0 failed=0 skipped=0
shopt -s nullglob
trx_files=("$results"/*.trx)
if (( ${#trx_files[@]} > 0 )); then
    while read -r count outcome; do
        case "$outcome" in
            Passed) passed=$((passed + count)) ;;
            NotExecuted | Inconclusive) skipped=$((skipped + count)) ;;
            *) failed=$((failed + count)) ;; # Failed, Error, Timeout, Aborted, ...
        esac
    done < <(cat "${trx_files[@]}" | grep -o '<UnitTestResult [^>]*>' | sed -n 's/.* outcome="\([A-Za-z]*\)".*/\1/p' | sort | uniq -c)
fi

# The failed tests' names, so that the end of the output (all a CI log may keep) says which ones.
if (( failed > 0 )); then
    echo
    echo "Failed tests:"
    for trx in "${trx_files[@]}"; do
        database=$(basename "$trx"); database=${database%%_*} # the TRX files are named <database>_<framework>_<time>.trx
        grep -o '<UnitTestResult [^>]*>' "$trx" | grep -v 'outcome="\(Passed\|NotExecuted\|Inconclusive\)"' \
            | sed -n "s/.* testName=\"\([^\"]*\)\".* outcome=\"\([A-Za-z]*\)\".*/  \1 (\2, $database)/p" \
            | sed "s/&quot;/\"/g; s/&apos;/'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g" || true
    done
fi

if (( status != 0 && failed == 0 )); then
    echo
    if (( ${#trx_files[@]} == 0 )); then
        echo "error: no test results: the build or the test run failed before any test ran (see above)." >&2
    else
        echo "error: dotnet test exited with status $status (see above)." >&2
    fi
fi
if (( status == 0 && passed == 0 )); then
    echo "error: no test ran (check the --filter)." >&2
    status=1
fi

echo
if (( skipped > 0 )); then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi

if (( status != 0 || failed > 0 )); then
    exit 1
fi
