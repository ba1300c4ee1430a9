# Shared by the sandbox's service scripts. Paths follow a Debian install so
# that course commands (ls /var/lib/mysql, psql -h localhost) work unchanged.
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=/var/lib/postgresql/15/main
PGLOG=/var/log/postgresql/postgresql-15-main.log
MYSOCK=/run/mysqld/mysqld.sock
MYPID=/run/mysqld/mysqld.pid
export PGDATA

note() { printf 'sandbox: %s\n' "$*" >&2; }

postgres_running() { "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }
mariadb_running() { [ -f "$MYPID" ] && kill -0 "$(cat "$MYPID" 2>/dev/null)" 2>/dev/null; }

start_postgres() {
  if postgres_running; then return 0; fi
  mkdir -p /run/postgresql /var/log/postgresql
  # setsid: the server must outlive the shell that started it.
  setsid "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 -s start </dev/null
}

stop_postgres() {
  if ! postgres_running; then return 0; fi
  "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 -s stop
}

start_mariadb() {
  if mariadb_running; then return 0; fi
  mkdir -p /run/mysqld /var/log/mysql
  rm -f "$MYSOCK" "$MYPID"
  setsid /usr/sbin/mariadbd </dev/null >/dev/null 2>>/var/log/mysql/error.log &
  local pid=$! i
  for i in $(seq 1 600); do
    if [ -S "$MYSOCK" ] && /usr/bin/mariadb-admin --no-defaults --socket="$MYSOCK" -uroot ping >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      note "MariaDB did not start; the end of /var/log/mysql/error.log:"
      tail -n 5 /var/log/mysql/error.log >&2
      return 1
    fi
    sleep 0.02
  done
  note "MariaDB did not answer within 12 s"
  return 1
}

# Stops the server whose pid is in PIDFILE (SIGTERM, then waits up to SECONDS); NAME says which in the note.
stop_pidfile() {
  local file="$1" seconds="$2" name="$3" pid i
  pid="$(cat "$file")"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((seconds * 50))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.02
  done
  note "$name did not stop within $seconds s"
  return 1
}

stop_mariadb() {
  if ! mariadb_running; then return 0; fi
  stop_pidfile "$MYPID" 30 MariaDB
}

# The S3-compatible object store (Swift with s3api, libexec/s3-server): not
# started with the sandbox (it costs a Python process); the labs that use it
# start it, and so can `systemctl start s3`.
S3PID=/run/swift/s3-server.pid
S3LOG=/var/log/swift/s3-server.log
s3_running() { [ -f "$S3PID" ] && kill -0 "$(cat "$S3PID" 2>/dev/null)" 2>/dev/null; }

start_s3() {
  if s3_running; then return 0; fi
  mkdir -p /run/swift /var/log/swift
  rm -f "$S3PID"
  PYTHONDONTWRITEBYTECODE=1 setsid /usr/bin/python3 /opt/drillbook/libexec/s3-server </dev/null >/dev/null 2>>"$S3LOG" &
  local pid=$! i
  for i in $(seq 1 1500); do
    [ -f "$S3PID" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      note "the S3 server did not start; the end of $S3LOG:"
      tail -n 5 "$S3LOG" >&2
      return 1
    fi
    sleep 0.02
  done
  note "the S3 server did not start within 30 s"
  return 1
}

stop_s3() {
  if ! s3_running; then return 0; fi
  stop_pidfile "$S3PID" 10 "the S3 server" && rm -f "$S3PID"
}
