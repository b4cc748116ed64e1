// WireMock, PostgreSQL and the gateway processes are shared within the test process.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
