using System.Diagnostics;
using System.Threading.Channels;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Metrics;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Engine;

/// <summary>
/// Continuous batching (iteration-level scheduling): every step mixes one decode token of each running generation with
/// chunks of prompts under the step's token budget; new requests join between steps and finished ones leave at once.
/// Waiting requests start in policy order (<see cref="SchedulingPolicy"/>). When the KV cache has no block left for a
/// decode token, the lowest-ranked running generation gives its blocks back and is recomputed later (preemption).
/// </summary>
public sealed partial class InferenceEngine
{
    private readonly Channel<ActiveGeneration> _incoming = Channel.CreateUnbounded<ActiveGeneration>();
    private readonly List<ActiveGeneration> _waiting = [];
    private readonly List<ActiveGeneration> _active = [];
    private readonly List<ActiveGeneration> _stepMembers = [];
    private readonly CancellationTokenSource _shutdown = new();
    private Thread? _loop;
    private HashSet<int>? _eosIds;
    private int _newRequestsQueued;

    /// <summary>Generations running now (admitted: prefilling or decoding).</summary>
    public int ActiveGenerations { get; private set; }

    /// <summary>Live counters and latency histograms.</summary>
    public EngineMetrics Metrics { get; } = new();

    /// <summary>
    /// Starts a generation and streams its chunks. Generations started concurrently are batched into the same steps.
    /// Cancelling <paramref name="cancellationToken"/> ends the generation at the next step (with a final chunk whose
    /// reason is <see cref="FinishReason.Cancelled"/>) and frees its KV blocks. Throws
    /// <see cref="EngineQueueFullException"/> when <see cref="EngineOptions.MaxQueuedRequests"/> requests are waiting.
    /// </summary>
    public IAsyncEnumerable<GenerationChunk> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        request.Validate(VocabSize, ContextLength);
        int queued = Interlocked.Increment(ref _newRequestsQueued);
        if (Options.MaxQueuedRequests > 0 && queued > Options.MaxQueuedRequests)
        {
            Interlocked.Decrement(ref _newRequestsQueued);
            Metrics.AddRejected();
            throw new EngineQueueFullException(queued - 1, Options.MaxQueuedRequests);
        }

        var generation = new ActiveGeneration(NextSequenceId(), request, Model.Tokenizer, VocabSize, cancellationToken);
        _incoming.Writer.TryWrite(generation);
        Metrics.QueuedRequests = Volatile.Read(ref _newRequestsQueued);
        EnsureLoop();
        return generation.Output.Reader.ReadAllAsync(CancellationToken.None);
    }

    private void EnsureLoop()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_incoming)
        {
            if (_loop is null)
            {
                _eosIds = [.. Model.Tokenizer.EosIds, .. Model.GenerationDefaults.EosIds];
                _loop = new Thread(RunLoop) { IsBackground = true, Name = "llmf-engine-steps" };
                _loop.Start();
            }
        }
    }

    private void RunLoop()
    {
        try
        {
            while (!_shutdown.IsCancellationRequested)
            {
                while (_incoming.Reader.TryRead(out ActiveGeneration? next))
                {
                    InsertInOrder(_waiting, next);
                }

                lock (_stepLock)
                {
                    if (_disposed)
                    {
                        break;
                    }

                    DropCancelledWaiting();
                    Admit();
                    PublishGauges();
                    if (_active.Count > 0)
                    {
                        RunGenerationStep();
                        PublishGauges();
                    }
                }

                if (_active.Count == 0 && _waiting.Count == 0)
                {
                    _incoming.Reader.WaitToReadAsync(_shutdown.Token).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a failing step fails its generations, not the process
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger?.LogError(ex, "engine step failed");
            lock (_stepLock)
            {
                foreach (ActiveGeneration g in _active.Concat(_waiting))
                {
                    Metrics.AddFailed();
                    g.Output.Writer.TryComplete(ex);
                    if (!_disposed)
                    {
                        g.Blocks.Release(KvCache.Allocator);
                    }
                }

                _active.Clear();
                _waiting.Clear();
                PublishGauges();
            }

            _loop = null;
            return;
        }

        foreach (ActiveGeneration g in _active.Concat(_waiting))
        {
            g.Output.Writer.TryComplete(new ObjectDisposedException(nameof(InferenceEngine)));
        }
    }

    /// <summary>Policy order: lower rank first.</summary>
    private int Compare(ActiveGeneration a, ActiveGeneration b)
    {
        if (Options.SchedulingPolicy == SchedulingPolicy.Priority && a.Request.Priority != b.Request.Priority)
        {
            return a.Request.Priority.CompareTo(b.Request.Priority);
        }

        return a.SequenceId.CompareTo(b.SequenceId);
    }

    private void InsertInOrder(List<ActiveGeneration> list, ActiveGeneration g)
    {
        int i = list.Count;
        while (i > 0 && Compare(list[i - 1], g) > 0)
        {
            i--;
        }

        list.Insert(i, g);
    }

    private void DropCancelledWaiting()
    {
        for (int i = _waiting.Count - 1; i >= 0; i--)
        {
            ActiveGeneration g = _waiting[i];
            if (g.CancellationToken.IsCancellationRequested)
            {
                _waiting.RemoveAt(i);
                if (g.Preemptions == 0)
                {
                    Interlocked.Decrement(ref _newRequestsQueued);
                }

                Finish(g, FinishReason.Cancelled, emitToken: -1, logProb: 0);
            }
        }
    }

    /// <summary>Moves waiting generations into the running set while there is room, taking cached prompt prefixes.</summary>
    private void Admit()
    {
        while (_active.Count < Options.MaxSequences && _waiting.Count > 0)
        {
            ActiveGeneration g = _waiting[0];
            _waiting.RemoveAt(0);
            if (g.Preemptions == 0 && !g.PrefixLookedUp)
            {
                Interlocked.Decrement(ref _newRequestsQueued);
                Metrics.AddPromptTokens(g.PromptLength);
            }

            if (Options.PrefixCaching && g.Blocks.Count == 0)
            {
                // Leave at least the last token to compute: its logits give the next token.
                int hit = g.Blocks.AttachCachedPrefix(g.Tokens, g.TokenCount - 1, KvCache.BlockSize, KvCache.Allocator);
                g.CachedTokens = hit;
                if (!g.PrefixLookedUp)
                {
                    Metrics.AddPrefixLookup(g.PromptLength, Math.Min(hit, g.PromptLength));
                }
            }

            g.PrefixLookedUp = true;
            InsertInOrder(_active, g);
        }
    }

    private void PublishGauges()
    {
        int preempted = 0;
        foreach (ActiveGeneration g in _waiting)
        {
            preempted += g.Preemptions > 0 ? 1 : 0;
        }

        Metrics.QueuedRequests = Volatile.Read(ref _newRequestsQueued) + preempted;
        Metrics.RunningSequences = _active.Count;
        Metrics.KvBlocksTotal = KvCache.Allocator.TotalBlocks;
        Metrics.KvBlocksUsed = KvCache.Allocator.UsedBlocks;
        Metrics.KvBlocksCached = KvCache.Allocator.CachedBlocks;
        ActiveGenerations = _active.Count;
    }

    private void RunGenerationStep()
    {
        // Drop cancelled generations first: their blocks are free for this very step.
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            if (_active[i].CancellationToken.IsCancellationRequested)
            {
                Finish(_active[i], FinishReason.Cancelled, emitToken: -1, logProb: 0);
            }
        }

        _batch.Clear();
        _stepMembers.Clear();
        int budget = Options.MaxBatchTokens;
        int blockSize = KvCache.BlockSize;

        // Decode tokens first (one each, in policy order), preempting from the back when blocks run out.
        for (int i = 0; i < _active.Count && budget > 0; i++)
        {
            ActiveGeneration g = _active[i];
            if (g.InPrefill)
            {
                continue;
            }

            if (!MakeRoom(g, i, g.CachedTokens + 1))
            {
                i--; // g left the running set (preempted or failed); the next one is now at i
                continue;
            }

            _batch.Add(g.SequenceId, g.Tokens.Slice(g.CachedTokens, 1), g.CachedTokens, g.Blocks.Table, wantLogits: true);
            _stepMembers.Add(g);
            budget--;
        }

        // Then prompt chunks (and recomputes) in policy order, as far as the budget and the free blocks allow.
        foreach (ActiveGeneration g in _active)
        {
            if (!g.InPrefill || budget == 0)
            {
                continue;
            }

            int room = ((g.Blocks.Count + KvCache.Allocator.FreeBlocks) * blockSize) - g.CachedTokens;
            int n = Math.Min(Math.Min(budget, g.Pending), room);
            if (n <= 0 || !g.Blocks.EnsureCapacity(g.CachedTokens + n, blockSize, KvCache.Allocator))
            {
                continue;
            }

            _batch.Add(g.SequenceId, g.Tokens.Slice(g.CachedTokens, n), g.CachedTokens, g.Blocks.Table, wantLogits: g.CachedTokens + n == g.TokenCount);
            _stepMembers.Add(g);
            budget -= n;
        }

        if (_batch.TokenCount == 0)
        {
            ResolveStall();
            return;
        }

        ReadOnlySpan<float> logits = RunStep(_batch);
        Metrics.StepDone();
        int vocab = VocabSize;
        int row = 0;
        for (int s = 0; s < _stepMembers.Count; s++)
        {
            ActiveGeneration g = _stepMembers[s];
            SequenceSlice slice = _batch.Sequences[s];
            g.CachedTokens = slice.EndPosition;
            if (Options.PrefixCaching)
            {
                g.Blocks.RegisterFullBlocks(g.Tokens, g.CachedTokens, blockSize, KvCache.Allocator);
            }

            if (g.CachedTokens < g.TokenCount)
            {
                continue;
            }

            ReadOnlySpan<float> rowLogits = logits.Slice(row * vocab, vocab);
            row++;
            int token = g.Sampler.Sample(rowLogits, g.Tokens);
            TokenLogprobs? logprobs = g.Request.Logprobs ? LogprobCalculator.Compute(rowLogits, token, g.Request.TopLogprobs) : null;
            AcceptToken(g, token, g.Sampler.LastLogProbability, logprobs);
        }
    }

    /// <summary>
    /// Makes room for <paramref name="tokens"/> positions of <paramref name="g"/> (at <paramref name="index"/> in the running
    /// set), preempting the lowest-ranked generations after it; when none is left, <paramref name="g"/> itself gives way, or,
    /// alone, fails because it cannot fit. Returns false when <paramref name="g"/> left the running set.
    /// </summary>
    private bool MakeRoom(ActiveGeneration g, int index, int tokens)
    {
        while (!g.Blocks.EnsureCapacity(tokens, KvCache.BlockSize, KvCache.Allocator))
        {
            if (_active.Count - 1 > index)
            {
                Preempt(_active[^1]);
                continue;
            }

            if (_active.Count > 1)
            {
                Preempt(g);
            }
            else
            {
                Fail(g, new InvalidOperationException($"KV cache exhausted: a sequence of {tokens} tokens does not fit in the {KvCache.BlockCount} blocks of {KvCache.BlockSize} tokens (LlmFramework:Engine:KvCacheTokens)"));
            }

            return false;
        }

        return true;
    }

    /// <summary>Nothing could run: running prompts hold blocks that others need. The lowest-ranked gives way, or a lone one fails.</summary>
    private void ResolveStall()
    {
        if (_active.Count > 1)
        {
            Preempt(_active[^1]);
        }
        else if (_active.Count == 1)
        {
            ActiveGeneration g = _active[0];
            Fail(g, new InvalidOperationException($"KV cache exhausted: a sequence of {g.TokenCount} tokens does not fit in the {KvCache.BlockCount} blocks of {KvCache.BlockSize} tokens (LlmFramework:Engine:KvCacheTokens)"));
        }
    }

    /// <summary>Gives <paramref name="g"/>'s blocks back and puts it back in the queue; it resumes by recomputing its tokens (its full blocks may still be in the prefix cache).</summary>
    private void Preempt(ActiveGeneration g)
    {
        _active.Remove(g);
        g.Blocks.Release(KvCache.Allocator);
        g.CachedTokens = 0;
        g.Preemptions++;
        Metrics.AddPreemption();
        InsertInOrder(_waiting, g);
        _logger?.LogDebug("preempted sequence {Id} ({Tokens} tokens) to free KV blocks", g.SequenceId, g.TokenCount);
    }

    private void Fail(ActiveGeneration g, Exception error)
    {
        _active.Remove(g);
        g.Blocks.Release(KvCache.Allocator);
        Metrics.AddFailed();
        g.Output.Writer.TryComplete(error);
    }

    private void AcceptToken(ActiveGeneration g, int token, float logProb, TokenLogprobs? logprobs)
    {
        long now = Stopwatch.GetTimestamp();
        if (g.LastTokenTimestamp == 0)
        {
            Metrics.TimeToFirstToken.Observe(Stopwatch.GetElapsedTime(g.ArrivalTimestamp, now).TotalSeconds);
        }
        else
        {
            Metrics.TimePerOutputToken.Observe(Stopwatch.GetElapsedTime(g.LastTokenTimestamp, now).TotalSeconds);
        }

        g.LastTokenTimestamp = now;
        Metrics.AddGeneratedToken();
        g.Append(token);
        bool isEos = !g.Request.IgnoreEos && _eosIds!.Contains(token);
        if (isEos)
        {
            Finish(g, FinishReason.EndOfSequence, token, logProb, logprobs: logprobs);
            return;
        }

        if (g.Request.StopTokenIds.Contains(token))
        {
            Finish(g, FinishReason.Stop, token, logProb, logprobs: logprobs);
            return;
        }

        var stop = g.Stops.Push(g.Detokenizer.Append(token));
        if (stop.Stopped)
        {
            g.Output.Writer.TryWrite(new GenerationChunk(stop.Emit, token, logProb, FinishReason.Stop, g.PromptLength, g.Generated) { Logprobs = logprobs });
            Close(g, cancelled: false);
            return;
        }

        if (g.Generated >= g.Request.MaxTokens)
        {
            Finish(g, FinishReason.Length, token, logProb, stop.Emit, logprobs);
            return;
        }

        if (g.TokenCount >= ContextLength)
        {
            Finish(g, FinishReason.ContextFull, token, logProb, stop.Emit, logprobs);
            return;
        }

        g.Output.Writer.TryWrite(new GenerationChunk(stop.Emit, token, logProb, null, g.PromptLength, g.Generated) { Logprobs = logprobs });
    }

    private void Finish(ActiveGeneration g, FinishReason reason, int emitToken, float logProb, string pending = "", TokenLogprobs? logprobs = null)
    {
        string tail = pending + g.Stops.Push(g.Detokenizer.Flush()).Emit + g.Stops.Flush();
        g.Output.Writer.TryWrite(new GenerationChunk(tail, emitToken, logProb, reason, g.PromptLength, g.Generated) { Logprobs = logprobs });
        Close(g, reason == FinishReason.Cancelled);
    }

    private void Close(ActiveGeneration g, bool cancelled)
    {
        g.Output.Writer.TryComplete();
        g.Blocks.Release(KvCache.Allocator);
        _active.Remove(g);
        if (cancelled)
        {
            Metrics.AddCancelled();
        }
        else
        {
            Metrics.AddFinished();
        }

        Metrics.RequestLatency.Observe(Stopwatch.GetElapsedTime(g.ArrivalTimestamp).TotalSeconds);
    }
}
