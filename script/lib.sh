# shellcheck shell=bash
# Helpers shared by script/bootstrap, script/server and script/test. Sourced, never executed.
# Every message goes to stderr, so a script's stdout stays free for what callers capture.

sv_log() { printf '%s: %s\n' "${SV_TAG:-samverkan}" "$*" >&2; }
sv_warn() { printf '%s: WARNING: %s\n' "${SV_TAG:-samverkan}" "$*" >&2; }
sv_die() {
    printf '%s: ERROR: %s\n' "${SV_TAG:-samverkan}" "$*" >&2
    exit 1
}

sv_is_root() { [ "$(id -u)" -eq 0 ]; }

# sv_apt_install PACKAGE...: install Debian packages (root only). Runs `apt-get update` at most
# once per script run, and not at all when the package lists were refreshed in the last hour;
# if an install fails on stale lists, updates once and retries.
SV_APT_UPDATED=0
sv_apt_update() {
    [ "$SV_APT_UPDATED" = 1 ] && return 0
    sv_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >&2 ||
        sv_die "apt-get update failed"
    SV_APT_UPDATED=1
}
sv_apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        sv_die "need the packages: $* — there is no apt-get here; install them by hand"
    sv_is_root ||
        sv_die "need the packages: $* — run as root, or: sudo apt-get install -y $*"
    if [ "$SV_APT_UPDATED" = 0 ] &&
        ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | grep -q .; then
        sv_apt_update
    fi
    sv_log "apt-get install $*"
    if ! DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
        -o DPkg::Lock::Timeout=300 install "$@" >&2; then
        [ "$SV_APT_UPDATED" = 1 ] && sv_die "apt-get install $* failed"
        sv_apt_update
        DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
            -o DPkg::Lock::Timeout=300 install "$@" >&2 || sv_die "apt-get install $* failed"
    fi
}

# sv_port_in_use PORT: true when something listens on 127.0.0.1:PORT (or on every address).
sv_port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        # Any TCP listener on this port, whatever the address, counts as taken.
        ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
    fi
    # Fallback (and double check): can we connect?
    timeout 2 bash -c ": </dev/tcp/127.0.0.1/$port" >/dev/null 2>&1
}

# sv_free_port START: the first port >= START that nobody listens on (tries 200 ports).
sv_free_port() {
    local port=$1 last=$(($1 + 200))
    while [ "$port" -le "$last" ] && [ "$port" -le 65535 ]; do
        sv_port_in_use "$port" || {
            printf '%s\n' "$port"
            return 0
        }
        port=$((port + 1))
    done
    return 1
}

# sv_pick_port: a free port from a random start below the kernel's ephemeral range. Outgoing
# connections take their local ports from that range, so a port picked there can be taken by
# one before our server binds it (seen as EADDRINUSE in script/oidc-check).
sv_pick_port() {
    local low=32768 rest span
    if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
        read -r low rest </proc/sys/net/ipv4/ip_local_port_range || low=32768
    fi
    span=$((low - 10000 - 300))
    [ "$span" -gt 1000 ] || span=1000
    sv_free_port $((10000 + RANDOM % span))
}

# sv_http_status HOST PORT PATH: the HTTP status code of a GET, using bash's /dev/tcp only (a
# fresh machine may have no curl). Prints 000 when nothing answers.
sv_http_status() {
    local host=$1 port=$2 path=$3 line
    # shellcheck disable=SC2016 # the inner script's own $0..$2
    line=$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
        IFS= read -r line <&3 && printf "%s" "$line"
    ' "$host" "$port" "$path" 2>/dev/null) || line=""
    case $line in
    HTTP/*\ [0-9][0-9][0-9]*) line=${line#* } && printf '%s\n' "${line:0:3}" ;;
    *) printf '000\n' ;;
    esac
}

# sv_demo_tokens BIN: mints the six demo tokens `script/server` prints and README uses, into
# NURSE_TOKEN, DOCTOR_TOKEN, ADMIN_TOKEN, AUDITOR_TOKEN, INTEGRATION_TOKEN and STATISTIK_TOKEN
# (valid 12 hours;
# BIN's `token` subcommand signs with SAMVERKAN_JWT_HS256_SECRET).
sv_mint() {
    local bin=$1 token
    shift
    token=$("$bin" token "$@") || sv_die "samverkan token $* failed"
    token=${token//[[:space:]]/}
    [ -n "$token" ] || sv_die "samverkan token $* printed nothing"
    printf '%s\n' "$token"
}
sv_demo_tokens() {
    local bin=$1
    NURSE_TOKEN=$(sv_mint "$bin" --sub SE2321000115-DEMOP0001 --unit SE2321000115-DEMOK1380 \
        --name "Kerstin Demo" --role personal --legitimerad --profession sjukskoterska --ttl-minutes 720)
    DOCTOR_TOKEN=$(sv_mint "$bin" --sub SE2321000115-DEMOP0002 --unit SE2321000115-DEMOVC01 \
        --name "Doktor Demo" --role personal --legitimerad --profession lakare --ttl-minutes 720)
    ADMIN_TOKEN=$(sv_mint "$bin" --sub SE2321000115-DEMOP0003 --unit SE2321000115-DEMOADM1 \
        --name "Admin Demo" --role admin --ttl-minutes 720)
    AUDITOR_TOKEN=$(sv_mint "$bin" --sub SE2321000115-DEMOP0004 --unit SE2321000115-DEMOK1380 \
        --name "Granskare Demo" --role granskare --ttl-minutes 720)
    INTEGRATION_TOKEN=$(sv_mint "$bin" --sub SE2321000115-DEMOINT1 --unit SE2321000115-DEMOVC01 \
        --name "Integration Demo" --role integration --units SE2321000115-DEMOVC01 \
        --units SE2321000115-DEMOK1380 --ttl-minutes 720)
    # The routine's owners: statistics only, no acting unit.
    STATISTIK_TOKEN=$(sv_mint "$bin" --sub SE2321000115-DEMOP0006 --name "Statistik Demo" \
        --role statistik --ttl-minutes 720)
}

# sv_webhook_python: prints the python of .local/venv-webhooks, with the Standard Webhooks
# reference verifier (script/webhook-requirements.txt, pinned with its hash) installed.
sv_webhook_python() {
    local root venv
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
    venv=$root/.local/venv-webhooks
    command -v python3 >/dev/null 2>&1 || sv_apt_install python3 python3-venv
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || sv_apt_install python3-venv
    if ! "$venv/bin/python" -c 'import standardwebhooks.webhooks' >/dev/null 2>&1; then
        rm -rf "$venv"
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" >&2 || sv_die "python3 -m venv $venv failed"
        "$venv/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv \
            --require-hashes -r "$root/script/webhook-requirements.txt" >&2 ||
            sv_die "pip install standardwebhooks failed"
    fi
    printf '%s\n' "$venv/bin/python"
}

# sv_browser_python: prints the python of .local/venv-browser, with Playwright for Python
# (script/browser-requirements.txt, pinned) installed. The browser is Debian's chromium, not one
# Playwright downloads: see sv_chromium.
sv_browser_python() {
    local root venv req
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
    venv=$root/.local/venv-browser
    req=$root/script/browser-requirements.txt
    command -v python3 >/dev/null 2>&1 || sv_apt_install python3 python3-venv
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || sv_apt_install python3-venv
    # Reinstall when the pins changed since the venv was made.
    if ! "$venv/bin/python" -c 'import playwright.sync_api' >/dev/null 2>&1 ||
        ! cmp -s "$req" "$venv/.requirements"; then
        rm -rf "$venv"
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" >&2 || sv_die "python3 -m venv $venv failed"
        "$venv/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv \
            -r "$req" >&2 || sv_die "pip install playwright failed"
        cp "$req" "$venv/.requirements"
    fi
    printf '%s\n' "$venv/bin/python"
}

# sv_chromium: prints the path of Debian's chromium, installing it with apt-get when missing
# (as root; otherwise with sudo when that works without a password).
sv_chromium() {
    local bin=/usr/bin/chromium
    if [ ! -x "$bin" ]; then
        if sv_is_root; then
            sv_apt_install chromium
        elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sv_log "sudo apt-get install chromium"
            sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
                -o DPkg::Lock::Timeout=300 install chromium >&2 ||
                sv_die "sudo apt-get install chromium failed"
        else
            sv_die "need Debian's chromium: run as root, or: sudo apt-get install -y chromium"
        fi
    fi
    [ -x "$bin" ] || sv_die "chromium installed, but $bin is missing"
    printf '%s\n' "$bin"
}
