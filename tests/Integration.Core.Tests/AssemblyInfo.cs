// WireMock and Redis are shared by every test in this process; tests that reset or kill them must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
