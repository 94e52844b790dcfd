// Several tests set the process-wide ComputeThreads.Count; run test classes one at a time so they
// cannot change it under each other (and do not fight other engineers' builds for the 2 cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
