#!/usr/bin/env bash
# npm test: the whole suite, in phases, each with its wall and CPU time; the last line is "N passed, N failed".
#   tools first; then two lanes side by side (the machine has two cores). Alone, test:fast keeps ~1.7 cores busy,
#   test:api ~1.3, fuzz ~1 (Schemathesis is one Python process); chaos and browser mostly wait on processes, timers
#   and reviews. So each waiting phase runs beside a busy one: fuzz (lane 1) beside the browser flows and chaos
#   (lane 2). test:api, the longest phase, starts as soon as the builds are done, with the typecheck beside it.
#     lane 1   builds    the workflow bundle (built ONCE for every stack and tier), the client packages, the
#                        console, layers, the generated reference pages are up to date
#              test:api  one shared stack, a slot (sandbox account + worker) per fork, files in parallel; ends
#                        asserting zero request violations at the sandbox
#              fuzz      Schemathesis over every operation, then the cross-tenant and read-key sweeps
#     lane 2   typecheck
#              test:fast no stack: unit, time-skipping workflow tests, replay, the sandbox's contract
#              browser   the console's flows in Chromium
#              chaos     each process killed mid-job, at observed progress
# A failing phase doesn't stop the others (one run reports every failure); failing tools or builds do.
set -uo pipefail
cd "$(dirname "$0")/.."
export run=.cache/test-run
rm -rf "$run" && mkdir -p "$run"
export WORKFLOW_BUNDLE_PATH="$PWD/.cache/workflow-bundle.js"
export TEST_COUNTS_FILE="$PWD/$run/counts"
: >"$TEST_COUNTS_FILE"

# phase NAME CMD...: runs CMD (a command or one of the functions below), records wall time, CPU time, result.
phase() {
  local name=$1 start=$SECONDS rc cpu
  shift
  echo "── $name" >&2
  /usr/bin/time -f '%U %S' -o "$run/$name.cpu" bash -c '"$@"' _ "$@"
  rc=$?
  cpu=$(awk '{printf "%d", $1 + $2}' "$run/$name.cpu" 2>/dev/null)
  echo "$name $((SECONDS - start)) ${cpu:-0} $rc" >>"$run/phases"
  return "$rc"
}

# The slow tier's checks: the fuzz run and the chaos run count as one each, the browser flows one per flow.
counted() {
  local name=$1
  shift
  "$@" 2>&1 | tee "$run/$name.log"
  local rc=${PIPESTATUS[0]} flows=''
  # Playwright's list reporter ends with "  15 passed (1.5m)".
  [ "$name" = browser ] && flows=$(grep -oE '^ *[0-9]+ passed' "$run/$name.log" | tail -1 | tr -dc 0-9)
  echo "$name ${flows:-$([ "$rc" = 0 ] && echo 1 || echo 0)} $([ "$rc" = 0 ] && echo 0 || echo 1) 0" >>"$TEST_COUNTS_FILE"
  return "$rc"
}

builds() {
  npm run --silent build:workflows -- "$WORKFLOW_BUNDLE_PATH" && npm run --silent build:packages && npm run --silent build:web &&
    npm run --silent check:layers && npm run --silent docs:check
}
tier() { TEST_TIER=$1 npx vitest run --project "${1#test:}" "${@:2}"; }
export -f counted builds tier

# API_FORKS: test:api's forks (and slots). Its files mostly wait (reviews, polls, retries): in full runs three forks
# took the tier 538 s, four 423–487 s, five 313 s, for the same CPU (test:fast beside it slows 200 → 279 s).
lane1() {
  phase builds builds || return 1
  touch "$run/builds.ok"
  phase test:api tier test:api --maxWorkers "${API_FORKS:-5}"
  phase fuzz counted fuzz npm run --silent fuzz
}
# vitest's default is one fork fewer than the cores: one on this 2-core machine, where the tier's time-skipping files
# mostly wait on their test servers. Two forks (or the default, on a larger machine) overlap those waits.
fast_forks=$(($(nproc) > 3 ? $(nproc) - 1 : 2))
lane2() {
  phase typecheck npm run --silent typecheck
  # Everything after needs lane 1's builds (the workflow bundle; the console for the browser flows), which take
  # less time than the typecheck; a failed build is reported there, once.
  wait_for_builds || return 1
  phase test:fast tier test:fast --maxWorkers "$fast_forks"
  phase browser counted browser npm run --silent test:browser
  phase chaos counted chaos npm run --silent chaos
}
wait_for_builds() {
  while [ ! -e "$run/builds.ok" ]; do
    grep -q '^builds ' "$run/phases" 2>/dev/null && return 1 # ended without its marker: it failed
    sleep 1
  done
}

# Runs each function in the background, its output kept apart and printed whole when it ends.
side_by_side() {
  local names=("$@") pids=() i
  for i in "${!names[@]}"; do
    ("${names[$i]}" >"$run/${names[$i]}.out" 2>&1) &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    echo "════ ${names[$i]}"
    cat "$run/${names[$i]}.out"
  done
}

summary() {
  local passed=0 failed=0 name secs cpu rc p f
  echo
  echo "phase            wall      cpu  result"
  while read -r name secs cpu rc; do
    printf '%-16s %4d s  %5d s  %s\n' "$name" "$secs" "$cpu" "$([ "$rc" = 0 ] && echo ok || echo FAILED)"
    # A phase that failed without a test count of its own (typecheck, a tier that didn't start) is one failure.
    [ "$rc" = 0 ] || grep -q "^$name " "$TEST_COUNTS_FILE" || failed=$((failed + 1))
  done <"$run/phases"
  printf '%-16s %4d s\n' total "$SECONDS"
  while read -r name p f _; do
    echo "$name: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
  done <"$TEST_COUNTS_FILE"
  echo "$passed passed, $failed failed"
}
# When a phase failed, its failure lines again, just above the summary: CI keeps only the end of a run's output.
failures() {
  awk '$4 != 0 { bad = 1 } END { exit !bad }' "$run/phases" || return 0
  echo
  echo "failures (the lines naming them; each phase's whole output is above):"
  sed 's/\x1b\[[0-9;]*m//g' "$run"/*.out 2>/dev/null |
    grep -E '^ *(×|✘) |^ *FAIL |error TS[0-9]+|^ +[0-9]+\) |AssertionError|Test timed out|did not run|[0-9]+ (failed|flaky)$|^ +(Error|Locator|Expected|Received)[: ]|^ +> +[0-9]+ \|' |
    cut -c1-300 | head -80
}
finish() {
  failures
  summary | tee "$run/summary"
  ! awk '$4 != 0 { bad = 1 } END { exit !bad }' "$run/phases"
}

if phase tools npm run --silent tools; then side_by_side lane1 lane2; fi
finish
