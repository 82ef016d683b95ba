#!/usr/bin/env bash
# The multi-tenant serving targets, measured: `cinder serve` (llama160m Q8_0 at a real shape, random weights,
# --parallel 8, 2 threads) driven by `cinder loadtest` over loopback.
#
#   bench/tenants.sh [MODELS_DIR]       (default: ${CINDER_BENCH_MODELS:-/tmp/cinder-bench-models})
#
#  1. throughput: one stream, then eight concurrent streams (128 generated tokens each), alternating, three rounds:
#     median aggregate tokens/s of each and the ratio;
#  2. flood: tenant "flood" sends far more than the server can take while tenant "calm" sends one request every
#     two seconds: the flooder's 429s and 5xx count, and each tenant's median time to first token;
#  3. cancel: a client hangs up mid-stream; seconds until /metrics shows cinder_requests_running 0.
# Prints a Markdown table; the loadtest JSON reports are left in $OUT (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-${CINDER_BENCH_MODELS:-/tmp/cinder-bench-models}}
out=${OUT:-$(mktemp -d)}
mkdir -p "$dir" "$out"
dotnet build -c Release src/Cinder.Cli >/dev/null || { echo "error: building src/Cinder.Cli failed" >&2; exit 1; }
cinder="dotnet src/Cinder.Cli/bin/Release/net10.0/cinder.dll"
model="$dir/llama160m-q8_0.gguf"
[ -f "$model" ] || $cinder synth --shape llama160m --type q8_0 --vocab ../shared/vocab/ggml-vocab-llama-spm.gguf -o "$model" >&2

cat > "$out/keys.json" <<'EOF'
{"tenants": [
  {"name": "bench", "keys": ["sk-bench-0123456789"]},
  {"name": "flood", "keys": ["sk-flood-0123456789"], "max_concurrent": 12},
  {"name": "calm",  "keys": ["sk-calm-01234567890"]}
]}
EOF

$cinder serve -m "$model" -t 2 --parallel 8 --max-queue 16 --port 0 --api-keys "$out/keys.json" 2> "$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 600); do
  url=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$out/serve.log" | head -1)
  grep -qx ready "$out/serve.log" && [ -n "$url" ] && break
  sleep 0.1
done
url=${url%/}
[ -n "$url" ] || { echo "error: the server did not start:" >&2; cat "$out/serve.log" >&2; exit 1; }

# The load generator runs at the lowest CPU priority: on this 2-core machine it would otherwise take cycles from the
# server it measures (a client elsewhere would not).
load() { nice -n 19 $cinder loadtest --url "$url" --json "$@" 2>/dev/null; }

# 1. Throughput. A warm-up request first (JIT, first touches of the KV cache), then three rounds alternating one
#    stream and eight; the ratio of medians (a single pair swings with whatever else the machine does).
common=(--prompt-tokens fixed:32 --output-tokens fixed:128 --ignore-eos --rate 1000 --seed 1)
load --key sk-bench-0123456789 "${common[@]}" --requests 2 --concurrency-limit 1 > /dev/null
for round in 1 2 3; do
  load --key sk-bench-0123456789 "${common[@]}" --requests 4 --concurrency-limit 1 > "$out/one-$round.json"
  load --key sk-bench-0123456789 "${common[@]}" --requests 24 --concurrency-limit 8 > "$out/eight-$round.json"
done
median() { python3 -c "import json,statistics,sys; print(statistics.median(json.load(open(f))['overall']['output_tokens_per_s'] for f in sys.argv[1:]))" "$@"; }
one=$(median "$out"/one-*.json)
eight=$(median "$out"/eight-*.json)

# 2. Flood: 30 s of 20 requests/s from "flood" against one every 2 s from "calm".
load --tenant flood=sk-flood-0123456789,rate=20 --tenant calm=sk-calm-01234567890,rate=0.5 \
  --prompt-tokens fixed:64 --output-tokens fixed:64 --ignore-eos --duration 30 --seed 2 > "$out/flood.json"

# 3. Cancel: once the flood has drained, read one second of a long stream, hang up, time until nothing runs.
for _ in $(seq 1 600); do
  m=$(curl -s "$url/metrics")
  grep -qx "cinder_requests_running 0" <<< "$m" && grep -qx "cinder_requests_waiting 0" <<< "$m" && break
  sleep 0.1
done
curl -s -N --max-time 1 "$url/v1/completions" -H "Authorization: Bearer sk-bench-0123456789" -H "Content-Type: application/json" \
  -d '{"prompt": "Once upon a time", "max_tokens": 2000, "ignore_eos": true, "stream": true}' > /dev/null || true
start=$(date +%s.%N)
freed=""
for _ in $(seq 1 100); do
  m=$(curl -s "$url/metrics") # (not piped into grep -q: with pipefail, curl's broken pipe would fail the test)
  if grep -qx "cinder_requests_running 0" <<< "$m"; then freed=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')"); break; fi
  sleep 0.05
done

python3 - "$out" "$one" "$eight" "${freed:-never}" <<'EOF'
import json, sys
out, one, eight, freed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
flood = json.load(open(f"{out}/flood.json"))
by = {t["tenant"]: t for t in flood["tenants"]}
f, c = by["flood"], by["calm"]
five = sum(n for k, n in f["errors_by_kind"].items() if k.startswith("http_5")) + sum(n for k, n in c["errors_by_kind"].items() if k.startswith("http_5"))
ft, ct = f["ttft_ms"]["p50"] / 1000, c["ttft_ms"]["p50"] / 1000
print("| measure | value | target |")
print("|---|---|---|")
print(f"| one stream, output tokens/s (median of 3) | {one:.1f} | |")
print(f"| eight streams, aggregate output tokens/s (median of 3) | {eight:.1f} | |")
print(f"| eight / one | {eight / one:.2f}x | at least 3x |")
print(f"| flood: sent, ok, shed (429), 5xx | {f['sent']}, {f['ok']}, {f['shed']}, {five} | 429s, no 5xx |")
print(f"| calm: sent, ok, shed | {c['sent']}, {c['ok']}, {c['shed']} | |")
print(f"| time to first token p50: calm / flood | {ct:.3f} s / {ft:.3f} s = {ct / ft:.2f} | under 0.5 |")
print(f"| cancelled stream's slot freed after | {freed} s | within 2 s |")
EOF
