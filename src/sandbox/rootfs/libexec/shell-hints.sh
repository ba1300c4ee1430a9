# Sourced by interactive shells (/etc/profile). One-line hints, each said once
# per shell, when a typed command assumes something this sandbox is not:
# - a PostgreSQL version other than 15 in a path (those paths lead to 15's);
# - another host for a database client (only this sandbox is reachable);
# - a write to the system's cron tables (kept, but no cron daemon runs).
__drillbook_hint() {
  local c="$BASH_COMMAND" host
  if [ -z "${__drillbook_pg_said:-}" ] && [[ "$c" =~ postgresql[/@-](1[0-46-9]|[2-9][0-9])([/-]|$) ]]; then
    echo "sandbox: this sandbox runs PostgreSQL 15: paths for version ${BASH_REMATCH[1]} (/usr/lib/postgresql/${BASH_REMATCH[1]}, /var/lib/postgresql/${BASH_REMATCH[1]}, /etc/postgresql/${BASH_REMATCH[1]}) lead to 15's" >&2
    __drillbook_pg_said=1
  fi
  if [ -z "${__drillbook_cron_said:-}" ] && [[ "$c" =~ /etc/cron(\.d|tab|\.hourly|\.daily|\.weekly|\.monthly) ]] &&
    [[ "$c" =~ ([>]|(^|[[:space:]/])(tee|cp|mv|install|ln|touch|nano|vi|vim|editor|sed[[:space:]]+-i|chmod|rm)[[:space:]]) ]]; then
    echo "sandbox: no cron daemon runs in this sandbox: /etc/cron.d, /etc/crontab and /etc/cron.daily keep what is written there but nothing runs" >&2
    __drillbook_cron_said=1
  fi
  if [ -z "${__drillbook_host_said:-}" ] &&
    [[ "$c" =~ (^|[[:space:]/])(mysql|mariadb|mysqldump|mariadb-dump|mysqladmin|mydumper|myloader|mariabackup|psql|pg_dump|pg_dumpall|pg_restore|pg_basebackup|pg_isready|pg_receivewal)[[:space:]](.*[[:space:]])?(-h[[:space:]]*|--host[=[:space:]]+)([^[:space:]\;\|\&]+) ]]; then
    host="${BASH_REMATCH[5]}"
    case "$host" in
      localhost | 127.0.0.1 | ::1 | sandbox | /* | \$*) ;;
      *)
        echo "sandbox: this sandbox reaches no host but itself: \"$host\" is unknown here; use localhost" >&2
        __drillbook_host_said=1
        ;;
    esac
  fi
}
trap '__drillbook_hint' DEBUG
