"""Turns the raw outputs of one tests/load/run into RESULTS.md: ratios against floors measured in the same run.
A scenario that had any non-2xx answer or socket error gives no figure (a 429 or 503 makes throughput meaningless)."""
import datetime, json, os, re, sys

raw, out, duration, sustain, threads, stores = sys.argv[1:7]
stores = stores.split()

def parse(name):
    path = os.path.join(raw, name + ".txt")
    if not os.path.exists(path):
        return None
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

def valid(r):
    return r is not None and r["bad"] == 0 and r["n"] > 0

fmt = lambda v: "–" if v is None else f"{v:.2f}"
verdict = lambda ok: "met" if ok else "**missed**"
NOFIG = ("no figure (non-2xx answers)", "**void**")

# The throughput and latency goals are set for the SQLite store (the setting: one gateway, its embedded
# store); another store's figures are quoted beside them, each against the same goal but not judged by it. Memory
# and lost audit rows are judged on every store.
GOAL_STORE = "sqlite"

def judged(ok, quoted):
    return ("quoted, within it" if ok else "quoted, **outside it**") if quoted else verdict(ok)

def ratio_row(label, a, b, goal, quoted=False):
    if not (valid(a) and valid(b)):
        return (label, NOFIG[0], f"≥ {goal:.0%}", NOFIG[1])
    v = a["rps"] / b["rps"]
    return (label, f"{v:.2f} ({a['rps']:,.0f} vs {b['rps']:,.0f} req/s)", f"≥ {goal}" + (" (on SQLite)" if quoted else ""), judged(v >= goal, quoted))

def p99_row(label, a, goal, errors_expected=False, quoted=False):
    if not (valid(a) or (errors_expected and a is not None and a["n"] > 0)):
        return (label, NOFIG[0], f"≤ {goal} ms", NOFIG[1])
    return (label, f"{a['p99']:.2f} ms", f"≤ {goal} ms" + (" (on SQLite)" if quoted else ""), judged(a["p99"] <= goal, quoted))

rows, scenarios, memory = [], {}, []
for store in stores:
    get = lambda k: parse(f"{k}@{store}")
    for k in ["live-c32", "cached-check-c32", "live-c64", "cached-check-c64", "cached-check-c4", "sustained-c32"]:
        scenarios[f"{k} ({store})"] = get(k)
    q = store != GOAL_STORE
    rows.append(ratio_row(f"{store}: cached check / `/health/live`, 32 connections", get("cached-check-c32"), get("live-c32"), 0.5, quoted=q))
    rows.append(ratio_row(f"{store}: cached check / `/health/live`, 64 connections", get("cached-check-c64"), get("live-c64"), 0.5, quoted=q))
    rows.append(p99_row(f"{store}: p99 of the cached check, 32 connections", get("cached-check-c32"), 20, quoted=q))
    rows.append(p99_row(f"{store}: p99 of the cached check, 4 connections", get("cached-check-c4"), 5, quoted=q))
    rows.append(p99_row(f"{store}: p99 of the cached check over {sustain} at full load", get("sustained-c32"), 20, quoted=q))
    s = json.load(open(os.path.join(raw, f"summary-{store}.json")))
    during, after = s["rss_during_kb"] / 1024, s["rss_after_kb"] / 1024
    rows.append((f"{store}: gateway RSS, highest during the {sustain} run / 5 s after", f"{during:.0f} MB / {after:.0f} MB", "≤ 250 MB",
                 verdict(max(during, after) <= 250)))
    lost = max(0, s["answered"] - s["audit_rows"])
    rows.append((f"{store}: audit rows lost (200 answers vs rows written)", f"{lost} ({s['answered']:,} answers, {s['audit_rows']:,} rows)", "0", verdict(lost == 0)))
    rows.append((f"{store}: lookups refused 503 `store_unavailable` (backpressure)", f"{s['refused']}", "reported", "–"))
    memory.append(f"{store}: peak (VmHWM over the gateway's life) {s['rss_peak_kb'] / 1024:.0f} MB")

old = {k: parse(k) for k in ["baseline", "plain-hop", "pipeline-hop", "plain-hop-c4", "pipeline-hop-c4", "pipeline-flaky", "circuit-open"]}
scenarios.update(old)
if all(old.values()):
    rows.append(ratio_row("pipeline hop / plain hop throughput (32 conn.)", old["pipeline-hop"], old["plain-hop"], 0.8))
    if valid(old["pipeline-hop-c4"]) and valid(old["plain-hop-c4"]):
        added = old["pipeline-hop-c4"]["p99"] - old["plain-hop-c4"]["p99"]
        rows.append(("p99 added by the pipeline at moderate load (4 conn.)", f"{added:.2f} ms", "< 1 ms", verdict(added < 1)))
    f = old["pipeline-flaky"]
    success = 1 - f["bad"] / f["n"] if f["n"] else 0
    rows.append(("success under 20 % transient upstream faults (idempotent GETs)", f"{success:.3%}", "≥ 99.9 %", verdict(success >= 0.999)))
    # Its answers are 503 upstream_unavailable by design: the figure is how fast they come.
    rows.append(p99_row("p99 of answers once the circuit is open (503 by design)", old["circuit-open"], 5, errors_expected=True))

with open(out, "w") as o:
    o.write("# Benchmark results\n\n")
    # when the run measured (its newest wrk output), so a report rebuilt from raw/ keeps the run's time
    made = datetime.datetime.fromtimestamp(max(os.path.getmtime(os.path.join(raw, f)) for f in os.listdir(raw) if f.endswith('.txt')), datetime.timezone.utc)
    o.write(f"Made by `tests/load/run` on {made:%Y-%m-%d %H:%M} UTC: wrk, {threads} threads, "
            f"{duration} per scenario ({sustain} for the full-load run), after a 5 s warm-up, on a 2-core machine shared by wrk, "
            "the gateway, its store, the mocks and the benchmark host. Compare ratios within one run, not absolute figures "
            "between runs. A scenario with any non-2xx answer or socket error gives no figure.\n\n")
    o.write("| target | measured | goal | |\n|---|---|---|---|\n")
    for r in rows:
        o.write("| " + " | ".join(r) + " |\n")
    o.write("\n| scenario | requests/s | p50 ms | p99 ms | requests | non-2xx or socket errors |\n|---|---|---|---|---|---|\n")
    for k, v in scenarios.items():
        if v is not None:
            o.write(f"| {k} | {v['rps']:.0f} | {fmt(v['p50'])} | {fmt(v['p99'])} | {v['n']} | {v['bad']} |\n")
    o.write("\nScenarios: `live` is the gateway's own `/health/live` (the host's floor: Kestrel and the middleware, no work), "
            "measured at 32 and 64 connections in slices alternating with the cached check's (their figures are over the "
            "slices together; p99 is the highest slice's); "
            "`cached-check` is `POST /api/v1/identity/citizens/verify` through the whole gateway (API key, rate limit, body and "
            "validation, cache hit, an audit row durable before the answer (journaled on SQLite, committed on PostgreSQL), monitoring) for one cached citizen; `sustained` "
            f"is the same at 32 connections for {sustain}. `baseline` is a bare ASP.NET Core endpoint; `plain-hop` one plain "
            "HttpClient hop to a fast fake upstream and `pipeline-hop` the same hop through the resilience handler; "
            "`pipeline-flaky` an upstream failing 20 % of calls; `circuit-open` an upstream that is down once its circuit opened. "
            "Audit rows are counted in the store before and after the measured scenarios and compared with the 200 answers "
            "wrk counted (a request in flight when wrk stops may add a row without an answer counted).\n")
    o.write("\n" + "; ".join(memory) + ".\n")
    extra = os.path.join(os.path.dirname(out), "PROFILE.md")
    if os.path.exists(extra):
        o.write("\n" + open(extra).read())
