/**
 * The grader's side of a shell check: a bash prelude that every shell check
 * runs under, and the clean-up after a check run. Pure text, no processes.
 *
 * Why it exists: checks run inside the learner's sandbox as the learner (same
 * uid, same home), so anything the learner can write could steer them. The
 * prelude gives check authors programs by absolute path that read no option
 * files (`mariadb --no-defaults` on the server's socket, `psql -X` on an
 * explicit host), and scratch names built from a random token drawn for each
 * check run, so a learner can neither pre-create nor predict them.
 *
 * What a check's shell can use (documented for authors in docs/authoring.md):
 * - `grader_mysql ARGS`: MariaDB's client as root, batch mode without column
 *   names, this session kept out of the binary log.
 * - `grader_psql ARGS`: psql as postgres on localhost:5432, unaligned, tuples
 *   only, stopping at the first error (give `-d DB`).
 * - `grader_mysql_scratch`: starts a private MariaDB server of the grader's
 *   own (a new, empty data directory under `$GRADER_TMP`, reachable only on the
 *   socket `$GRADER_MYSQL_SOCKET`: no network, no binary log, no plugins, no
 *   file access) and creates the empty database `$GRADER_DB` in it;
 *   `grader_mysql_scratch_client ARGS` is its client as root, in `--sandbox`
 *   mode (a loaded file's `\!` shell and `source` lines are refused). A file
 *   loaded there cannot reach the live server's data, whatever DEFINER,
 *   routine or event it creates: the private server has none of it.
 * - `grader_pg_scratch`: creates the empty database `$GRADER_DB` (from
 *   template0, checked empty).
 * - `grader_pg_start DIR`: starts a PostgreSQL server from the data directory
 *   DIR (a copy the check made under `$GRADER_TMP`), reachable only on a Unix
 *   socket in `$GRADER_TMP`, with archiving off; `grader_pg_copy_psql ARGS`
 *   queries it.
 * - `grader_s3 ARGS`: Debian's `aws` against the sandbox's own S3 server
 *   (http://127.0.0.1:8080, started by `systemctl start s3`) with its fixed
 *   keys, reading no learner configuration (`~/.aws` is ignored).
 * - `$GRADER_TMP`: an empty private directory on the sandbox's disk.
 * Whatever these created is removed when the check ends, however it ends.
 */

/** Directory prefix of the grader's scratch directories inside a sandbox (under /var: /tmp is small). */
export const GRADER_TMP_PREFIX = '/var/tmp/drillbook-grader-';

const MARIADB = '/usr/bin/mariadb';
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
const MARIADB_SOCKET = '/run/mysqld/mysqld.sock';
const MARIADB_INSTALL_DB = '/usr/bin/mariadb-install-db';
const MARIADBD = '/usr/sbin/mariadbd';
const MARIADB_ADMIN = '/usr/bin/mariadb-admin';
const AWS = '/usr/bin/aws';
/** The sandbox's S3 server (src/sandbox/rootfs/libexec/s3-server) and its one account's keys. */
const S3_ENDPOINT = 'http://127.0.0.1:8080';
const S3_KEYS = 'AWS_ACCESS_KEY_ID=drillbook:learner AWS_SECRET_ACCESS_KEY=learner-secret';

/**
 * Functions and variables of the prelude; expects the run token in $GRADER_RUN.
 * Marker files in $GRADER_TMP record what was created, so that the clean-up,
 * which runs in the parent of the check's subshell, knows what to remove.
 */
const FUNCTIONS = String.raw`
GRADER_DB="grader_$GRADER_RUN"
grader_mysql() {
  ${MARIADB} --no-defaults --protocol=socket --socket=${MARIADB_SOCKET} --user=root --batch --skip-column-names \
    --connect-timeout=5 --init-command='SET SESSION sql_log_bin = 0' "$@"
}
grader_psql() {
  ${PSQL} -X -q -A -t -v ON_ERROR_STOP=1 -h localhost -p 5432 -U postgres "$@"
}
GRADER_MYSQL_SOCKET="$GRADER_TMP/mysql.sock"
grader_mysql_scratch() {
  local d="$GRADER_TMP/mysql" i
  mkdir -p "$d/plugins" "$d/files" || return 1
  ${MARIADB_INSTALL_DB} --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve > "$d/install.log" 2>&1 \
    || { echo "error: the grader's private MariaDB server could not be created: $(grep -m 1 -i error "$d/install.log")" >&2; return 1; }
  # --plugin-dir: an empty folder, so no FEDERATED/CONNECT table can be installed to reach the live server.
  ${MARIADBD} --no-defaults --datadir="$d/data" --socket="$GRADER_MYSQL_SOCKET" --skip-networking --skip-log-bin \
    --pid-file="$d/mariadbd.pid" --log-error="$d/error.log" --plugin-dir="$d/plugins" --secure-file-priv="$d/files" \
    --performance-schema=OFF --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --max-connections=20 < /dev/null > /dev/null 2>&1 &
  echo $! >> "$GRADER_TMP/.mysql-started"
  for i in $(seq 1 200); do
    ${MARIADB_ADMIN} --no-defaults --protocol=socket --socket="$GRADER_MYSQL_SOCKET" --user=root ping > /dev/null 2>&1 && break
    kill -0 $! 2> /dev/null || { echo "error: the grader's private MariaDB server did not start: $(grep -m 1 ERROR "$d/error.log")" >&2; return 1; }
    sleep 0.05
  done
  grader_mysql_scratch_client -e "CREATE DATABASE \`$GRADER_DB\`"
}
grader_mysql_scratch_client() {
  ${MARIADB} --no-defaults --sandbox --local-infile=0 --protocol=socket --socket="$GRADER_MYSQL_SOCKET" --user=root \
    --batch --skip-column-names --connect-timeout=5 "$@"
}
grader_pg_scratch() {
  : > "$GRADER_TMP/.pg-scratch"
  grader_psql -c "CREATE DATABASE \"$GRADER_DB\" TEMPLATE template0" || return 1
  local n
  n=$(grader_psql -d "$GRADER_DB" -c "SELECT count(*) FROM pg_class WHERE relnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema', 'pg_toast')") || return 1
  [ "$n" = 0 ] || { echo "error: the grader's scratch database was not empty" >&2; return 1; }
}
grader_pg_start() {
  local dir=$1
  case "$dir" in "$GRADER_TMP"/*) ;; *) echo "error: grader_pg_start takes a directory in \$GRADER_TMP" >&2; return 1 ;; esac
  echo "$dir" >> "$GRADER_TMP/.pg-started"
  chmod 700 "$dir" && rm -f "$dir/postmaster.pid" || return 1
  ${PG_CTL} -D "$dir" -l "$GRADER_TMP/postgres.log" -w -t 30 -o "-c port=5432 -c listen_addresses='' -c unix_socket_directories='$GRADER_TMP' -c archive_mode=off -c shared_buffers=8MB -c max_connections=10 -c max_wal_senders=0 -c logging_collector=off" start > /dev/null \
    || { echo "error: PostgreSQL did not start from $dir: $(grep -E 'FATAL|PANIC' "$GRADER_TMP/postgres.log" | head -n 1)" >&2; return 1; }
}
grader_pg_copy_psql() {
  ${PSQL} -X -q -A -t -v ON_ERROR_STOP=1 -h "$GRADER_TMP" -p 5432 -U postgres "$@"
}
grader_s3() {
  # HOME and PYTHONNOUSERSITE: neither ~/.aws/cli/alias nor a .pth file in ~/.local can steer the client.
  env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_CA_BUNDLE -u PYTHONPATH -u PYTHONSTARTUP HOME="$GRADER_TMP" PYTHONNOUSERSITE=1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    ${S3_KEYS} AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= AWS_MAX_ATTEMPTS=1 \
    ${AWS} --endpoint-url ${S3_ENDPOINT} --cli-connect-timeout 5 --cli-read-timeout 10 "$@"
}
grader_cleanup() {
  local d
  if [ -f "$GRADER_TMP/.pg-started" ]; then
    while read -r d; do ${PG_CTL} -D "$d" -m immediate -w -t 10 stop > /dev/null 2>&1; done < "$GRADER_TMP/.pg-started"
  fi
  if [ -f "$GRADER_TMP/.mysql-started" ]; then
    # Killed and waited for (at most 5 s), so that its files can be removed.
    while read -r d; do
      kill -KILL "$d" 2> /dev/null
      for _ in $(seq 250); do kill -0 "$d" 2> /dev/null || break; sleep 0.02; done
    done < "$GRADER_TMP/.mysql-started"
  fi
  [ -f "$GRADER_TMP/.pg-scratch" ] &&
    grader_psql -c "DROP DATABASE IF EXISTS \"$GRADER_DB\" WITH (FORCE)" > /dev/null 2>&1
  rm -rf "$GRADER_TMP"
}
`;

/**
 * The bash program of a shell check: `bash -c GRADER_CHECK grader RUN SHELL`.
 * The check's own text runs in a subshell (its `exit` and `trap` stay its
 * own); the clean-up runs after it whatever it did, and the check's exit
 * status is kept.
 */
export const GRADER_CHECK = String.raw`GRADER_RUN=$1
mkdir -p /var/tmp 2> /dev/null
GRADER_TMP=$(mktemp -d "${GRADER_TMP_PREFIX}$GRADER_RUN.XXXXXX") || { echo "error: no room for the grader's scratch directory in /var/tmp" >&2; exit 1; }
${FUNCTIONS}
( grader_code=$2; set --; eval "$grader_code" )
grader_status=$?
grader_cleanup
exit $grader_status
`;

/**
 * Run after a check run in which a check was stopped (timed out or could not
 * be reached): removes what that run's grader may have left, by its token.
 */
export const GRADER_SWEEP = String.raw`GRADER_RUN=$1
${FUNCTIONS}
for GRADER_TMP in ${GRADER_TMP_PREFIX}"$GRADER_RUN".*; do
  [ -d "$GRADER_TMP" ] || continue
  for d in "$GRADER_TMP"/*/; do [ -f "$d/postmaster.pid" ] && ${PG_CTL} -D "$d" -m immediate -w -t 10 stop > /dev/null 2>&1; done
  grader_cleanup
done
grader_psql -c "DROP DATABASE IF EXISTS \"$GRADER_DB\" WITH (FORCE)" > /dev/null 2>&1
exit 0
`;

/** bash flags for every shell the grader starts: no startup files (a learner's ~/.bashrc must not run in a check). */
export const GRADER_BASH = ['/bin/bash', '--norc', '--noprofile'];

/**
 * The PATH of every command the grader runs: Drillbook's read-only helpers and the system's
 * programs, never a directory the learner can write (the sandbox's own PATH has /usr/local/bin,
 * which the learner may fill, before /usr/bin).
 */
export const GRADER_PATH = ['/opt/drillbook/bin', '/usr/lib/postgresql/15/bin', '/usr/bin', '/usr/sbin', '/bin', '/sbin'].join(':');

/**
 * Environment added to every command the grader runs in a sandbox. SHLVL=1
 * makes the sandbox's own `bash -c` wrapper a nested shell, which is what
 * stops bash from reading ~/.bashrc when its stdin is a socket (as Node's
 * pipes are): otherwise a learner's ~/.bashrc would run before every check.
 */
export const GRADER_ENV: Record<string, string> = { SHLVL: '1', PATH: GRADER_PATH };
