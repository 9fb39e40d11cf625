#!/usr/bin/env bash
# Runs one pulumi command on every shard's stack of this project at once, each output line
# prefixed by its stack; exits non-zero when any shard failed.
#
#   SHARDS=3 ./shards.sh init             # stacks shard-0 … shard-2, each with sharded:shardCount 3
#   SHARDS=3 ./shards.sh up --yes         # pulumi up --yes --stack shard-<i>, all shards concurrently
#   SHARDS=3 ./shards.sh preview --expect-no-changes
#
# SHARD_STACK_PREFIX changes the stack names (default "shard-"). The shards share the machine's
# emnify rate budget by themselves (the provider's rate ledger): no other coordination is needed.
set -euo pipefail
count="${SHARDS:?set SHARDS to the number of shards}"
prefix="${SHARD_STACK_PREFIX:-shard-}"
[ "$#" -ge 1 ] || { echo "usage: SHARDS=<n> $0 init | <pulumi command> [flags...]" >&2; exit 2; }
cd "$(dirname "$0")"

if [ "$1" = init ]; then
  for ((i = 0; i < count; i++)); do
    pulumi stack select --create "$prefix$i" >/dev/null
    pulumi config set --stack "$prefix$i" sharded:shardCount "$count"
    echo "$prefix$i: shard $i of $count"
  done
  exit 0
fi

pids=()
for ((i = 0; i < count; i++)); do
  (
    set -o pipefail
    pulumi "$@" --stack "$prefix$i" 2>&1 | sed -u "s/^/[$prefix$i] /"
  ) &
  pids+=("$!")
done
failed=0
for ((i = 0; i < count; i++)); do
  if ! wait "${pids[$i]}"; then
    echo "$prefix$i: failed" >&2
    failed=1
  fi
done
exit "$failed"
