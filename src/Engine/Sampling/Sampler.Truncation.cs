namespace LlmFramework.Engine.Sampling;

// The sampling paths: top-k candidates, or the whole vocabulary with top-p / min-p, then the draw.
public sealed partial class Sampler
{
    private int SampleTopK()
    {
        Span<ulong> keys = _keys.AsSpan(0, _options.TopK);
        TopSelection.SelectTop(_work, keys);
        float best = _work[TopSelection.IdOf(keys[0])];
        CheckBest(best);
        _lastShift = best;

        double total = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            int id = TopSelection.IdOf(keys[i]);
            float p = ExpKernel.Exp((_work[id] - best) * _lastScale);
            _candidateIds[i] = id;
            _candidateProbs[i] = p;
            total += p;
        }

        int n = NucleusCount(_candidateProbs.AsSpan(0, keys.Length), total);
        return DrawCandidate(ApplyMinP(n));
    }

    private int SampleFullVocabulary()
    {
        float best = LogitMath.Max(_work);
        CheckBest(best);
        _lastShift = best;
        double total = ExpPasses.ExpShifted(_work, _probs, best, _lastScale);
        _lastTotal = total;
        _lastTotalKnown = true;

        if (_options.TopP < 1f)
        {
            return DrawCandidate(ApplyMinP(SelectNucleus(total)));
        }

        if (_options.MinP > 0f)
        {
            // The best token's weight is exp(0) = 1, so min_p * p_max is min_p itself in these unnormalised weights.
            WeightPasses.ZeroBelow(_probs, _options.MinP);
        }

        return DrawFromBlocks(_probs);
    }

    /// <summary>
    /// Top-p without top-k, leaving the nucleus in the candidate buffers. Peaked distributions are settled by the best
    /// 256 logits. Otherwise a probability threshold is bisected (in log space) until few tokens lie between one that
    /// keeps too little mass (t_hi) and one that keeps enough (t_lo): every token at or above t_hi is in the nucleus,
    /// and only the band between is sorted to find where the mass crosses p.
    /// </summary>
    private int SelectNucleus(double total)
    {
        double target = _options.TopP * total;
        int first = Math.Min(_vocabSize, FirstNucleusTry);
        Span<ulong> keys = _keys.AsSpan(0, first);
        TopSelection.SelectTop(_work, keys);
        double cumulative = 0;
        for (int i = 0; i < first; i++)
        {
            int id = TopSelection.IdOf(keys[i]);
            float p = _probs[id];
            _candidateIds[i] = id;
            _candidateProbs[i] = p;
            cumulative += p;
            if (cumulative >= target)
            {
                return i + 1;
            }
        }

        if (first == _vocabSize)
        {
            return first;
        }

        // Every non-zero weight is at least e^-87.3 (ExpKernel flushes smaller ones to 0) and none exceeds 1.
        double xHi = -1, xLo = 88;
        float tHi = MathF.Exp(1), tLo = MathF.Exp(-88);
        int countHi = 0, countLo = _vocabSize;
        for (int iteration = 0; iteration < 60 && countLo - countHi > NucleusBandLimit; iteration++)
        {
            double x = 0.5 * (xHi + xLo);
            float t = (float)Math.Exp(-x);
            if (t == tHi || t == tLo)
            {
                break; // tied weights: the band cannot shrink further, so it is sorted as it is
            }

            (int count, double mass) = WeightPasses.CountAndMassAtLeast(_probs, t);
            if (mass >= target)
            {
                (xLo, tLo, countLo) = (x, t, count);
            }
            else
            {
                (xHi, tHi, countHi) = (x, t, count);
            }
        }

        EnsureCandidateCapacity(countLo);
        EnsureKeyCapacity(countLo - countHi);
        EnsureBandCapacity(countLo - countHi);
        (int n, int band) = WeightPasses.Partition(_probs, tHi, tLo, _candidateIds, _bandIds);
        cumulative = 0;
        for (int i = 0; i < n; i++)
        {
            float p = _probs[_candidateIds[i]];
            _candidateProbs[i] = p;
            cumulative += p;
        }

        for (int i = 0; i < band; i++)
        {
            _keys[i] = TopSelection.KeyOf(_work[_bandIds[i]], _bandIds[i]);
        }

        Span<ulong> sortedBand = _keys.AsSpan(0, band);
        sortedBand.Sort();
        sortedBand.Reverse();
        foreach (ulong key in sortedBand)
        {
            int id = TopSelection.IdOf(key);
            _candidateIds[n] = id;
            _candidateProbs[n++] = _probs[id];
            cumulative += _probs[id];
            if (cumulative >= target)
            {
                break;
            }
        }

        return n;
    }

    /// <summary>Top-p over candidate weights sorted best first: how many to keep (at least one).</summary>
    private int NucleusCount(ReadOnlySpan<float> sortedProbs, double total)
    {
        if (_options.TopP >= 1f)
        {
            return sortedProbs.Length;
        }

        double target = _options.TopP * total;
        double cumulative = 0;
        for (int i = 0; i < sortedProbs.Length; i++)
        {
            cumulative += sortedProbs[i];
            if (cumulative >= target)
            {
                return i + 1;
            }
        }

        return sortedProbs.Length;
    }

    /// <summary>
    /// Min-p over the first <paramref name="n"/> candidates, compacting them in place; returns how many are left.
    /// The best token is always a candidate and its weight is exp(0) = 1, so the threshold is min_p itself.
    /// </summary>
    private int ApplyMinP(int n)
    {
        if (_options.MinP <= 0f)
        {
            return n;
        }

        float threshold = _options.MinP;
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (_candidateProbs[i] >= threshold)
            {
                _candidateIds[kept] = _candidateIds[i];
                _candidateProbs[kept++] = _candidateProbs[i];
            }
        }

        return kept;
    }

    /// <summary>Draws among the first <paramref name="n"/> candidates, in proportion to their weights.</summary>
    private int DrawCandidate(int n)
    {
        ReadOnlySpan<float> weights = _candidateProbs.AsSpan(0, n);
        double total = 0;
        foreach (float w in weights)
        {
            total += w;
        }

        double u = _rng.NextDouble() * total;
        return _candidateIds[Pick(weights, u, 0)];
    }

    /// <summary>
    /// Draws an id from a whole row of weights: block sums find the block holding the drawn point, and only that block
    /// is scanned one weight at a time.
    /// </summary>
    private int DrawFromBlocks(ReadOnlySpan<float> weights)
    {
        int blocks = (weights.Length + DrawBlockSize - 1) / DrawBlockSize;
        Span<float> sums = _blockSums.AsSpan(0, blocks);
        double total = WeightPasses.BlockSums(weights, sums, DrawBlockSize);
        double u = _rng.NextDouble() * total;
        double cumulative = 0;
        int lastPositive = 0;
        for (int b = 0; b < blocks; b++)
        {
            if (sums[b] > 0f)
            {
                lastPositive = b;
                if (u < cumulative + sums[b])
                {
                    break;
                }

                cumulative += sums[b];
            }
        }

        int from = lastPositive * DrawBlockSize;
        ReadOnlySpan<float> block = weights.Slice(from, Math.Min(DrawBlockSize, weights.Length - from));
        return from + Pick(block, u, cumulative);
    }

    /// <summary>
    /// The first index where the running sum (from <paramref name="start"/>) passes <paramref name="u"/>; when
    /// rounding leaves it short, the last positive weight.
    /// </summary>
    private static int Pick(ReadOnlySpan<float> weights, double u, double start)
    {
        double cumulative = start;
        int lastPositive = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            if (w > 0f)
            {
                cumulative += w;
                lastPositive = i;
                if (u < cumulative)
                {
                    return i;
                }
            }
        }

        return lastPositive;
    }
}
