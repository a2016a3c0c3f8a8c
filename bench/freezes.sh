#!/usr/bin/env bash
# Acknowledged writes lost over ten freezes (SIGSTOP of the master's whole task) of 2, 3, 5 and
# 8 s in each failover mode: the chaos soak with one nemesis at a fixed length. Prints one line
# per run (mode, freeze, acknowledged, lost, slots with two writable nodes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
for mode in sentinel zookeeper; do
  for ms in 2000 3000 5000 8000; do
    line=$(node tools/chaos/dist/chaos.mjs --mode "$mode" --seed "$ms" --nemesis "freeze-master-task:$ms" --rounds "${ROUNDS:-10}" --json | tail -n 1)
    node -e 'const s = JSON.parse(process.argv[1]); console.log(`${s.mode.padEnd(9)} freeze ${process.argv[2]} ms x ${s.nemeses}: acknowledged ${s.acknowledged}, lost ${s.lost}, two writable ${s.twoWritableSlots} slots, longest without a writable master ${s.longestWithoutWritableMasterMs} ms`)' "$line" "$ms"
  done
done
