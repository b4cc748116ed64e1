// WireMock, PostgreSQL and the scenarios they hold are shared by the whole test process.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
