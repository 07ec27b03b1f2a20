#!/usr/bin/env bash
# The CUDA checks in one prepared run, for a lent GPU machine (CUDA, PyTorch 2.x with its LibTorch,
# CMake and ninja; no Qt, no internet, a 15-minute budget). In order, each under its own time limit:
#   1. build core + recforge-cli against PyTorch's LibTorch (build-cuda/);
#   2. Hugging Face parity on the GPU: the three tests/fixtures/hf-parity models, float32 logits and
#      greedy tokens, bf16 compute (scripts/device_parity.py, the Qt suite's tolerances);
#   3. generation speed, then GRPO steps, on a Qwen2.5-0.5B-shaped model with random weights
#      (bench/configs/qwen2.5-0.5b.json): 8 prompts x 8 completions, 600 prompt + 256 new tokens, bf16,
#      with shared prompts and without (--no-shared-prompts), then with beta 0.04 and mu 2 so that the
#      reference and old log-prob passes show in the step split;
#   4. with --demo (and --skip-bench for a second call on the still-warm machine): the demo with SFT, GRPO
#      and the evaluations on the GPU (`recforge-cli demo --device cuda`; its base model is pretrained on
#      the CPU), its table and checks.
# Everything lands in $OUT (device-out/ when unset): build.log, check.log, parity.jsonl, bench.jsonl,
# gpu_mem.txt, demo.log.
#
#   here, once:  scripts/device_check.sh --fetch-deps   # the Debian .debs that machine lacks -> .dev/debs
#   there:       run(command="bash scripts/device_check.sh", carry=[".dev"], timeout_s=590), then
#                run(command="bash scripts/device_check.sh --skip-bench --demo", carry=[".dev"]) at once
#   a dry run on this machine's CPU, tiny shapes:  scripts/device_check.sh --device cpu --quick
set -uo pipefail

device=cuda
quick=0
fetch=0
skip_bench=0
demo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=${2:?--device needs cpu, cuda or cuda:N}; shift ;;
    --quick) quick=1 ;;
    --fetch-deps) fetch=1 ;;
    --skip-bench) skip_bench=1 ;;
    --demo) demo=1 ;;
    *) echo "device_check.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# nlohmann-json (headers) and SQLite (headers, the library) are Debian packages that the GPU image
# does not have; they travel as .debs and are unpacked outside / (unpacking there can break the image).
debs=.dev/debs
if [ "$fetch" = 1 ]; then
  mkdir -p "$debs"
  (cd "$debs" && apt-get download nlohmann-json3-dev libsqlite3-dev libsqlite3-0) || exit 1
  ls -l "$debs"
  exit 0
fi

out=${OUT:-device-out}
mkdir -p "$out"
log=$out/check.log
: >"$log"
[ "$skip_bench" = 1 ] || : >"$out/bench.jsonl"
say() { echo "[$(date +%T)] $*" | tee -a "$log"; }
start=$(date +%s)
say "device_check: device $device, quick $quick, $(nproc) cores"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee -a "$log"

# 1. Build. On this machine (--device cpu) the dry run still builds from the unpacked .debs, so that
# the path the GPU machine takes is the one tried here.
deps=/tmp/recforge-deps
rm -rf "$deps" && mkdir -p "$deps"
for f in "$debs"/*.deb; do
  [ -e "$f" ] || { say "no .debs in $debs: run scripts/device_check.sh --fetch-deps first and carry .dev"; exit 1; }
  dpkg-deb -x "$f" "$deps" || exit 1
done
torch_prefix=$(python3 -c "import torch; print(torch.utils.cmake_prefix_path)" 2>/dev/null)
build=build-cuda
cmake_args=(-S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRECFORGE_WITH_QT=OFF
  "-DCMAKE_PREFIX_PATH=${torch_prefix:+$torch_prefix;}$deps/usr"
  "-DSQLite3_INCLUDE_DIR=$deps/usr/include"
  "-DSQLite3_LIBRARY=$deps/usr/lib/x86_64-linux-gnu/libsqlite3.so")
[ -d /usr/local/cuda ] && cmake_args+=(-DCUDAToolkit_ROOT=/usr/local/cuda)
say "torch: ${torch_prefix:-Debian libtorch (no python torch)}"
if ! timeout 400 cmake "${cmake_args[@]}" >"$out/build.log" 2>&1 ||
   ! timeout 400 cmake --build "$build" -j "$(nproc)" --target recforge-cli >>"$out/build.log" 2>&1; then
  say "build failed (last lines of build.log follow)"
  tail -40 "$out/build.log"
  exit 1
fi
export LD_LIBRARY_PATH=$deps/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
cli=$build/recforge-cli
say "built in $(( $(date +%s) - start )) s"
"$cli" info 2>&1 | tee -a "$log"

# 2. Parity.
timeout 120 python3 scripts/device_parity.py "$cli" tests/fixtures "$device" | tee "$out/parity.jsonl"
parity_rc=${PIPESTATUS[0]}
say "parity rc $parity_rc"

# 3. Benchmarks, one JSON object per line, each tagged with what it ran.
model=bench/configs/qwen2.5-0.5b.json
dtype=bfloat16
if [ "$quick" = 1 ]; then
  model=bench/configs/llama-4m.json; dtype=float32
  shape=(--prompts 2 --generations 2 --prompt-len 32 --new-tokens 16 --steps 1 --warmup 0 --micro-batch 0)
  gen_shape=(--batch 4 --prompt-len 32 --new-tokens 16 --repeat 1 --warmup 0)
else
  shape=(--prompts 8 --generations 8 --prompt-len 600 --new-tokens 256 --steps 3 --warmup 1 --micro-batch 16)
  gen_shape=(--batch 64 --prompt-len 600 --new-tokens 256 --repeat 3 --warmup 1 --sample)
fi
bench() {  # bench LABEL LIMIT_S ARGS...
  local label=$1 limit=$2; shift 2
  say "bench $label"
  local json sampler=""
  if command -v nvidia-smi >/dev/null; then  # the GPU's memory in use, every 200 ms, for the peak
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 >"$out/gpu_mem.txt" 2>/dev/null &
    sampler=$!
  fi
  json=$(timeout "$limit" "$cli" bench "$@" --device "$device" --dtype "$dtype" 2>>"$log")
  local rc=$?
  if [ -n "$sampler" ]; then
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
    local peak
    peak=$(sort -n "$out/gpu_mem.txt" | tail -1)
    [ -n "$peak" ] && [ -n "$json" ] &&
      json=$(echo "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); d['peak_gpu_mb']=$peak; print(json.dumps(d))")
  fi
  if [ $rc -ne 0 ] || [ -z "$json" ]; then
    say "bench $label failed: rc $rc"
    echo "{\"label\":\"$label\",\"rc\":$rc}" >>"$out/bench.jsonl"
    return
  fi
  echo "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); d['label']='$label'; print(json.dumps(d))" \
    >>"$out/bench.jsonl"
  echo "$json" | python3 -c "
import json,sys; d=json.load(sys.stdin)
d.update({k + '_s': v for k, v in d.get('split_s', {}).items()})
keys=('step_time_s','generation_s','reward_s','logprob_s','update_s','rollout_tokens_per_s','train_tokens_per_s',
      'decode_tokens_per_s','prefill_tokens_per_s','peak_gpu_mb','peak_rss_mb')
print('  ', ', '.join(f'{k} {d[k]:.4g}' for k in keys if isinstance(d.get(k),(int,float))))" | tee -a "$log"
}
if [ "$skip_bench" = 0 ]; then
  bench generate 150 generate --config "$model" "${gen_shape[@]}"
  bench grpo_shared 200 grpo --config "$model" "${shape[@]}"
  bench grpo_rows 200 grpo --config "$model" "${shape[@]}" --no-shared-prompts
  bench grpo_beta_mu2 200 grpo --config "$model" "${shape[@]}" --beta 0.04 --iterations 2
fi

# 4. The demo, its runs on the device.
if [ "$demo" = 1 ]; then
  demo_args=(--project /tmp/recforge-device-demo --device "$device" --json)
  [ "$quick" = 1 ] && demo_args+=(--pretrain-steps 20 --sft-steps 4 --grpo-steps 2 --eval-users 10)
  say "demo ${demo_args[*]}"
  timeout 480 "$cli" demo "${demo_args[@]}" >"$out/demo.log" 2>&1
  say "demo rc $?"
  grep '"event":"demo"' "$out/demo.log" | tail -20 | tee -a "$log"
  grep '"event":"summary"' "$out/demo.log" | tee -a "$log"
fi
say "done in $(( $(date +%s) - start )) s"
exit "$parity_rc"
