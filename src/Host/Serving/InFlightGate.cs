namespace LlmFramework.Host.Serving;

/// <summary>Counts the requests inside (until their pass is disposed) and, once closed, lets no new one in.</summary>
internal sealed class InFlightGate
{
    private int _count;
    private volatile bool _closed;

    public int Count => Volatile.Read(ref _count);

    public bool Closed => _closed;

    /// <summary>A pass to dispose when the request ends, or null when the gate is closed.</summary>
    public IDisposable? TryEnter()
    {
        Interlocked.Increment(ref _count);
        if (_closed)
        {
            Interlocked.Decrement(ref _count);
            return null;
        }

        return new Pass(this);
    }

    public void Close() => _closed = true;

    /// <summary>Waits until no request is inside or <paramref name="limit"/> passes (infinite: no limit); true when none is.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan limit)
    {
        DateTime until = limit == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + limit;
        while (Count > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        return Count == 0;
    }

    private sealed class Pass(InFlightGate gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref gate._count);
            }
        }
    }
}
