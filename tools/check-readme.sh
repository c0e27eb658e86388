#!/usr/bin/env bash
# Every example in the README runs as pasted: each ```jsonc block is loaded (a scenario is run
# and must pass; a reference configuration must load) and each ```sh block is executed.
#
#   tools/check-readme.sh TRUNKLAB [README]
#
# The examples use the fixed port 127.0.0.1:5060: run this in a network namespace of its own
# (tests/interop/in_netns.sh, as its CTest does) so it shares no port with other tests.
#
# A block may be preceded (on the line before its fence) by an HTML comment the README does not
# render, `<!-- check-readme: DIRECTIVE -->`:
#   setup: COMMANDS    run first in the same shell: the prerequisites an example needs, such as
#                      the system under test it points at
#   server: SECONDS    the block runs a server in the foreground: still running after SECONDS
#                      is a success (it is then stopped with SIGINT); exiting earlier must be 0
#   needs-root: WHY    run only as root (live capture)
#   skip: WHY          not run
# ```sh blocks run with `bash -e -o pipefail` in a scratch folder laid out like a checkout
# (build/ is the build folder of TRUNKLAB; scenarios/ and tools/ are copies), each within
# kBlockSeconds; background jobs are stopped when the block ends. Other fences (output,
# ladders, the layout) are not commands.
set -euo pipefail
trunklab=$(realpath "$1")
src=$(cd "$(dirname "$0")/.." && pwd)
readme=$(realpath "${2:-$src/README.md}")
kBlockSeconds=120
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# blocks/NNN.LANG with the block, NNN.line its line in the README, NNN.directive the directive.
mkdir -p "$work/blocks"
awk -v dir="$work/blocks" '
  function flush_directive() { directive = "" }
  /^<!-- check-readme: .* -->$/ { directive = $0; sub(/^<!-- check-readme: /, "", directive); sub(/ -->$/, "", directive); next }
  !inside && /^```/ {
    lang = substr($0, 4); inside = 1; n++
    name = sprintf("%s/%03d", dir, n)
    file = name "." (lang == "" ? "none" : lang)
    printf "" > file
    print NR + 1 > (name ".line")
    print directive > (name ".directive")
    flush_directive(); next
  }
  inside && /^```$/ { inside = 0; close(file); next }
  inside { print >> file; next }
  { flush_directive() }
' "$readme"

# The scratch checkout.
mkdir -p "$work/checkout"
ln -s "$(dirname "$trunklab")" "$work/checkout/build"  # the build folder: trunklab and the tests
cp -r "$src/scenarios" "$src/tools" "$work/checkout/"

failed=0 checked=0
report() {  # report STATUS BLOCK-NAME WHAT
  echo "$1 $(basename "$readme"):$(cat "$2.line") $3"
}

check_jsonc() {  # a scenario runs and passes; a configuration loads
  local block=$1 name=$2 file
  file="$work/checkout/readme-$(basename "$name").json"
  if grep -q '"parties"' "$block"; then
    cp "$block" "$file"
    what="scenario"
  else
    # As a scenario's "reference": the same reader as `serve --config`, and no socket opens.
    { echo '{ "parties": {}, "reference":'; cat "$block"; echo '}'; } > "$file"
    what="configuration"
  fi
  if (cd "$work/checkout" && build/trunklab run "$file") > "$name.log" 2>&1; then
    report PASS "$name" "$what loads$([ "$what" = scenario ] && echo " and passes")"
  else
    report FAIL "$name" "$what"; cat "$name.log"; failed=1
  fi
}

check_sh() {
  local block=$1 name=$2 directive=$3
  local script="$name.run.sh" seconds=$kBlockSeconds server=""
  {
    # shellcheck disable=SC2016 # written into the block's script, expanded there
    echo 'trap '\''kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true'\'' EXIT'
    case $directive in setup:*) echo "${directive#setup: }" ;; esac
    cat "$block"
  } > "$script"
  case $directive in server:*) server=1 seconds=${directive#server: } ;; esac
  local status=0
  (cd "$work/checkout" && timeout -s INT "$seconds" bash -e -o pipefail "$script") > "$name.log" 2>&1 || status=$?
  if [ "$status" -eq 0 ] || { [ -n "$server" ] && [ "$status" -eq 124 ]; }; then
    report PASS "$name" "commands ran$([ -n "$server" ] && echo " (server up for ${seconds}s)")"
  else
    report FAIL "$name" "commands exited $status$([ "$status" -eq 124 ] && echo " (timed out after ${seconds}s)")"
    cat "$block"; echo "-- output:"; cat "$name.log"; failed=1
  fi
}

for block in "$work"/blocks/*.*; do
  case $block in *.line | *.directive | *.log | *.run.sh) continue ;; esac
  name=${block%.*} lang=${block##*.}
  directive=$(cat "$name.directive")
  case $lang in jsonc | sh) ;; *) continue ;; esac
  case $directive in
    skip:*) report SKIP "$name" "(${directive#skip: })"; continue ;;
    needs-root:*)
      if [ "$(id -u)" -ne 0 ]; then report SKIP "$name" "(not root: ${directive#needs-root: })"; continue; fi ;;
  esac
  checked=$((checked + 1))
  if [ "$lang" = jsonc ]; then check_jsonc "$block" "$name"; else check_sh "$block" "$name" "$directive"; fi
done
echo "$checked README example(s) checked"
[ "$checked" -gt 0 ] || { echo "FAIL: no example found in $readme"; exit 1; }
exit "$failed"
