"""Per-layer CPU of a cached citizen check, from a Linux perf profile of the gateway.

    perf record -F 1999 -g -p <gateway pid> -o check.data -- sleep 10   # while wrk drives cached checks
    python3 tests/load/layers.py check.data <requests/s during the 10 s>

Each on-CPU sample is given to the innermost frame matching a layer's pattern (leaf first); samples matching no
layer are Kestrel, sockets, the kernel and frames not attributed. Start the gateway with DOTNET_PerfMapEnabled=1 and
DOTNET_EnableWriteXorExecute=0 so that JIT-compiled frames have names. Prints a Markdown table: share of the
samples and CPU per request (assumes a 10 s sample at 1999 Hz).
"""
import collections
import re
import subprocess
import sys

layers=[
 ("API key (authentication, authorization)", r"Authentication|ApiKeyAuthenticationHandler|ApiKeyMiddleware|ApiKeyClients|Authorization"),
 ("rate limiter", r"RateLimit"),
 ("body read, JSON binding, validation", r"ReadFromJson|JsonTypeInfo`1\+<Deserialize|Utf8JsonReader|CitizenVerificationRequest|LookupPurpose|CitizenIdNumber|Validat|TryReadBody"),
 ("cache key and lookup", r"FusionCache|ConnectorCache|PersonalDataProtector|IncrementalHash|HMAC|Hmac"),
 ("audit: enqueue and wait (request side)", r"AuditLog(?!\+<MoveAsync|\+<CopyAsync|::CopyAsync|::Journal)|BatchedStoreWriter`1\+<CommitAsync|BatchedStoreWriter`1::CommitAsync"),
 ("store writers (background)", r"AuditJournal|AuditLog::CopyAsync|AuditLog\+<CopyAsync|AuditLog\+<MoveAsync|BatchedStoreWriter|Sqlite|sqlite3|SQLitePCL|Npgsql"),
 ("monitoring (timing, metrics, row)", r"ConnectorTelemetry|GatewayMetrics|Histogram|MetricsEventSource|Instrument`|Instrument\b|Counter`|Meter"),
 ("JSON answer", r"WriteAsJson|JsonAnswer|JsonSerializer|Utf8JsonWriter|SerializeAsync"),
 ("tracing (spans)", r"System\.Diagnostics\.Activity|OpenTelemetry|DiagnosticListener|ActivitySource"),
 ("logging", r"Microsoft\.Extensions\.Logging"),
 ("other middleware and endpoint plumbing", r"ExceptionHandler|StatusCodePages|EndpointRouting|DfaMatcher|RequestSizeLimit|StaticFile|SwaggerUI|DeveloperExceptionPage|RequestDelegateFactory|IdentityEndpoints|CitizenVerifier|ForwardedHeaders"),
 ("runtime: GC, thread pool, timers", r"^(?!.*Kestrel).*(GC|gc_heap|ThreadPool|PortableThreadPool|LowLevelLifoSemaphore|TimerQueue|WKS::|SVR::)"),
]
comp=[(n,re.compile(p)) for n,p in layers]
out=subprocess.run(["perf","script","-i",sys.argv[1],"-F","ip,sym,dso"],capture_output=True,text=True).stdout
counts=collections.Counter(); total=0
for block in out.split("\n\n"):
    frames=[l.strip() for l in block.strip().splitlines() if l.strip()]
    if not frames: continue
    total+=1
    name="Kestrel, sockets, kernel and frames not attributed"
    for f in frames:
        hit=None
        for n,c in comp:
            if c.search(f): hit=n; break
        if hit: name=hit; break
    counts[name]+=1
rate=float(sys.argv[2]) if len(sys.argv)>2 else 0
print(f"samples {total}")
for n,_ in layers+[("Kestrel, sockets, kernel and frames not attributed","")]:
    c=counts.get(n,0); us = c/1999*1e6/(rate*10) if rate else 0
    print(f"| {n} | {100*c/total:.1f} % | {us:.1f} µs |")
