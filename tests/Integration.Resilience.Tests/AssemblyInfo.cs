// WireMock, the test PostgreSQL and Redis, and the gateway processes are shared within the test process; the chaos
// tests kill and restart servers and load the machine: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
