"""Prints the Development connector settings as environment variables (one KEY=VALUE per line), so the benchmark
can run the gateway with ASPNETCORE_ENVIRONMENT=Production against the mocks: Production refuses to start
without every connector configured. Client keys and privacy keys are left out (the benchmark sets its own); the
sign-in return URLs are given to the benchmark's client, named "bench"."""
import json
import sys

def flatten(prefix, node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("//"):
                continue
            yield from flatten(f"{prefix}__{key}" if prefix else key, value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from flatten(f"{prefix}__{i}", value)
    else:
        yield prefix, "true" if node is True else "false" if node is False else str(node)

settings = json.load(open(sys.argv[1], encoding="utf-8"))
for section in ("Gateway", "Privacy"):
    settings.pop(section, None)
mocks = sys.argv[2] if len(sys.argv) > 2 else None
for key, value in flatten("", settings):
    if mocks and value.startswith("http://127.0.0.1:9090"):
        value = mocks + value[len("http://127.0.0.1:9090"):]
    if key.endswith("__Client"):
        value = "bench"
    print(f"{key}={value}")
