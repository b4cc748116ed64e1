"""Combines the wrk outputs of one scenario measured in alternating slices (tests/load/run, run_pair) into one
wrk-like output that report.py reads: requests and seconds summed (so requests/s is over the slices together), error
counts summed, p50 the median of the slices' p50s and p99 the highest of their p99s (never better than any slice).

    python3 tests/load/slices.py <raw dir> <scenario name>   # reads <name>.slice*.txt, writes <name>.txt
"""
import glob, os, re, statistics, sys

raw, name = sys.argv[1:3]
paths = sorted(glob.glob(os.path.join(raw, glob.escape(name) + ".slice*.txt")))
if not paths:
    sys.exit(f"slices.py: no slices of {name} in {raw}")

def ms(text, label):
    m = re.search(r"^\s*" + re.escape(label) + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

requests = seconds = non2xx = 0
errors = [0, 0, 0, 0]
p50s, p99s = [], []
for p in paths:
    text = open(p).read()
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", text)
    if not m:
        sys.exit(f"slices.py: {p} is not a wrk output")
    requests += int(m.group(1))
    seconds += float(m.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    non2xx += int(bad.group(1)) if bad else 0
    e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if e:
        errors = [a + int(b) for a, b in zip(errors, e.groups())]
    for label, into in (("50%", p50s), ("99%", p99s)):
        v = ms(text, label)
        if v is not None:
            into.append(v)

with open(os.path.join(raw, name + ".txt"), "w") as out:
    out.write(f"{name}: {len(paths)} slices alternated with its floor ({', '.join(os.path.basename(p) for p in paths)})\n")
    out.write("  Latency Distribution (p50: median of the slices' p50s; p99: the highest slice p99)\n")
    if p50s:
        out.write(f"     50%    {statistics.median(p50s):.2f}ms\n")
    if p99s:
        out.write(f"     99%    {max(p99s):.2f}ms\n")
    out.write(f"  {requests} requests in {seconds:.2f}s\n")
    if any(errors):
        out.write(f"  Socket errors: connect {errors[0]}, read {errors[1]}, write {errors[2]}, timeout {errors[3]}\n")
    if non2xx:
        out.write(f"  Non-2xx or 3xx responses: {non2xx}\n")
    out.write(f"Requests/sec: {requests / seconds:.2f}\n")
