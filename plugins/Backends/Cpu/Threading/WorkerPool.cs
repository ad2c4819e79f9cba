using System.Diagnostics;

namespace LlmFramework.Backends.Cpu.Threading;

/// <summary>
/// A persistent pool of worker threads for the kernels. The calling thread takes part as worker 0. Idle workers spin
/// on a generation counter for a short while (the next op of a step usually follows within microseconds) and then
/// block on their own semaphore, so a step of a hundred small ops does not pay a kernel wake-up per op.
/// One caller at a time (the backend is driven by one engine thread); a worker's exception is rethrown to the caller
/// wrapped in an <see cref="AggregateException"/> after every thread has finished.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private const long SpinTicksBeforeBlocking = TimeSpan.TicksPerMillisecond / 2;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wakeUps;
    private readonly int[] _sleeping;
    private ParallelWork? _work;
    private int _activeWorkers;
    private long _generation;
    private int _remaining;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Creates a pool that runs work on <paramref name="threadCount"/> threads (the caller plus threadCount-1 workers).</summary>
    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        _wakeUps = new SemaphoreSlim[threadCount - 1];
        _sleeping = new int[threadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wakeUps[i] = new SemaphoreSlim(0);
            int index = i;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"cpu-backend-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run work, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> threads (at most <see cref="ThreadCount"/>) and returns when all are done.</summary>
    public void Run(ParallelWork work, int threads)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        threads = Math.Clamp(threads, 1, ThreadCount);
        if (threads == 1)
        {
            work.Run(0, 1);
            return;
        }

        _work = work;
        _activeWorkers = threads;
        _failure = null;
        // Every worker takes part in every generation (idle ones just check in), so none can skip or repeat one.
        Volatile.Write(ref _remaining, _threads.Length);
        Interlocked.Increment(ref _generation);
        for (int i = 0; i < _threads.Length; i++)
        {
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1)
            {
                _wakeUps[i].Release();
            }
        }

        try
        {
            work.Run(0, threads);
        }
        finally
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _remaining) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            _work = null;
        }

        if (_failure is { } failure)
        {
            throw new AggregateException("a CPU backend worker failed", failure);
        }
    }

    private void WorkerLoop(int index)
    {
        long seen = 0;
        while (true)
        {
            seen = WaitForGeneration(index, seen);
            if (_disposed)
            {
                return;
            }

            int worker = index + 1;
            if (worker < _activeWorkers)
            {
                try
                {
                    _work!.Run(worker, _activeWorkers);
                }
                catch (Exception ex)
                {
                    _failure = ex;
                }
            }

            Interlocked.Decrement(ref _remaining);
        }
    }

    private long WaitForGeneration(int index, long seen)
    {
        long start = Stopwatch.GetTimestamp();
        long spinLimit = SpinTicksBeforeBlocking * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        while (true)
        {
            long generation = Volatile.Read(ref _generation);
            if (generation != seen || _disposed)
            {
                return generation;
            }

            if (Stopwatch.GetTimestamp() - start < spinLimit)
            {
                Thread.SpinWait(30);
                continue;
            }

            // Announce that this worker sleeps, then look again: Run either sees the flag and releases the
            // semaphore, or bumped the generation before the flag was set, which the re-check catches.
            Interlocked.Exchange(ref _sleeping[index], 1);
            if (Volatile.Read(ref _generation) != seen || _disposed)
            {
                if (Interlocked.Exchange(ref _sleeping[index], 0) == 0)
                {
                    _wakeUps[index].Wait();
                }
            }
            else
            {
                _wakeUps[index].Wait();
            }

            start = Stopwatch.GetTimestamp();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Interlocked.Increment(ref _generation);
        for (int i = 0; i < _threads.Length; i++)
        {
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1)
            {
                _wakeUps[i].Release();
            }
        }

        foreach (Thread t in _threads)
        {
            t.Join();
        }

        foreach (SemaphoreSlim s in _wakeUps)
        {
            s.Dispose();
        }
    }
}
