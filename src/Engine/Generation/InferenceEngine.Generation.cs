using System.Threading.Channels;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Engine.Generation;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Engine;

/// <summary>Continuous batching: every step mixes the decode tokens of running generations with chunks of new prompts.</summary>
public sealed partial class InferenceEngine
{
    private readonly Channel<ActiveGeneration> _incoming = Channel.CreateUnbounded<ActiveGeneration>();
    private readonly List<ActiveGeneration> _active = [];
    private readonly List<ActiveGeneration> _stepMembers = [];
    private readonly CancellationTokenSource _shutdown = new();
    private Thread? _loop;
    private HashSet<int>? _eosIds;

    /// <summary>Generations running now.</summary>
    public int ActiveGenerations { get; private set; }

    /// <summary>
    /// Starts a generation and streams its chunks. Generations started concurrently are batched into the same steps.
    /// Cancelling <paramref name="cancellationToken"/> ends the generation at the next step and frees its KV blocks.
    /// </summary>
    public IAsyncEnumerable<GenerationChunk> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        request.Validate(VocabSize, ContextLength);
        var generation = new ActiveGeneration(NextSequenceId(), request, Model.Tokenizer, VocabSize, cancellationToken);
        _incoming.Writer.TryWrite(generation);
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
                while (_active.Count < Options.MaxSequences && _incoming.Reader.TryRead(out ActiveGeneration? next))
                {
                    _active.Add(next);
                }

                ActiveGenerations = _active.Count;
                if (_active.Count == 0)
                {
                    _incoming.Reader.WaitToReadAsync(_shutdown.Token).AsTask().GetAwaiter().GetResult();
                    continue;
                }

                lock (_stepLock)
                {
                    if (_disposed)
                    {
                        break;
                    }

                    RunGenerationStep();
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
            foreach (ActiveGeneration g in _active)
            {
                g.Output.Writer.TryComplete(ex);
            }

            _active.Clear();
            _loop = null;
            return;
        }

        foreach (ActiveGeneration g in _active)
        {
            g.Output.Writer.TryComplete(new ObjectDisposedException(nameof(InferenceEngine)));
        }
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

        // Decode tokens first (one each), then prompt chunks in arrival order.
        foreach (ActiveGeneration g in _active)
        {
            if (g.InPrefill || budget == 0)
            {
                continue;
            }

            if (!g.Blocks.EnsureCapacity(g.CachedTokens + 1, KvCache.BlockSize, KvCache.Allocator))
            {
                g.Output.Writer.TryComplete(new InvalidOperationException($"KV cache exhausted ({KvCache.BlockCount} blocks of {KvCache.BlockSize} tokens in use)"));
                continue;
            }

            _batch.Add(g.SequenceId, g.Tokens.Slice(g.CachedTokens, 1), g.CachedTokens, g.Blocks.Table, wantLogits: true);
            _stepMembers.Add(g);
            budget--;
        }

        foreach (ActiveGeneration g in _active)
        {
            if (!g.InPrefill || budget == 0)
            {
                continue;
            }

            int n = Math.Min(budget, g.PromptLength - g.CachedTokens);
            if (!g.Blocks.EnsureCapacity(g.CachedTokens + n, KvCache.BlockSize, KvCache.Allocator))
            {
                if (_stepMembers.Count == 0)
                {
                    g.Output.Writer.TryComplete(new InvalidOperationException($"KV cache exhausted: the prompt of {g.PromptLength} tokens does not fit in {KvCache.BlockCount} blocks of {KvCache.BlockSize} tokens"));
                }

                continue;
            }

            _batch.Add(g.SequenceId, g.Tokens.Slice(g.CachedTokens, n), g.CachedTokens, g.Blocks.Table, wantLogits: g.CachedTokens + n == g.PromptLength);
            _stepMembers.Add(g);
            budget -= n;
        }

        // Generations whose output channel was completed with an error above leave now.
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            if (_active[i].Output.Reader.Completion.IsCompleted)
            {
                _active[i].Blocks.Release(KvCache.Allocator);
                _active.RemoveAt(i);
            }
        }

        if (_batch.TokenCount == 0)
        {
            return;
        }

        ReadOnlySpan<float> logits = RunStep(_batch);
        int vocab = VocabSize;
        int row = 0;
        for (int s = 0; s < _stepMembers.Count; s++)
        {
            ActiveGeneration g = _stepMembers[s];
            SequenceSlice slice = _batch.Sequences[s];
            g.CachedTokens = slice.EndPosition;
            if (g.InPrefill)
            {
                continue;
            }

            ReadOnlySpan<float> rowLogits = logits.Slice(row * vocab, vocab);
            row++;
            int token = g.Sampler.Sample(rowLogits, g.Tokens);
            AcceptToken(g, token, g.Sampler.LastLogProbability);
        }
    }

    private void AcceptToken(ActiveGeneration g, int token, float logProb)
    {
        g.Append(token);
        bool isEos = !g.Request.IgnoreEos && _eosIds!.Contains(token);
        if (isEos)
        {
            Finish(g, FinishReason.EndOfSequence, token, logProb);
            return;
        }

        if (g.Request.StopTokenIds.Contains(token))
        {
            Finish(g, FinishReason.Stop, token, logProb);
            return;
        }

        var stop = g.Stops.Push(g.Detokenizer.Append(token));
        if (stop.Stopped)
        {
            g.Output.Writer.TryWrite(new GenerationChunk(stop.Emit, token, logProb, FinishReason.Stop, g.PromptLength, g.Generated));
            Close(g);
            return;
        }

        if (g.Generated >= g.Request.MaxTokens)
        {
            Finish(g, FinishReason.Length, token, logProb, stop.Emit);
            return;
        }

        if (g.TokenCount >= ContextLength)
        {
            Finish(g, FinishReason.ContextFull, token, logProb, stop.Emit);
            return;
        }

        g.Output.Writer.TryWrite(new GenerationChunk(stop.Emit, token, logProb, null, g.PromptLength, g.Generated));
    }

    private void Finish(ActiveGeneration g, FinishReason reason, int emitToken, float logProb, string pending = "")
    {
        string tail = pending + g.Stops.Push(g.Detokenizer.Flush()).Emit + g.Stops.Flush();
        g.Output.Writer.TryWrite(new GenerationChunk(tail, emitToken, logProb, reason, g.PromptLength, g.Generated));
        Close(g);
    }

    private void Close(ActiveGeneration g)
    {
        g.Output.Writer.TryComplete();
        g.Blocks.Release(KvCache.Allocator);
        _active.Remove(g);
    }
}
