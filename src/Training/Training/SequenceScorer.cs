using LlmFramework.Training.Data;
using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>
/// Total negative log-likelihood of the scored positions of a set of sequences under a model, in double precision,
/// in padded batches of sequences of similar length; the model is switched to eval mode and back.
/// </summary>
public static class SequenceScorer
{
    /// <summary>Returns (sum of -log p over scored tokens, number of scored tokens).</summary>
    public static (double NegativeLogLikelihood, long Predictions) Score(nn.Module<Tensor, Tensor> model, IReadOnlyList<ScoredSequence> sequences, int pad, int batch = 8, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        bool wasTraining = model.training;
        model.eval();
        double nll = 0;
        long predictions = 0;
        try
        {
            using IDisposable noGrad = no_grad();
            var ordered = sequences.Where(s => s.Tokens.Length >= 2).OrderBy(s => s.Tokens.Length).ToList();
            for (int i = 0; i < ordered.Count; i += batch)
            {
                var chunk = ordered.GetRange(i, Math.Min(batch, ordered.Count - i));
                (long[] inputs, long[] targets, int length) = SequenceBatch.Pack(chunk, pad);
                using var scope = NewDisposeScope();
                Tensor x = tensor(inputs, [chunk.Count, length]);
                Tensor y = tensor(targets, [chunk.Count, length]);
                Tensor logProbs = nn.functional.log_softmax(model.forward(x).to_type(ScalarType.Float64), -1);
                Tensor mask = y.ne(SequenceBatch.Ignore);
                Tensor picked = logProbs.gather(-1, y.clamp_min(0).unsqueeze(-1)).squeeze(-1);
                nll -= picked.masked_select(mask).sum().item<double>();
                predictions += mask.sum().item<long>();
                progress?.Invoke(Math.Min(i + batch, ordered.Count), ordered.Count);
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return (nll, predictions);
    }
}
