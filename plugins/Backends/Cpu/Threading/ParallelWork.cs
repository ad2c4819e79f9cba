namespace LlmFramework.Backends.Cpu.Threading;

/// <summary>
/// A unit of parallel work that <see cref="WorkerPool"/> runs on every participating thread at once. Instances are
/// allocated once per op kind and reused (fields set before each run), so dispatching allocates nothing.
/// </summary>
internal abstract class ParallelWork
{
    /// <summary>Does this thread's share of the work; <paramref name="worker"/> is 0 (the caller) .. <paramref name="workerCount"/>-1.</summary>
    public abstract void Run(int worker, int workerCount);
}
