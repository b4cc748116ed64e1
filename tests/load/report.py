"""Turns the raw wrk outputs of one tests/load/run into RESULTS.md (ratios against the baseline of the same run)."""
import datetime, os, re, sys

raw, out, peak_kb, rss_kb, duration, connections, threads = sys.argv[1:8]

def parse(name):
    path = os.path.join(raw, name + ".txt")
    text = open(path).read()
    def ms(label):
        m = re.search(r"^\s*" + re.escape(label) + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not m:
            return None
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    total = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    n = int(total.group(1)) if total else 0
    bad = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in errors.groups()) if errors else 0)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": ms("50%"), "p99": ms("99%"), "n": n, "bad": bad}

r = {k: parse(k) for k in ["baseline", "cached-check", "plain-hop", "pipeline-hop", "plain-hop-c4", "pipeline-hop-c4", "pipeline-flaky", "circuit-open"]}
fmt = lambda v: "–" if v is None else f"{v:.2f}"
ratio = lambda a, b: a / b if b else 0.0
peak_mb = int(peak_kb) / 1024
success_flaky = 1 - ratio(r["pipeline-flaky"]["bad"], r["pipeline-flaky"]["n"])
added_p99 = (r["pipeline-hop-c4"]["p99"] or 0) - (r["plain-hop-c4"]["p99"] or 0)

def verdict(ok):
    return "met" if ok else "**missed**"

rows = [
    ("Cached citizen check / baseline throughput", f"{ratio(r['cached-check']['rps'], r['baseline']['rps']):.0%}", "≥ 50 %", verdict(ratio(r['cached-check']['rps'], r['baseline']['rps']) >= 0.5)),
    ("Pipeline hop / plain hop throughput (32 conn.)", f"{ratio(r['pipeline-hop']['rps'], r['plain-hop']['rps']):.0%}", "≥ 80 %", verdict(ratio(r['pipeline-hop']['rps'], r['plain-hop']['rps']) >= 0.8)),
    ("Pipeline added p99 at moderate load (4 conn.)", f"{added_p99:.2f} ms", "< 1 ms", verdict(added_p99 < 1)),
    ("Success under 20 % transient upstream faults", f"{success_flaky:.3%}", "≥ 99.9 %", verdict(success_flaky >= 0.999)),
    ("p99 of answers once the circuit is open", f"{fmt(r['circuit-open']['p99'])} ms", "< 5 ms", verdict((r['circuit-open']['p99'] or 99) < 5)),
    ("Gateway peak memory (VmHWM) after the run", f"{peak_mb:.0f} MB", "< 300 MB", verdict(peak_mb < 300)),
]

with open(out, "w") as f:
    f.write("# Benchmark results\n\n")
    f.write(f"Made by `tests/load/run` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: wrk, {threads} threads, "
            f"{connections} connections unless stated, {duration} per scenario, after a 5 s warm-up, on this 2-core machine "
            "(wrk, the gateway, the fake upstream and the benchmark host share the two cores). Figures vary 15-30 % between "
            "runs: compare ratios within one run.\n\n")
    f.write("| target | measured | goal | |\n|---|---|---|---|\n")
    for row in rows:
        f.write("| " + " | ".join(row) + " |\n")
    f.write("\n| scenario | requests/s | p50 ms | p99 ms | requests | non-2xx or socket errors |\n|---|---|---|---|---|---|\n")
    for k, v in r.items():
        f.write(f"| {k} | {v['rps']:.0f} | {fmt(v['p50'])} | {fmt(v['p99'])} | {v['n']} | {v['bad']} |\n")
    f.write("\nScenarios: `baseline` is a bare ASP.NET Core endpoint returning the same JSON; `cached-check` is "
            "`POST /api/v1/identity/citizens/verify` through the whole gateway (API key, rate limit, validation, cache hit, "
            "audit and monitoring rows) for one cached citizen; `plain-hop` is one plain HttpClient hop to a fast fake "
            "upstream and `pipeline-hop` the same hop through the gateway's resilience handler; `pipeline-flaky` goes "
            "through the pipeline to an upstream that fails 20 % of calls with 503; `circuit-open` calls an upstream that "
            "is down once its circuit has opened.\n")
    f.write(f"\nGateway memory: peak {peak_mb:.0f} MB, {int(rss_kb) / 1024:.0f} MB resident at the end.\n")
