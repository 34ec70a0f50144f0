#!/bin/bash
# run-fuzzers.sh BUILD_DIR [SECONDS]: runs every libFuzzer target of
# BUILD_DIR (set up with -Dfuzzing=true, see tests/fuzz/meson.build) for
# SECONDS each (default 60), one process each, FUZZ_JOBS of them at a time
# (default: the number of processors); reports come in the targets' order.
#
# Each target works on a copy of its seed corpus (tests/fuzz/corpus/NAME)
# in a temporary directory, which is also its TMPDIR: nothing is written
# into the source tree.  A single input that takes more than 10 s fails
# (a matcher gone quadratic), as does one that needs more than 2 GB.
#
# FUZZ_SEED=N fixes libFuzzer's seed, so that a run (CI's) can be
# repeated input for input; unset, each run explores anew.
#
# Exits 0 when no target crashed, leaked, timed out, ran out of memory or
# failed a check (a round-trip mismatch is a failed check); otherwise names
# each failure with its stack and input, keeps the work directory (its
# path is printed) and exits 1.  Installs nothing.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)

# name and the longest input (-max_len) for each target
targets=(
  "autossh-args 4096"
  "autossh-env 4096"
  "settings-roundtrip 4096"
  "keyfile-load 8192"
  "ssh-messages 262144"
  "askpass-protocol 20000"
  "mux-reply 20000"
)

work=$(mktemp -d "${TMPDIR:-/tmp}/asd-fuzz-run.XXXXXX") || exit 1
failed=()

stat_of() {  # stat_of LOG NAME: a -print_final_stats=1 value
  sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

run_target() {  # run_target "NAME MAX_LEN": prints its report; 1 when it failed
  local name max_len exe dir log extra status artifacts kind
  read -r name max_len <<<"$1"
  exe=$build/tests/fuzz/fuzz-$name
  dir=$work/$name
  log=$dir/log

  if [ ! -x "$exe" ]; then
    echo "FAIL $name: $exe is not built (meson setup with -Dfuzzing=true)"
    return 1
  fi
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  cp -R "$here/corpus/$name/." "$dir/corpus/"
  extra=()   # -dict, -seed
  if [ -f "$here/$name.dict" ]; then
    extra=("-dict=$here/$name.dict")
  fi
  if [ -n "${FUZZ_SEED:-}" ]; then
    extra+=("-seed=$FUZZ_SEED")
  fi

  echo "== $name: ${seconds}s, -max_len=$max_len"
  TMPDIR=$dir/tmp \
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$max_len" -print_final_stats=1 "${extra[@]}" \
      -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$log" 2>&1
  status=$?

  artifacts=("$dir"/artifacts/*)
  [ -e "${artifacts[0]}" ] || artifacts=()
  if [ $status -eq 0 ] && [ ${#artifacts[@]} -eq 0 ]; then
    echo "ok $name: $(stat_of "$log" number_of_executed_units) runs," \
         "$(stat_of "$log" average_exec_per_sec) exec/s," \
         "$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)," \
         "corpus $(find "$dir/corpus" -type f | wc -l) files," \
         "slowest input $(stat_of "$log" slowest_unit_time_sec) s, peak RSS $(stat_of "$log" peak_rss_mb) MB"
    return 0
  fi

  # What went wrong: libFuzzer names its artifacts by kind.
  kind="exit status $status"
  case "$(basename "${artifacts[0]:-none}")" in
    crash-*) kind=crash ;;
    leak-*) kind=leak ;;
    timeout-*) kind="timeout (> 10 s for one input)" ;;
    oom-*) kind="out of memory (> 2048 MB)" ;;
  esac
  if grep -q '^fuzz: .*differ\|^fuzz: .*do not\|^fuzz: .*were not' "$log"; then
    kind="round-trip mismatch ($(grep -m1 '^fuzz: ' "$log" | cut -c7-))"
  elif grep -q 'check failed:' "$log"; then
    kind="failed check ($(grep -m1 -o 'check failed: .*' "$log"))"
  elif grep -q '^fuzz: a GLib critical' "$log"; then
    kind="GLib critical or warning"
  fi
  echo "FAIL $name: $kind"
  echo "---- $log (from the first report):"
  sed -n '/==[0-9]*==ERROR\|^fuzz: \|check failed\|CRITICAL\|WARNING\|runtime error\|ALARM\|out-of-memory/,$p' "$log" | head -n 80
  for artifact in "${artifacts[@]}"; do
    echo "---- input $artifact ($(stat -c %s "$artifact") bytes, first 512 shown):"
    head -c 512 "$artifact" | od -A d -c | head -n 40
  done
  return 1
}

jobs=${FUZZ_JOBS:-$(nproc)}
for entry in "${targets[@]}"; do
  read -r name _ <<<"$entry"
  mkdir -p "$work/$name"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n
  done
  ( run_target "$entry" >"$work/$name/report" 2>&1; echo $? >"$work/$name/status" ) &
done
wait
for entry in "${targets[@]}"; do
  read -r name _ <<<"$entry"
  cat "$work/$name/report"
  if [ "$(cat "$work/$name/status")" != 0 ]; then
    failed+=("$(grep -m1 "^FAIL " "$work/$name/report" | cut -d" " -f2-)")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzzing failed; logs and inputs kept in $work:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
rm -rf "$work"
echo "== all ${#targets[@]} fuzz targets ran ${seconds}s each without a failure"
exit 0
