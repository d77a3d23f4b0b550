#!/usr/bin/env bash
# IdP's test command: builds the solution (Release) and runs every test, the real-browser tests included.
#
#   tests/test.sh                                            # everything
#   tests/test.sh --filter "FullyQualifiedName~Browser"      # a subset; extra arguments go to `dotnet test`
#
# Needs the .NET SDK (see global.json). The browser tests drive Debian's Chromium (/usr/bin/chromium); when it is
# missing this script installs it with apt-get (as root, or through sudo). Set IDP_TEST_CHROMIUM to use another
# Chromium binary instead. Ends with one line, "N passed, N failed[, N skipped]", and a non-zero exit status
# when the build or any test failed. See docs/testing.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_NOLOGO=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# 1. Chromium, for the browser tests.
install_chromium() {
    command -v apt-get >/dev/null 2>&1 \
        || fail "Chromium is missing and apt-get is not available. Install Chromium and set IDP_TEST_CHROMIUM=/path/to/chromium."

    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || fail "Chromium is missing; installing it needs root. Run: apt-get install chromium (as root)."
        # With a terminal, sudo may ask for a password; without one (CI), it must not wait for an answer.
        if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
    fi

    say "Chromium is not installed; the browser tests need it. Installing Debian's chromium package..."
    say "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    say "apt-get install -y --no-install-recommends chromium (about 125 MB to download; this takes a minute or two)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
}

chromium="${IDP_TEST_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    [[ -z "${IDP_TEST_CHROMIUM:-}" ]] || fail "IDP_TEST_CHROMIUM=$chromium is not an executable file."
    install_chromium
    [[ -x "$chromium" ]] || fail "apt-get finished but $chromium is still missing."
fi
say "Browser: $("$chromium" --version 2>/dev/null || echo "$chromium")"

# 2. Build and test. dotnet test restores and builds first; a build error fails the run.
results="$(mktemp -d "${TMPDIR:-/tmp}/idp-test-results.XXXXXX")"
say "dotnet test IdP.sln -c Release (TRX results in $results)"
status=0
dotnet test IdP.sln -c Release \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
    --blame-hang-timeout 10m --blame-hang-dump-type none \
    "$@" || status=$?

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
