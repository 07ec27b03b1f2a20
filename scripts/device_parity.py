#!/usr/bin/env python3
"""Hugging Face parity of recforge-cli on one device (the GPU check of scripts/device_check.sh).

The Qt Test suite (tests/model) checks the same fixtures on the CPU; a GPU machine has no Qt, so this
runs the command-line tools instead and applies the suite's tolerances to their JSON:
  float32 logits within 1e-4 of transformers' at every position, greedy tokens (16, cached) equal;
  bfloat16 compute within 0.2 with >= 80 % of the argmaxes equal (llama, as bf16_compute_is_close).
Standard library only: the check must run on a machine where nothing can be installed.

usage: device_parity.py CLI FIXTURES DEVICE   (prints one JSON line per check, exits 1 if any fails)
"""
import json
import subprocess
import sys


def cli_json(cli, args):
    out = subprocess.run([cli] + args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def max_abs_diff(rows_a, rows_b):
    worst = 0.0
    for row_a, row_b in zip(rows_a, rows_b, strict=True):
        for a, b in zip(row_a, row_b, strict=True):
            worst = max(worst, abs(a - b))
    return worst


def argmax(row):
    return max(range(len(row)), key=row.__getitem__)


def check_arch(cli, fixtures, device, arch):
    model = f"{fixtures}/hf-parity/{arch}"
    with open(f"{model}/reference.json") as f:
        ref = json.load(f)
    results = []
    for p, prompt in enumerate(ref["input_ids"]):
        ids = ",".join(str(i) for i in prompt)
        logits = cli_json(cli, ["logits", "--model", model, "--ids", ids, "--device", device])["logits"]
        diff = max_abs_diff(logits, ref["logits"][p])
        results.append({"check": "logits_fp32", "arch": arch, "prompt": p, "max_abs_diff": diff, "ok": diff <= 1e-4})
        gen = cli_json(cli, ["generate", "--model", model, "--ids", ids, "--max-new-tokens", "16", "--no-eos",
                             "--greedy", "--json", "--device", device])
        same = gen["tokens"] == ref["greedy_cached"][p]
        results.append({"check": "greedy_fp32", "arch": arch, "prompt": p, "tokens": gen["tokens"], "ok": same})
    if arch == "llama":
        prompt = ref["input_ids"][1]
        ids = ",".join(str(i) for i in prompt)
        logits = cli_json(cli, ["logits", "--model", model, "--ids", ids, "--device", device,
                                "--dtype", "bfloat16"])["logits"]
        diff = max_abs_diff(logits, ref["logits"][1])
        agree = sum(argmax(a) == argmax(b) for a, b in zip(logits, ref["logits"][1])) / len(logits)
        results.append({"check": "logits_bf16", "arch": arch, "prompt": 1, "max_abs_diff": diff,
                        "argmax_agreement": agree, "ok": diff <= 0.2 and agree >= 0.8})
    return results


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[-1].strip())
    cli, fixtures, device = sys.argv[1:]
    failed = 0
    for arch in ("qwen2", "qwen3", "llama"):
        try:
            results = check_arch(cli, fixtures, device, arch)
        except (subprocess.CalledProcessError, json.JSONDecodeError, KeyError, ValueError) as e:
            stderr = getattr(e, "stderr", "") or ""
            results = [{"check": "run", "arch": arch, "error": f"{e} {stderr.strip()}", "ok": False}]
        for r in results:
            print(json.dumps(r), flush=True)
            failed += not r["ok"]
    print(json.dumps({"check": "parity_summary", "device": device, "failed": failed}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
