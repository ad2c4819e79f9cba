using LlmFramework.Engine.Kv;

namespace LlmFramework.Engine;

/// <summary>Scoring text under the model: the log-likelihood of each token given the ones before it.</summary>
public sealed partial class InferenceEngine
{
    /// <summary>
    /// Runs <paramref name="tokens"/> as one fresh sequence (in chunks of <see cref="EngineOptions.MaxBatchTokens"/>) and
    /// returns the sum of -ln p(token[i+1] | tokens[0..i]) over every position and the number of predictions
    /// (tokens.Length - 1). Log-probabilities are computed in double precision from the raw logits.
    /// </summary>
    public (double NegativeLogLikelihood, int Predictions) ScoreTokens(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length < 2)
        {
            throw new ArgumentException($"scoring needs at least 2 tokens, got {tokens.Length}");
        }

        if (tokens.Length > ContextLength)
        {
            throw new ArgumentException($"{tokens.Length} tokens exceed the context length {ContextLength}");
        }

        var sequence = new SequenceBlocks();
        int id = NextSequenceId();
        int vocab = VocabSize;
        double nll = 0;
        try
        {
            for (int done = 0; done < tokens.Length;)
            {
                int n = Math.Min(Options.MaxBatchTokens, tokens.Length - done);
                lock (_stepLock)
                {
                    EnsureCapacity(sequence, done + n);
                    _batch.Clear();
                    _batch.Add(id, tokens.Slice(done, n), done, sequence.Table, wantLogits: false);
                    _batch.OutputAllTokens();
                    ReadOnlySpan<float> logits = RunStep(_batch);
                    for (int i = 0; i < n && done + i + 1 < tokens.Length; i++)
                    {
                        nll -= LogSoftmaxAt(logits.Slice(i * vocab, vocab), tokens[done + i + 1]);
                    }
                }

                done += n;
            }
        }
        finally
        {
            lock (_stepLock)
            {
                sequence.Release(KvCache.Allocator);
            }
        }

        return (nll, tokens.Length - 1);
    }

    private static double LogSoftmaxAt(ReadOnlySpan<float> logits, int index)
    {
        float max = Sampling.LogitMath.Max(logits);
        double sum = 0;
        foreach (float v in logits)
        {
            sum += Math.Exp(v - max);
        }

        return logits[index] - max - Math.Log(sum);
    }
}
