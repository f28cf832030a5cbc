#!/bin/sh
# usage: capture-fixtures.sh [postfix] [smtp-source] [exim]   (default: all three)
# Captures the real-MTA fixtures in ../src/__fixtures__ (run as root, loopback only).
# Starts two throw-away Postfix instances (a sending one and an MX with STARTTLS),
# Postfix's smtp-source/smtp-sink and the unpacked Debian Exim (tooling/system-deps/exim.sh),
# each session relayed through record-session.mjs. Never touches a system Postfix on port 25.
set -eu
stages=${*:-postfix smtp-source exim}
want() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../src/__fixtures__"
work=$(mktemp -d /tmp/warp-capture.XXXXXX); chmod 755 "$work"
mx_port=12525; rec_port=12526; sink_port=12535
cleanup() {
  postfix -c "$work/mx" stop 2>/dev/null || true
  postfix -c "$work/sender" stop 2>/dev/null || true
  [ -n "${sink_pid:-}" ] && kill "$sink_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.warp.test \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

instance() { # name smtpd-listen-line
  dir="$work/$1"; mkdir -p "$dir/queue" "$dir/data"
  chown postfix "$dir/data"
  # Debian's master.cf, without chroot, with our own listener (or none).
  sed -e '/^smtp *inet/d' -e 's/^\([a-z]* *[a-z-]* *[n-] *[n-] *\)y /\1n /' /etc/postfix/master.cf > "$dir/master.cf"
  [ -n "$2" ] && echo "$2" >> "$dir/master.cf"
  cat > "$dir/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file_prefixes = /tmp
maillog_file = $dir/maillog
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtputf8_enable = yes
alias_maps =
alias_database =
local_recipient_maps =
biff = no
CF
}

instance mx "127.0.0.1:$mx_port inet n - n - - smtpd"
postconf -c "$work/mx" -e myhostname=mx.warp.test 'mydestination=example.org, bücher.example' \
  local_transport=discard:delivered smtpd_tls_security_level=may \
  "smtpd_tls_cert_file=$work/cert.pem" "smtpd_tls_key_file=$work/key.pem" \
  'smtpd_relay_restrictions=permit_mynetworks, reject' mynetworks=127.0.0.0/8
postfix -c "$work/mx" start

instance sender ""
postconf -c "$work/sender" -e myhostname=sender.warp.test mydestination= \
  "relayhost=[127.0.0.1]:$rec_port" smtp_tls_security_level=may smtp_destination_concurrency_limit=1
# Start once so the queue exists, then queue every message while stopped: one connection carries them all.
postfix -c "$work/sender" start

record() { # name [tls]
  if [ "${2:-}" = tls ]; then
    node "$here/record-session.mjs" "$rec_port" "$mx_port" "$out/$1" "$work/key.pem" "$work/cert.pem" &
  else
    node "$here/record-session.mjs" "$rec_port" "${3:-$mx_port}" "$out/$1" &
  fi
  rec_pid=$!
  # Node can take seconds to start on a loaded machine: wait for the listener.
  for _ in $(seq 1 100); do
    ss -ltn "sport = :$rec_port" | grep -q LISTEN && return 0
    sleep 0.1
  done
  echo "recorder did not start" >&2
  exit 1
}
wait_recorder() { for _ in $(seq 1 100); do kill -0 "$rec_pid" 2>/dev/null || return 0; sleep 0.2; done; kill "$rec_pid"; }

# 1. Postfix -> Postfix, STARTTLS, PIPELINING, SMTPUTF8: three messages, three connections
#    (Postfix does not reuse TLS connections without tlsproxy).
if want postfix; then
RECORD_CONNECTIONS=3 record postfix-to-postfix-starttls tls
postfix -c "$work/sender" stop 2>/dev/null || true
for n in 1 2; do
  printf 'From: a@sender.warp.test\r\nTo: rcpt%s@example.org\r\nSubject: fixture %s\r\n\r\nline one\r\n.leading dot\r\n..two dots\r\n.\r\n' "$n" "$n" \
    | sendmail -C "$work/sender" -f "a@sender.warp.test" "rcpt$n@example.org" "other$n@example.org"
done
printf 'From: jöran@sender.warp.test\r\nSubject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n' \
  | sendmail -C "$work/sender" -f "jöran@sender.warp.test" "müller@bücher.example"
postfix -c "$work/sender" start
postqueue -c "$work/sender" -f
wait_recorder
fi

# 2. smtp-source -> smtp-sink: several transactions per session, pipelined.
if want smtp-source; then
smtp-sink -u postfix -c "127.0.0.1:$sink_port" 10 & sink_pid=$!
record smtp-source-multi "" "$sink_port"
smtp-source -d -m 3 -r 2 -l 300 -f sender@warp.test -t rcpt@example.org "127.0.0.1:$rec_port"
wait_recorder
fi

# 3. Exim (client) -> Postfix: CHUNKING/BDAT.
exim=$(bash "$here/../../../tooling/system-deps/exim.sh" 2>/dev/null | tail -1)
if want exim && [ -x "$exim" ]; then
  mkdir -p "$work/exim"; chown Debian-exim:Debian-exim "$work/exim"
  cat > "$work/exim.conf" <<CF
exim_path = $exim
spool_directory = $work/exim
log_file_path = $work/exim/%slog
keep_environment =
exim_user = Debian-exim
exim_group = Debian-exim
primary_hostname = exim.warp.test
begin routers
to_mx:
  driver = manualroute
  route_list = * 127.0.0.1
  self = send
  transport = to_mx_smtp
begin transports
to_mx_smtp:
  driver = smtp
  port = $rec_port
  hosts_try_chunking = *
  hosts_avoid_tls = *
  allow_localhost
begin retry
* * F,1h,1m
CF
  record exim-bdat
  printf 'From: e@exim.warp.test\nSubject: chunked\n\nExim sends this with BDAT.\n.a line with a dot\n' \
    | "$exim" -C "$work/exim.conf" -odf -f e@exim.warp.test rcpt@example.org
  wait_recorder
fi
echo "captured into $out"
