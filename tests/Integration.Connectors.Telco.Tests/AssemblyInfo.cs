// One WireMock per test process, shared by every test: they must not run at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
