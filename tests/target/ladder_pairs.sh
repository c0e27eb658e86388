# shellcheck shell=bash
# Sourced by parity_test.sh (and ladder_pairs_test.sh): a golden ladder or wire.txt as the
# sequence of messages between each pair of parties, for comparing a real-time run with the
# virtual one.
#
# On real sockets, which of two datagrams sent to different parties is read first is up to the
# kernel, not the system under test, so messages are grouped by pair of parties; within a pair
# the order is kept exactly (no sort, no uniq): a reordered or duplicated request differs.
# Retransmissions are timing (real time retransmits when virtual time did not, or the reverse):
# exactly the lines the ladder marks "(retransmission)" are left out, nothing else.

# "a~b<TAB>src -> dst label" per message, in file order; a~b names the pair either way round.
ladder_pair_lines() {
  sed -E 's/^ *[0-9.]+s +//' "$1" | grep -v -- '  (retransmission)' |
    awk '{ a = $1; b = $3; if (b < a) { t = a; a = b; b = t } print a "~" b "\t" $0 }'
}

# Every pair's messages in order, the pairs by name: "== a~b" then its lines.
ladder_by_pair() {
  local lines pair
  lines=$(ladder_pair_lines "$1")
  for pair in $(printf '%s\n' "$lines" | cut -f1 | sort -u); do
    echo "== $pair"
    printf '%s\n' "$lines" | awk -F'\t' -v p="$pair" '$1 == p { print $2 }'
  done
}
