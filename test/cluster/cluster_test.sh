#!/usr/bin/env bash
# The sweep on a real cluster path: `smmusim bench cd-layouts` cut into shards or points, run by a
# scheduler, merged by `smmusim bench aggregate`, must equal the unsharded run byte for byte.
#
#   cluster_test.sh reference SMMUSIM DIR            the unsharded run of the sweep into DIR/ref
#   cluster_test.sh slurm     SMMUSIM DIR [SHARDS]   a one-node Slurm (slurmctld + slurmd on this host,
#                                                    started and stopped here, no systemd) runs the
#                                                    sweep as a job array of SHARDS shards [4]
#   cluster_test.sh parallel  SMMUSIM DIR            GNU parallel runs one point per job
#
# Exit 77 (ctest: skipped) with the reason when the scheduler is not installed or cannot start.
# CLUSTER_SWEEP holds the sweep's options [--quick].
set -euo pipefail
mode=$1 bin=$2 dir=$3 shards=${4:-4}
sweep=(${CLUSTER_SWEEP:---quick})

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# Merged results against the unsharded run: summaries byte for byte, every result file but its
# host-time line.
compare() {
	local got=$1 ref=$dir/ref
	"$bin" bench aggregate --no-plots "$got" >/dev/null
	cmp "$ref/summary.csv" "$got/summary.csv" || fail "$got/summary.csv differs from the unsharded run"
	cmp "$ref/summary.md" "$got/summary.md" || fail "$got/summary.md differs from the unsharded run"
	local n=0
	for f in "$ref"/*.json; do
		[ "$(basename "$f")" = summary.json ] && continue
		[ -f "$got/$(basename "$f")" ] || fail "$got lacks $(basename "$f")"
		cmp <(grep -v '"host"' "$f") <(grep -v '"host"' "$got/$(basename "$f")") >/dev/null ||
			fail "$(basename "$f") differs from the unsharded run"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no result files in $ref"
	echo "$n points merged from $got equal the unsharded run byte for byte"
}

reference() {
	rm -rf "$dir/ref" && mkdir -p "$dir"
	"$bin" bench cd-layouts "${sweep[@]}" --no-aggregate -j 2 --out "$dir/ref"
	"$bin" bench aggregate --no-plots "$dir/ref"
}

parallel_run() {
	command -v parallel >/dev/null || skip "GNU parallel is not installed (Debian package parallel, scripts/setup.sh)"
	[ -f "$dir/ref/summary.csv" ] || fail "no reference run in $dir/ref"
	local out=$dir/parallel
	rm -rf "$out"
	"$bin" bench cd-layouts "${sweep[@]}" --list | cut -d' ' -f1 |
		parallel --will-cite --halt now,fail=1 -j 2 "$bin" bench cd-layouts --point {} --out "$out" >/dev/null
	compare "$out"
}

# ---- a one-node Slurm ------------------------------------------------------------------------
pids=()
stop_all() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	pids=()
}

slurm_conf() { # conf dir port
	local conf=$1 d=$2 port=$3 node
	node=$(slurmd -C 2>/dev/null | head -n 1) || return 1
	case "$node" in NodeName=*) ;; *) return 1 ;; esac
	mkdir -p "$d/state" "$d/spool"
	cat >"$conf" <<EOF
ClusterName=smmusim
SlurmctldHost=$(hostname -s)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.sock
SlurmUser=$(id -un)
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
MailProg=/bin/true
ReturnToService=2
$node
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

slurm_start() { # d: munge, then slurmctld + slurmd on a free port pair; 0 when the node is idle
	local d=$1 port
	mkdir -p "$d/munge" && chmod 755 "$d/munge"
	mungekey --create --keyfile="$d/munge/munge.key" >/dev/null 2>&1 || return 1
	munged -F --key-file="$d/munge/munge.key" --socket="$d/munge/munge.sock" --pid-file="$d/munge/munged.pid" \
		--log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do [ -S "$d/munge/munge.sock" ] && break; sleep 0.1; done
	[ -S "$d/munge/munge.sock" ] || return 1
	# another test (or helper) may hold a port: a few pairs above 20000
	for try in 1 2 3; do
		port=$((20000 + (RANDOM % 10000) * 2))
		slurm_conf "$d/slurm.conf" "$d" "$port" || return 1
		export SLURM_CONF=$d/slurm.conf
		slurmctld -D -f "$SLURM_CONF" >"$d/slurmctld.out" 2>&1 &
		local ctld=$!
		pids+=($ctld)
		slurmd -D -f "$SLURM_CONF" >"$d/slurmd.out" 2>&1 &
		local sd=$!
		pids+=($sd)
		for _ in $(seq 100); do
			[ "$(sinfo -h -N -o %t 2>/dev/null | head -n 1)" = idle ] && return 0
			kill -0 "$ctld" 2>/dev/null && kill -0 "$sd" 2>/dev/null || break
			sleep 0.1
		done
		kill "$sd" "$ctld" 2>/dev/null || true
		wait "$sd" "$ctld" 2>/dev/null || true
		pids=("${pids[@]:0:${#pids[@]}-2}")
	done
	return 1
}

slurm_run() {
	for t in slurmctld slurmd sbatch squeue sinfo munged mungekey; do
		command -v "$t" >/dev/null || skip "$t is not installed (Debian packages slurm-wlm and munge, scripts/setup.sh)"
	done
	[ -f "$dir/ref/summary.csv" ] || fail "no reference run in $dir/ref"
	local out job
	d=$(mktemp -d /tmp/smmusim-slurm-XXXXXX)
	chmod 755 "$d" # munged wants every directory above its socket open to all
	trap 'stop_all; rm -rf "$d"' EXIT
	if ! slurm_start "$d"; then
		local why
		why=$(tail -n 3 "$d"/slurmctld.log "$d"/slurmd.log "$d"/slurmctld.out "$d"/slurmd.out 2>/dev/null | tr '\n' ' ' | cut -c1-400)
		skip "the one-node Slurm did not start: ${why:-no log}"
	fi
	out=$dir/slurm
	rm -rf "$out" && mkdir -p "$out/log"
	job=$(sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 --output="$out/log/shard-%a.out" \
		--error="$out/log/shard-%a.err" --wrap \
		"$bin bench cd-layouts ${sweep[*]} --shard \$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT --out $out")
	echo "job array $job: $shards shards"
	for _ in $(seq 3000); do # up to 10 minutes
		[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
		sleep 0.2
	done
	[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] || fail "job $job still queued or running after 10 minutes"
	for ((i = 0; i < shards; i++)); do
		grep -q ", 0 failed;" "$out/log/shard-$i.err" 2>/dev/null ||
			fail "shard $i did not finish cleanly: $(cat "$out/log/shard-$i.err" 2>/dev/null | tail -n 3)"
	done
	compare "$out"
}

case $mode in
reference) reference ;;
parallel) parallel_run ;;
slurm) slurm_run ;;
*) fail "mode must be reference, slurm or parallel" ;;
esac
