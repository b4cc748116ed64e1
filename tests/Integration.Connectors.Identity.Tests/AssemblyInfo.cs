// One WireMock (and one PostgreSQL) serves the whole test process: tests reset it and count its
// journal, so they must not run side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
