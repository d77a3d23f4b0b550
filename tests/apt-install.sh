# Sourced by tests/test.sh and bench/run.sh (which define say and fail): installs Debian packages on demand.
#   apt_install <why> <package>...
# As root it runs apt-get directly, otherwise through sudo (sudo -n without a terminal, so CI never waits for a
# password). apt-get update runs once per script.
apt_updated=false
apt_install() {
    local why=$1; shift
    command -v apt-get >/dev/null 2>&1 || fail "$why needs Debian's $* and apt-get is not available; install them by hand."
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || fail "$why needs Debian's $*; installing them needs root. Run: apt-get install $* (as root)."
        if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
    fi
    if [[ $apt_updated == false ]]; then
        say "apt-get update"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        apt_updated=true
    fi
    say "$why: apt-get install -y --no-install-recommends $*"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}
