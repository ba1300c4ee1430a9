#!/usr/bin/env bash
# Replay for operations/scheduling.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A job that works by hand and fails from cron, and two runs at once
#% scenario: A small backup script, `~/bin/nightly-pg.sh`, takes a base backup and verifies it. It works when you run
#%   it. Cron would run it with a minimal environment, and on a slow night a second run could start before the first
#%   has finished.
# Preparation (not shown): the script.
mkdir -p ~/bin
cat > ~/bin/nightly-pg.sh <<'SCRIPT'
#!/bin/bash
set -euo pipefail
dir=$(mktemp -d /srv/backups/base-$(date +%F).XXXXXX)
pg_basebackup -D "$dir" -X stream -c fast
pg_verifybackup "$dir"
SCRIPT
chmod +x ~/bin/nightly-pg.sh

#> Run by hand in an interactive shell, it works.
~/bin/nightly-pg.sh

#> Cron starts jobs with almost no environment: `PATH=/usr/bin:/bin`, no profile, no aliases. `env -i` reproduces
#> that (keeping `PGUSER`, which stands in here for running the job as the `postgres` user). On Debian,
#> `pg_basebackup` is in `/usr/bin` (a wrapper that picks the right version) but `pg_verifybackup` is not, so the job
#> takes a backup and then fails to check it, every night.
env -i HOME="$HOME" PGUSER=postgres PATH=/usr/bin:/bin /bin/bash ~/bin/nightly-pg.sh; echo "exit status $?"

#> Fix it in the script, not in the crontab: give the full path, or set `PATH` at the top of the script.
sed -i 's#^pg_verifybackup#/usr/lib/postgresql/15/bin/pg_verifybackup#' ~/bin/nightly-pg.sh && env -i HOME="$HOME" PGUSER=postgres PATH=/usr/bin:/bin /bin/bash ~/bin/nightly-pg.sh; echo "exit status $?"

#> Overlap: a run that takes longer than the interval meets the next one. `flock -n` takes an exclusive lock on a
#> file for the length of the command, and gives up at once if another run holds it. Here a first run (a `sleep`
#> standing in for the backup) takes the lock and keeps it for five seconds.
(flock -n /tmp/nightly-pg.lock -c 'touch /tmp/first-run; sleep 5' &); until [ -f /tmp/first-run ]; do sleep 0.1; done

#> The second run does not start. `-E 75` makes that case exit with its own status, so that monitoring can
#> tell "skipped because still running" from a real failure.
flock -n -E 75 /tmp/nightly-pg.lock ~/bin/nightly-pg.sh; echo "exit status $?"
