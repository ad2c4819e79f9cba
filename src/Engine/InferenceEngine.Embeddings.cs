using LlmFramework.Abstractions.Graph;
using LlmFramework.Engine.Kv;

namespace LlmFramework.Engine;

/// <summary>Text embeddings from the model: the mean of the final hidden states over the tokens, L2-normalised.</summary>
public sealed partial class InferenceEngine
{
    private GraphTensor? _finalHidden;

    /// <summary>Length of the vectors <see cref="Embed"/> returns (the model's hidden size).</summary>
    public int EmbeddingSize => checked((int)FinalHidden.Columns);

    /// <summary>
    /// The embedding of <paramref name="tokens"/>, run as one fresh sequence: the mean over all tokens of the hidden state
    /// that feeds the LM head (after the final norm), scaled to unit length. Runs between generation steps, as one
    /// uninterrupted piece of work (its KV blocks are taken and given back while no step runs, so generations never see
    /// them); when running generations hold the blocks it needs, it waits for them to free some, up to
    /// <paramref name="maxWait"/> (default 60 s).
    /// </summary>
    public float[] Embed(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default, TimeSpan? maxWait = null)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("nothing to embed: the input has no tokens");
        }

        if (tokens.Length > ContextLength)
        {
            throw new ArgumentException($"the input has {tokens.Length} tokens but the context length is {ContextLength}");
        }

        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)VocabSize)
            {
                throw new ArgumentException($"token id {t} is outside the vocabulary [0, {VocabSize})");
            }
        }

        GraphTensor hidden = FinalHidden;
        int width = checked((int)hidden.Columns);
        double[] sum = new double[width];
        var sequence = new SequenceBlocks();
        int id = NextSequenceId();
        long deadline = Environment.TickCount64 + (long)(maxWait ?? TimeSpan.FromSeconds(60)).TotalMilliseconds;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_stepLock)
            {
                try
                {
                    if (sequence.EnsureCapacity(tokens.Length, KvCache.BlockSize, KvCache.Allocator))
                    {
                        for (int done = 0; done < tokens.Length;)
                        {
                            int n = Math.Min(Options.MaxBatchTokens, tokens.Length - done);
                            _batch.Clear();
                            _batch.Add(id, tokens.Slice(done, n), done, sequence.Table, wantLogits: false);
                            _batch.OutputAllTokens();
                            RunStep(_batch, cancellationToken);
                            AddRows(_executor.Arena.BufferOf(hidden).AsSpan(0, n * width), width, sum);
                            done += n;
                        }

                        break;
                    }
                }
                finally
                {
                    sequence.Release(KvCache.Allocator);
                }

                if (ActiveGenerations == 0 || Environment.TickCount64 > deadline)
                {
                    throw new InvalidOperationException($"KV cache exhausted: embedding {tokens.Length} tokens needs {(tokens.Length + KvCache.BlockSize - 1) / KvCache.BlockSize} of the {KvCache.BlockCount} blocks of {KvCache.BlockSize} tokens, and {(ActiveGenerations == 0 ? "no generation is running to free any" : "running generations did not free enough in time")} (LlmFramework:Engine:KvCacheTokens)");
                }
            }

            Thread.Sleep(2);
        }

        double norm = 0;
        foreach (double v in sum)
        {
            norm += v * v;
        }

        norm = Math.Sqrt(norm);
        float[] embedding = new float[width];
        for (int c = 0; c < width; c++)
        {
            embedding[c] = norm > 0 ? (float)(sum[c] / norm) : 0f;
        }

        return embedding;
    }

    private static void AddRows(ReadOnlySpan<float> rows, int width, double[] sum)
    {
        for (int r = 0; r < rows.Length / width; r++)
        {
            ReadOnlySpan<float> row = rows.Slice(r * width, width);
            for (int c = 0; c < width; c++)
            {
                sum[c] += row[c];
            }
        }
    }

    /// <summary>The input of the node that produces the logits: the final hidden states, one row per output token.</summary>
    private GraphTensor FinalHidden => _finalHidden ??= FindFinalHidden();

    private GraphTensor FindFinalHidden()
    {
        GraphNode? head = Graph.Nodes.LastOrDefault(n => n.Output == Graph.Logits);
        GraphTensor? input = head?.Inputs.FirstOrDefault(i => i.Role == TensorRole.Activation && i.RowSpace == RowSpace.Outputs);
        return input ?? throw new NotSupportedException($"embeddings need the logits to come from a node whose first activation input is the final hidden state; {Model.Info.Description} has none");
    }
}
