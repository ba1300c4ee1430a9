#!/usr/bin/env bash
# Replay for operations/monitoring.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A backup check that a monitoring system can run
#% scenario: The backup host keeps nightly dumps in `/srv/backups/nightly`. `check-backups` (the script in the
#%   walkthrough above, installed in `~/bin`) follows the Nagios plugin convention - one line of text, exit status 0
#%   OK, 1 WARNING, 2 CRITICAL - which Icinga, Zabbix, Prometheus exporters and most other systems understand. The
#%   files here are stand-ins of realistic sizes, dated with `touch`; the script and its verdicts are real.
#% mask: shop-(\d{4}-\d{2}-\d{2})\.dump
# Preparation (not shown): the script, and a week of nightly files, the newest from 30 hours ago.
mkdir -p ~/bin /srv/backups/nightly
cat > ~/bin/check-backups <<'SCRIPT'
#!/bin/bash
# check-backups DIR [MAX_AGE_HOURS] [MIN_SIZE_PERCENT]
dir=${1:?usage: check-backups DIR [MAX_AGE_HOURS] [MIN_SIZE_PERCENT]}
max_age=${2:-26} min_pct=${3:-70}
mapfile -t files < <(ls -1t "$dir"/*.dump 2> /dev/null)
if [ ${#files[@]} -eq 0 ]; then
  echo "CRITICAL: no backups in $dir"; exit 2
fi
newest=${files[0]}
age=$(( ($(date +%s) - $(stat -c %Y "$newest")) / 3600 ))
if [ "$age" -ge "$max_age" ]; then
  echo "CRITICAL: newest backup ${newest##*/} is $age h old (limit $max_age h)"; exit 2
fi
if [ ${#files[@]} -ge 2 ]; then
  pct=$(( $(stat -c %s "$newest") * 100 / $(stat -c %s "${files[1]}") ))
  if [ "$pct" -lt "$min_pct" ]; then
    echo "WARNING: ${newest##*/} is $pct% of the size of ${files[1]##*/}"; exit 1
  fi
fi
echo "OK: ${newest##*/}, $age h old"
SCRIPT
chmod +x ~/bin/check-backups
for d in 7 6 5 4 3 2 1; do
  f=/srv/backups/nightly/shop-$(date -d "$d days ago" +%F).dump
  head -c $(( 4000000 + d * 1000 )) /dev/zero > "$f"
  touch -d "$(( d * 24 + 6 )) hours ago" "$f"
done

#> Last night's backup did not run (nobody noticed: no job, no error). The newest file is 30 hours old.
~/bin/check-backups /srv/backups/nightly; echo "exit status $?"

#> Tonight's job runs, but something is wrong with it: the file is less than half the usual size.
head -c 1500000 /dev/zero > /srv/backups/nightly/shop-$(date +%F).dump && ~/bin/check-backups /srv/backups/nightly; echo "exit status $?"

#> Fixed and run again: fresh, and a plausible size.
head -c 4010000 /dev/zero > /srv/backups/nightly/shop-$(date +%F).dump && ~/bin/check-backups /srv/backups/nightly; echo "exit status $?"
