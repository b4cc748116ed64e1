-- POST a citizen check through the whole gateway (auth, rate limit, validation, cache, audit).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = os.getenv("BENCH_KEY") or "bench-key"
wrk.headers["X-Purpose"] = "benchmark"
wrk.body = os.getenv("BENCH_BODY")
