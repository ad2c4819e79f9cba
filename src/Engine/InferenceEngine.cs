using System.Diagnostics;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Engine.Execution;
using LlmFramework.Engine.Kv;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Engine;

/// <summary>
/// Runs a loaded model on a set of backends: owns the step graph, its execution plan and the paged KV cache, and runs
/// batched steps (several sequences, prefill chunks and decode tokens together). One step runs at a time; backends
/// can be swapped between steps (<see cref="SwapBackends"/>), so generations in flight continue on the new ones.
/// </summary>
public sealed partial class InferenceEngine : IDisposable
{
    private readonly object _stepLock = new();
    private readonly GraphExecutor _executor;
    private readonly StepBatch _batch;
    private readonly ILogger? _logger;
    private PendingSwap? _pendingSwap;
    private int _nextSequenceId;
    private bool _inStep;
    private bool _disposed;

    /// <summary>Prepares <paramref name="model"/> to run on <paramref name="backends"/> (most preferred first; the last is the fallback).</summary>
    public InferenceEngine(IModel model, IReadOnlyList<IBackend> backends, EngineOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(backends);
        Options = options ?? new EngineOptions();
        Options.Validate();
        Model = model;
        _logger = logger;
        KvCacheLayout layout = model.KvCacheLayout;
        ContextLength = Options.ContextLength > 0 ? Math.Min(Options.ContextLength, layout.MaxContextLength) : layout.MaxContextLength;
        int cacheTokens = Options.KvCacheTokens > 0
            ? Options.KvCacheTokens
            : (int)Math.Min(16_384L, (long)ContextLength * Options.MaxSequences);
        int blocks = Math.Max(1, (cacheTokens + Options.KvBlockSize - 1) / Options.KvBlockSize);
        if (Options.KvCacheBytes > 0)
        {
            long blockBytes = (long)Options.KvBlockSize * layout.BytesPerToken;
            long fit = Options.KvCacheBytes / blockBytes;
            if (fit < 1)
            {
                throw new ArgumentException($"a KV-cache budget of {Options.KvCacheBytes} bytes does not hold one block ({blockBytes} bytes: {Options.KvBlockSize} tokens x {layout.BytesPerToken} bytes per token)");
            }

            blocks = (int)Math.Min(fit, int.MaxValue / Math.Max(1, Options.KvBlockSize));
        }
        KvCache = new PagedKvCache(layout, Options.KvBlockSize, blocks);
        Graph = model.BuildStepGraph();
        Threads = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;
        _executor = new GraphExecutor(Graph, backends, KvCache, Options.MaxBatchTokens, Threads, logger);
        _batch = new StepBatch(Options.MaxBatchTokens);
        Moe = Engine.Moe.MoeRuntime.Create(Graph, Options.Moe, logger);
        if (Moe is not null)
        {
            _executor.SetObserver(Moe);
            if (Options.Moe.DeviceCount > 1)
            {
                try
                {
                    ExpertDevices = Engine.Moe.ExpertParallelBackend.Create(Graph, Moe, Options.Moe, Threads, Options.MaxBatchTokens);
                }
                catch
                {
                    Moe.Dispose();
                    KvCache.Dispose();
                    throw;
                }

                _executor.SetDedicatedBackend(ExpertDevices);
            }
        }

        PublishGauges();
        _logger?.LogInformation("engine ready: {Model}; KV cache {Blocks} blocks x {BlockSize} tokens ({MiB:F1} MiB reserved); activations {ActMiB:F1} MiB; {Threads} threads",
            model.Info.Description, blocks, Options.KvBlockSize, KvCache.ReservedBytes / 1048576.0, _executor.Arena.TotalBytes / 1048576.0, Threads);
    }

    /// <summary>The model.</summary>
    public IModel Model { get; }

    /// <summary>The options in force.</summary>
    public EngineOptions Options { get; }

    /// <summary>Longest sequence (prompt + generated).</summary>
    public int ContextLength { get; }

    /// <summary>Worker threads given to backends.</summary>
    public int Threads { get; }

    /// <summary>The step graph.</summary>
    public ComputeGraph Graph { get; }

    /// <summary>The KV cache.</summary>
    public PagedKvCache KvCache { get; }

    /// <summary>The backends in use, most preferred first.</summary>
    public IReadOnlyList<IBackend> Backends => _executor.Backends;

    /// <summary>Expert statistics and placement, or null for a model without MoE layers.</summary>
    public Engine.Moe.MoeRuntime? Moe { get; }

    /// <summary>
    /// The devices the experts run on when <see cref="Moe.MoeOptions.DeviceCount"/> is above 1 (they take every
    /// ExpertMatMul node, whatever the backends), or null.
    /// </summary>
    public Engine.Moe.ExpertParallelBackend? ExpertDevices { get; }

    /// <summary>How nodes are assigned to backends now.</summary>
    public IReadOnlyList<GraphPartition> Partitions => _executor.Partitions;

    /// <summary>Steps run so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>Vocabulary size (columns of the logits).</summary>
    public int VocabSize => checked((int)Graph.Logits.Columns);

    /// <summary>
    /// Asks to run on <paramref name="backends"/> from the next step on: the switch happens between two steps (now, when
    /// no step is running). Returns at once; <paramref name="onSwapped"/> is called with the backends that were replaced,
    /// once no step uses them any more. A failure to partition the graph on the new backends keeps the old ones and is
    /// passed to <paramref name="onFailed"/>. A later request replaces a pending one.
    /// </summary>
    public void SwapBackends(IReadOnlyList<IBackend> backends, Action<IReadOnlyList<IBackend>>? onSwapped = null, Action<Exception>? onFailed = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        Volatile.Write(ref _pendingSwap, new PendingSwap(backends, onSwapped, onFailed));

        // Idle engine: apply now. Otherwise the step thread applies it before its next step.
        if (Monitor.TryEnter(_stepLock))
        {
            try
            {
                if (!_inStep)
                {
                    ApplyPendingSwap();
                }
            }
            finally
            {
                Monitor.Exit(_stepLock);
            }
        }
    }

    /// <summary>Logits of the last token of <paramref name="tokens"/>, evaluated as a fresh sequence.</summary>
    public float[] GetLogits(ReadOnlySpan<int> tokens)
    {
        var sequence = new SequenceBlocks();
        try
        {
            float[] logits = new float[VocabSize];
            Prefill(sequence, NextSequenceId(), tokens, 0, logits);
            return logits;
        }
        finally
        {
            lock (_stepLock)
            {
                sequence.Release(KvCache.Allocator);
            }
        }
    }

    /// <summary>
    /// Greedy decoding of <paramref name="maxTokens"/> tokens after <paramref name="prompt"/> (ties go to the lowest id).
    /// Does not stop at end-of-sequence tokens unless <paramref name="stopAtEos"/>.
    /// </summary>
    public IReadOnlyList<int> GenerateGreedy(ReadOnlySpan<int> prompt, int maxTokens, out GenerationStats stats, bool stopAtEos = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        var sequence = new SequenceBlocks();
        int id = NextSequenceId();
        var output = new List<int>(maxTokens);
        try
        {
            float[] logits = new float[VocabSize];
            long start = Stopwatch.GetTimestamp();
            Prefill(sequence, id, prompt, 0, logits);
            int next = GreedyToken(logits);
            double prefillSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            long decodeStart = Stopwatch.GetTimestamp();
            int position = prompt.Length;
            Span<int> one = stackalloc int[1];
            IReadOnlyList<int> eos = Model.Tokenizer.EosIds;
            while (output.Count < maxTokens)
            {
                output.Add(next);
                if ((stopAtEos && eos.Contains(next)) || output.Count == maxTokens)
                {
                    break;
                }

                one[0] = next;
                Prefill(sequence, id, one, position, logits);
                next = GreedyToken(logits);
                position++;
            }

            stats = new GenerationStats
            {
                PrefillTokens = prompt.Length,
                PrefillSeconds = prefillSeconds,
                DecodeTokens = Math.Max(0, output.Count - 1),
                DecodeSeconds = Stopwatch.GetElapsedTime(decodeStart).TotalSeconds,
            };
            return output;
        }
        finally
        {
            lock (_stepLock)
            {
                sequence.Release(KvCache.Allocator);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> through a sequence starting at <paramref name="startPosition"/>, in chunks of at
    /// most <see cref="EngineOptions.MaxBatchTokens"/>, and copies the logits of the last token into <paramref name="logits"/>.
    /// </summary>
    internal void Prefill(SequenceBlocks sequence, int sequenceId, ReadOnlySpan<int> tokens, int startPosition, Span<float> logits)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("no tokens to evaluate", nameof(tokens));
        }

        for (int done = 0; done < tokens.Length;)
        {
            int n = Math.Min(Options.MaxBatchTokens, tokens.Length - done);
            bool last = done + n == tokens.Length;
            lock (_stepLock)
            {
                EnsureCapacity(sequence, startPosition + done + n);
                _batch.Clear();
                _batch.Add(sequenceId, tokens.Slice(done, n), startPosition + done, sequence.Table, wantLogits: last);
                ReadOnlySpan<float> result = RunStep(_batch);
                if (last)
                {
                    result.CopyTo(logits);
                }
            }

            done += n;
        }
    }

    /// <summary>Runs one prepared step (caller holds the step lock).</summary>
    private ReadOnlySpan<float> RunStep(StepBatch batch, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ApplyPendingSwap();
        StepCount++;
        _inStep = true;
        try
        {
            ReadOnlySpan<float> logits = _executor.Run(batch, cancellationToken);
            Moe?.AfterStep();
            return logits;
        }
        finally
        {
            _inStep = false;
        }
    }

    private void EnsureCapacity(SequenceBlocks sequence, int tokens)
    {
        if (tokens > ContextLength)
        {
            throw new InvalidOperationException($"sequence of {tokens} tokens exceeds the context length {ContextLength}");
        }

        if (!sequence.EnsureCapacity(tokens, KvCache.BlockSize, KvCache.Allocator))
        {
            throw new InvalidOperationException($"KV cache exhausted: {KvCache.BlockCount} blocks of {KvCache.BlockSize} tokens are all in use");
        }
    }

    private void ApplyPendingSwap()
    {
        PendingSwap? swap = Interlocked.Exchange(ref _pendingSwap, null);
        if (swap is null)
        {
            return;
        }

        IReadOnlyList<IBackend> old = _executor.Backends;
        try
        {
            _executor.ReplaceBackends(swap.Backends);
        }
#pragma warning disable CA1031 // a bad new backend must leave the old one serving
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger?.LogError(ex, "backend swap refused; keeping {Backends}", string.Join(", ", old.Select(b => b.Name)));
            swap.OnFailed?.Invoke(ex);
            return;
        }

        _logger?.LogInformation("switched backends at step {Step}: {Old} -> {New}", StepCount, string.Join(", ", old.Select(b => b.Name)), string.Join(", ", swap.Backends.Select(b => b.Name)));
        swap.OnSwapped?.Invoke(old);
    }

    private int NextSequenceId() => Interlocked.Increment(ref _nextSequenceId);

    /// <summary>The first id with the largest logit; NaN logits are an error rather than a token.</summary>
    private static int GreedyToken(ReadOnlySpan<float> logits)
    {
        int token = Sampling.LogitMath.ArgMax(logits);
        return token >= 0 ? token : throw new InvalidOperationException("the model produced NaN logits");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _shutdown.Cancel();
        _loop?.Join(TimeSpan.FromSeconds(10));
        lock (_stepLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ExpertDevices?.Dispose();
            Moe?.Dispose();
            KvCache.Dispose();
            _shutdown.Dispose();
        }
    }

    private sealed record PendingSwap(IReadOnlyList<IBackend> Backends, Action<IReadOnlyList<IBackend>>? OnSwapped, Action<Exception>? OnFailed);
}
