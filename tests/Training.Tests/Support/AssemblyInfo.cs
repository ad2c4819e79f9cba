// libtorch's RNG and thread count are process-wide: runs in parallel would make each other's results vary.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
