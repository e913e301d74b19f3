# Cyrus, Courier and GNU Mailutils imap4d for scripts/test-server (sourced by it; uses its
# die, make_cert, new_password and wait_port). Each runs from a private root unpacked from
# the Debian .debs, with config and state in DIR, on 127.0.0.1 only, and writes the PIDs to
# stop into DIR/pids.
# shellcheck shell=bash
# shellcheck disable=SC2154 # $here is set by scripts/test-server

# shellcheck source=server-packages.sh
. "$here/lib/server-packages.sh"

# Exit status 77 (as in automake): this kind cannot run on this machine, so tests skip it.
unavailable() { echo "test-server: unavailable here: $*" >&2; exit 77; }

server_cache() {
    if [ -n "${IMM_SERVER_CACHE:-}" ]; then
        echo "$IMM_SERVER_CACHE"
    elif [ "$(id -u)" = 0 ]; then
        # The servers run as nobody, and root's $HOME is not searchable by it.
        echo /var/cache/imapmirror/servers
    else
        echo "${XDG_CACHE_HOME:-$HOME/.cache}/imapmirror/servers"
    fi
}

missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

# Downloads and unpacks KIND's .debs into the cache once (under a lock: tests start servers in
# parallel), and installs its libraries if they are missing. Prints the private root.
fetch_servers() {
    local kind=${1:?usage: test-server fetch-servers cyrus|courier|mailutils}
    local debs_var="${kind}_debs[@]" libs_var="${kind}_libs[@]"
    [ -n "${!debs_var+x}" ] || die "unknown kind $kind"
    local cache
    cache=$(server_cache)/$kind
    mkdir -p "$cache"
    chmod 0755 "$cache" "$(dirname "$cache")"
    (
        flock 9
        local missing
        missing=$(missing_packages "${!libs_var}")
        if [ -n "$missing" ]; then
            # Kinds are fetched in parallel (one test each): wait for dpkg's lock, not fail.
            [ "$(id -u)" = 0 ] || unavailable "missing libraries for $kind: $missing; run scripts/install-deps --servers"
            # shellcheck disable=SC2086
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends $missing \
                >"$cache/apt.log" 2>&1 ||
                { apt-get update -qq >/dev/null 2>&1 &&
                    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends $missing \
                        >"$cache/apt.log" 2>&1; } ||
                unavailable "could not install the libraries for $kind; see $cache/apt.log"
        fi
        [ -f "$cache/root/.complete" ] && exit 0
        rm -rf "$cache/debs" "$cache/root"
        mkdir -p "$cache/debs" "$cache/root"
        if ! (cd "$cache/debs" && apt-get download "${!debs_var}" >"$cache/download.log" 2>&1); then
            apt-get update -qq >/dev/null 2>&1 || true
            (cd "$cache/debs" && apt-get download "${!debs_var}" >"$cache/download.log" 2>&1) ||
                unavailable "could not download ${!debs_var}; see $cache/download.log"
        fi
        local deb
        for deb in "$cache"/debs/*.deb; do
            dpkg-deb -x "$deb" "$cache/root" || die "could not unpack $deb"
        done
        chmod -R go+rX "$cache/root"
        touch "$cache/root/.complete"
    ) 9>"$cache.lock" || exit $?
    echo "$cache/root"
}

# Runs the private root's binaries with its own shared libraries (Cyrus ships libcyrus*).
private_env() {
    echo "LD_LIBRARY_PATH=$1/usr/lib/x86_64-linux-gnu:$1/usr/lib"
}

# The account's files belong to nobody when we are root: the servers drop to it.
mail_owner() {
    if [ "$(id -u)" = 0 ]; then echo "nobody:$(id -gn nobody)"; else echo "$(id -un):$(id -gn)"; fi
}

# The processes started for DIR: every one carries IMM_TEST_SERVER_DIR=DIR in its environment
# (cmd_start exports it), so that a daemon's children are found too, whatever became of their
# parent. Killing the recorded PIDs alone left a Cyrus master, an imap4d child and Courier's
# authdaemond behind after some runs: a fork the PID file does not name, re-parented to init.
marked_pids() {
    local dir=$1 env pid
    for env in /proc/[0-9]*/environ; do
        pid=${env#/proc/}
        pid=${pid%/environ}
        # Not this script (start exported the mark, and stops what it started when one fails).
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
        grep -qzxF "IMM_TEST_SERVER_DIR=$dir" "$env" 2>/dev/null && echo "$pid"
    done
    return 0
}

# Stops what runs for DIR: the PIDs in DIR/pids and every marked process. DIR may be gone
# already (a test's directories can be removed before the server it shares is stopped): the
# marked processes are still found.
stop_pids() {
    local dir=$1 pid pids _
    mapfile -t pids < <(cat "$dir/pids" 2>/dev/null || true; marked_pids "$dir")
    [ "${#pids[@]}" -gt 0 ] || { echo "test-server: nothing running in $dir" >&2; return 0; }
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null || true
    done
    # What forked while the others were being stopped (a connection accepted meanwhile).
    mapfile -t pids < <(marked_pids "$dir")
    [ "${#pids[@]}" = 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
    rm -f "$dir/pids"
}

# Waits for PIDFILE to appear and holds a live PID; appends it to DIR/pids.
record_pid() {
    local dir=$1 pidfile=$2 _
    for _ in $(seq 1 100); do
        if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            cat "$pidfile" >>"$dir/pids"
            return 0
        fi
        sleep 0.05
    done
    return 1
}

started() {
    local kind=$1 dir=$2 port=$3 what=$4
    if ! wait_port "$port" || ! wait_port $((port + 1)); then
        stop_pids "$dir" || true
        die "$kind did not listen on 127.0.0.1:$port/$((port + 1)); $what"
    fi
    echo "$kind on 127.0.0.1:$port (plain) and :$((port + 1)) (TLS), user $(cat "$dir/user"), password in $dir/password, CA in $dir/ca.pem"
}

# Cyrus 3.6: master forks imapd per connection; SASL checks passwords against a private sasldb
# (auxprop, the default pwcheck method) and offers every installed mechanism, as by default.
# Mail folders are created on first login (autocreate_quota).
cyrus_start() {
    local dir=$1 port=$2 r
    r=$(fetch_servers cyrus)
    local bin=$r/usr/lib/cyrus/bin
    mkdir -p "$dir/spool" "$dir/sieve"
    local d
    for d in db proc socket log msg ptclient sync lock quota user; do mkdir -p "$dir/conf/$d"; done
    make_cert "$dir"
    echo alice >"$dir/user"
    local password user group
    password=$(new_password "$dir")
    user=$(mail_owner | cut -d: -f1)
    group=$(mail_owner | cut -d: -f2)
    # Cyrus logs only to syslog; the wrapper gives its programs the private libraries and keeps
    # their stderr.
    cat >"$dir/run-cyrus" <<EOF
#!/bin/sh
export $(private_env "$r")
exec "\$@" 2>>"$dir/cyrus.log"
EOF
    chmod 0755 "$dir/run-cyrus"
    cat >"$dir/imapd.conf" <<EOF
# Generated by scripts/test-server; private to this directory.
configdirectory: $dir/conf
partition-default: $dir/spool
sievedir: $dir/sieve
servername: localhost
cyrus_user: $user
cyrus_group: $group
admins: admin
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $dir/sasldb2
tls_server_cert: $dir/ca.pem
tls_server_key: $dir/key.pem
autocreate_quota: 0
syslog_prefix: imapmirror-test-cyrus-$port
EOF
    cat >"$dir/cyrus.conf" <<EOF
START {
  recover cmd="$dir/run-cyrus $bin/ctl_cyrusdb -C $dir/imapd.conf -r"
}
SERVICES {
  imap cmd="$dir/run-cyrus $bin/imapd -C $dir/imapd.conf" listen="127.0.0.1:$port" prefork=0
  imaps cmd="$dir/run-cyrus $bin/imapd -s -C $dir/imapd.conf" listen="127.0.0.1:$((port + 1))" prefork=0
}
EVENTS {
}
EOF
    printf '%s' "$password" | saslpasswd2 -f "$dir/sasldb2" -u localhost -p -c alice ||
        die "saslpasswd2 failed (package sasl2-bin)"
    touch "$dir/cyrus.log"
    chown -R "$user:$group" "$dir"
    chmod 0755 "$dir"
    env "$(private_env "$r")" "$bin/master" -C "$dir/imapd.conf" -M "$dir/cyrus.conf" \
        -p "$dir/master.pid" -d || die "cyrus master failed to start"
    record_pid "$dir" "$dir/master.pid" || die "cyrus master wrote no PID file"
    started cyrus "$dir" "$port" "Cyrus logs to syslog only; see $dir/cyrus.log"
}

# Courier-IMAP 5.0 (couriertcpd -> imaplogin -> imapd) with its default capabilities from the
# package's /etc/courier/imapd. Passwords go through authdaemond with a userdb in DIR; both
# have compiled-in paths (/etc/courier, /run/courier/authdaemon), so the instance runs in a
# private mount namespace where DIR's copies are bind-mounted over them (needs root).
courier_start() {
    local dir=$1 port=$2 r
    [ "$(id -u)" = 0 ] || unavailable "courier needs root (a private mount namespace for authdaemond)"
    command -v unshare >/dev/null || unavailable "courier needs unshare (util-linux)"
    r=$(fetch_servers courier)
    make_cert "$dir"
    echo alice >"$dir/user"
    local password uid gid
    password=$(new_password "$dir")
    uid=$(id -u nobody)
    gid=$(id -g nobody)
    mkdir -p "$dir/etc" "$dir/authdaemon" "$dir/home/alice/Maildir"/{cur,new,tmp}
    cat "$dir/key.pem" "$dir/ca.pem" >"$dir/courier.pem"
    chmod 0600 "$dir/courier.pem"
    cat >"$dir/etc/authdaemonrc" <<EOF
authmodulelist="authuserdb"
daemons=3
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
EOF
    (umask 077; printf 'alice\tuid=%s|gid=%s|home=%s|mail=%s|systempw=%s\n' "$uid" "$gid" \
        "$dir/home/alice" "$dir/home/alice/Maildir" "$(openssl passwd -6 "$password")" >"$dir/etc/userdb")
    chown -R "$uid:$gid" "$dir/home"
    chmod 0755 "$dir"
    # The package's defaults, with our ports, paths and certificate.
    cat >"$dir/run-courier" <<EOF
#!/bin/bash
set -e
mount --bind "$dir/etc" /etc/courier
mount --bind "$dir/authdaemon" /run/courier/authdaemon
makeuserdb
set -a
. "$r/etc/courier/imapd"
. "$r/etc/courier/imapd-ssl"
. /etc/courier/authdaemonrc
TLS_CERTFILE="$dir/courier.pem"
TLS_TRUSTCERTS="$dir/ca.pem"
TLS_VERIFYPEER=NONE
TLS_CACHEFILE=
IMAP_SHAREDINDEXFILE="$dir/etc/shared-index"
$(private_env "$r")
set +a
courierlogger -pid=/run/courier/authdaemon/pid -start /usr/lib/courier/courier-authlib/authdaemond
for i in \$(seq 1 100); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.05; done
cd "$dir"
"$r/usr/sbin/couriertcpd" -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=40 \\
    -maxperip=40 $port "$r/usr/lib/courier/courier/imaplogin" "$r/usr/bin/imapd" Maildir \\
    >>"$dir/courier.log" 2>&1 </dev/null &
echo \$! >>"$dir/pids"
"$r/usr/sbin/couriertcpd" -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=40 \\
    -maxperip=40 $((port + 1)) "$r/usr/bin/couriertls" -server -tcpd \\
    "$r/usr/lib/courier/courier/imaplogin" "$r/usr/bin/imapd" Maildir \\
    >>"$dir/courier.log" 2>&1 </dev/null &
echo \$! >>"$dir/pids"
EOF
    chmod 0755 "$dir/run-courier"
    mkdir -p /run/courier/authdaemon
    unshare -m --propagation private "$dir/run-courier" >>"$dir/courier.log" 2>&1 ||
        { stop_pids "$dir"; die "courier failed to start; see $dir/courier.log"; }
    record_pid "$dir" "$dir/authdaemon/pid" || { stop_pids "$dir"; die "authdaemond did not start; see $dir/courier.log"; }
    started courier "$dir" "$port" "see $dir/courier.log"
}

# GNU Mailutils imap4d 3.15 as its own daemon, with its default SASL mechanisms (GSASL).
# By default it checks system users (PAM/shadow); to keep the account private we use its
# virtual-domain module instead: a passwd file DIR/virtual/localhost, whose users log in as
# user@localhost (imap4d only infers the domain from the socket in inetd mode).
mailutils_start() {
    local dir=$1 port=$2 r
    r=$(fetch_servers mailutils)
    make_cert "$dir"
    echo alice@localhost >"$dir/user"
    local password uid gid
    password=$(new_password "$dir")
    uid=$(id -u nobody)
    gid=$(id -g nobody)
    [ "$(id -u)" = 0 ] || { uid=$(id -u); gid=$(id -g); }
    mkdir -p "$dir/virtual" "$dir/home/alice/INBOX"/{cur,new,tmp}
    printf 'alice:%s:%s:%s::%s:/bin/false\n' "$(openssl passwd -6 "$password")" "$uid" "$gid" \
        "$dir/home/alice" >"$dir/virtual/localhost"
    chown -R "$uid:$gid" "$dir/home"
    chmod 0755 "$dir"
    cat >"$dir/imap4d.conf" <<EOF
# Generated by scripts/test-server; private to this directory.
logging { syslog no; }
pidfile $dir/imap4d.pid;
auth { authorization virtdomain; authentication generic; }
virtdomain { passwd-dir $dir/virtual; }
tls { ssl-certificate-file $dir/ca.pem; ssl-key-file $dir/key.pem; }
tls-file-checks { key-file none; cert-file none; ca-file none; }
max-children 40;
# Maildir, not the default mbox: an mbox folder cannot hold subfolders (Archive/2024/Q1).
mailbox { mailbox-pattern "maildir://$dir/home/alice/INBOX"; }
namespace personal {
  prefix "" { directory "$dir/home/alice"; mailbox-type maildir; }
}
server 127.0.0.1:$port { tls-mode ondemand; }
server 127.0.0.1:$((port + 1)) { tls-mode connection; }
EOF
    env "$(private_env "$r")" "$r/usr/sbin/imap4d" --config-file="$dir/imap4d.conf" --daemon \
        >>"$dir/imap4d.log" 2>&1 || die "imap4d failed to start; see $dir/imap4d.log"
    record_pid "$dir" "$dir/imap4d.pid" || die "imap4d wrote no PID file; see $dir/imap4d.log"
    started mailutils "$dir" "$port" "see $dir/imap4d.log"
}

imap_seed() {
    local dir=$1
    shift
    local port
    port=$(cat "$dir/port")
    python3 "$here/lib/imap_seed.py" --port "$port" --tls-port $((port + 1)) --ca-file "$dir/ca.pem" \
        --user "$(cat "$dir/user")" --password-file "$dir/password" "$@"
}
