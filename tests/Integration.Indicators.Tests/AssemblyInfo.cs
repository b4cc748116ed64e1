// WireMock is shared by every test in this process and reset by tests: they must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
