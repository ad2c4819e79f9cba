using System.Security.Cryptography;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Picks the next token of one sequence from a row of logits. Owns its random generator and scratch buffers; once
/// warm, <see cref="Sample"/> allocates nothing. Not thread-safe: one sampler per sequence.
/// </summary>
/// <remarks>
/// Order of operations:
/// <list type="number">
/// <item>penalties over the last <see cref="SamplingOptions.RepetitionWindow"/> previous tokens: repetition
/// (positive logit / penalty, negative logit * penalty), then frequency (per occurrence) and presence (once);</item>
/// <item>greedy shortcut when <see cref="SamplingOptions.Temperature"/> &lt;= 0: argmax, ties to the lowest id;</item>
/// <item>temperature (logits / T);</item>
/// <item>top-k by partial selection (a heap; ties to the lowest id);</item>
/// <item>softmax over the remaining candidates;</item>
/// <item>top-p: keep the most likely candidates until their mass reaches p, the one crossing it included;</item>
/// <item>min-p: keep candidates with p &gt;= min_p * p_max;</item>
/// <item>renormalise and draw one token with the seeded xoshiro256** generator (one draw per token; greedy draws
/// none).</item>
/// </list>
/// Without top-k nothing sorts the whole vocabulary: top-p first tries the best 256 logits, and for a flatter
/// distribution bisects a probability threshold with vectorised passes and sorts only the band around it.
/// The same seed, options and logits give the same tokens; exponentials are computed identically at every vector
/// width, but sums are vectorised, so a machine with another vector width may differ in the last bits and, rarely,
/// in a token.
/// </remarks>
public sealed class Sampler
{
    private const int FirstNucleusTry = 256;
    private const int NucleusBandLimit = 256;
    private const int DrawBlockSize = 64;

    private readonly SamplingOptions _options;
    private readonly int _vocabSize;
    private readonly bool _topKActive;
    private readonly float[] _work;
    private float[] _probs = [];
    private float[] _blockSums = [];
    private ulong[] _keys = [];
    private int[] _candidateIds = [];
    private int[] _bandIds = [];
    private float[] _candidateProbs = [];
    private int[] _window = [];
    private Xoshiro256StarStar _rng;

    private int _lastToken = -1;
    private float _lastShift;
    private float _lastScale;
    private double _lastTotal;
    private bool _lastTotalKnown;
    private float _lastLogProbability;
    private bool _lastLogProbabilityKnown;

    /// <summary>Creates a sampler for rows of <paramref name="vocabSize"/> logits.</summary>
    /// <exception cref="ArgumentException">The options are out of range (see <see cref="SamplingOptions.Validate"/>).</exception>
    public Sampler(SamplingOptions options, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        options.Validate();
        _options = options;
        _vocabSize = vocabSize;
        _work = new float[vocabSize];
        _topKActive = options.TopK > 0 && options.TopK < vocabSize;
        Seed = options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        _rng = new Xoshiro256StarStar(Seed);

        if (options.IsGreedy)
        {
            return;
        }

        if (_topKActive)
        {
            EnsureCandidateCapacity(options.TopK);
            EnsureKeyCapacity(options.TopK);
        }
        else
        {
            _probs = new float[vocabSize];
            _blockSums = new float[(vocabSize + DrawBlockSize - 1) / DrawBlockSize];
            if (options.TopP < 1f)
            {
                EnsureCandidateCapacity(Math.Min(vocabSize, FirstNucleusTry));
                EnsureKeyCapacity(Math.Min(vocabSize, FirstNucleusTry));
            }
        }
    }

    /// <summary>The options this sampler was built with.</summary>
    public SamplingOptions Options => _options;

    /// <summary>Number of logits per row.</summary>
    public int VocabSize => _vocabSize;

    /// <summary>The seed in use: <see cref="SamplingOptions.Seed"/>, or the random one picked when that was null.</summary>
    public ulong Seed { get; }

    /// <summary>
    /// Log-probability of the last sampled token under the distribution after penalties and temperature, over the
    /// whole vocabulary (before top-k / top-p / min-p truncation). For greedy decoding, temperature 1 is used.
    /// NaN before the first <see cref="Sample"/>. After top-k or greedy sampling the first read costs one pass over
    /// the row.
    /// </summary>
    public float LastLogProbability
    {
        get
        {
            if (_lastToken < 0)
            {
                return float.NaN;
            }

            if (!_lastLogProbabilityKnown)
            {
                double total = _lastTotalKnown ? _lastTotal : LogitMath.SumExpShifted(_work, _lastShift, _lastScale);
                _lastLogProbability = (float)(((_work[_lastToken] - _lastShift) * (double)_lastScale) - Math.Log(total));
                _lastLogProbabilityKnown = true;
            }

            return _lastLogProbability;
        }
    }

    /// <summary>Picks the next token.</summary>
    /// <param name="logits">One row of <see cref="VocabSize"/> logits (finite or -infinity; NaN is not allowed).</param>
    /// <param name="previousTokens">The prompt and the tokens generated so far, oldest first (read for penalties).</param>
    /// <exception cref="ArgumentException">The row has the wrong length, or a previous token is outside the vocabulary.</exception>
    /// <exception cref="InvalidOperationException">Every logit is -infinity, or the best is NaN or +infinity.</exception>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> previousTokens)
    {
        if (logits.Length != _vocabSize)
        {
            throw new ArgumentException(
                $"logits has {logits.Length} entries but the sampler was built for a vocabulary of {_vocabSize}",
                nameof(logits));
        }

        _lastToken = -1;
        _lastTotalKnown = false;
        _lastLogProbabilityKnown = false;
        logits.CopyTo(_work);
        if (_options.HasPenalties)
        {
            ApplyPenalties(previousTokens);
        }

        int token;
        if (_options.IsGreedy)
        {
            token = LogitMath.ArgMax(_work);
            CheckBest(token < 0 ? float.NaN : _work[token]);
            _lastShift = _work[token];
            _lastScale = 1f;
        }
        else
        {
            _lastScale = 1f / _options.Temperature;
            token = _topKActive ? SampleTopK() : SampleFullVocabulary();
        }

        _lastToken = token;
        return token;
    }

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
        double total = LogitMath.ExpShifted(_work, _probs, best, _lastScale);
        _lastTotal = total;
        _lastTotalKnown = true;

        if (_options.TopP < 1f)
        {
            return DrawCandidate(ApplyMinP(SelectNucleus(total)));
        }

        if (_options.MinP > 0f)
        {
            // The best token's weight is exp(0) = 1, so min_p * p_max is min_p itself in these unnormalised weights.
            LogitMath.ZeroBelow(_probs, _options.MinP);
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

            (int count, double mass) = LogitMath.CountAndMassAtLeast(_probs, t);
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
        (int n, int band) = LogitMath.Partition(_probs, tHi, tLo, _candidateIds, _bandIds);
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
        double total = LogitMath.BlockSums(weights, sums, DrawBlockSize);
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

    private void ApplyPenalties(ReadOnlySpan<int> previousTokens)
    {
        int length = _options.RepetitionWindow < 0
            ? previousTokens.Length
            : Math.Min(_options.RepetitionWindow, previousTokens.Length);
        if (length == 0)
        {
            return;
        }

        if (_window.Length < length)
        {
            Array.Resize(ref _window, Math.Max(length, _window.Length * 2));
        }

        Span<int> recent = _window.AsSpan(0, length);
        previousTokens[^length..].CopyTo(recent);
        recent.Sort();
        float repetition = _options.RepetitionPenalty;
        float presence = _options.PresencePenalty;
        float frequency = _options.FrequencyPenalty;
        for (int i = 0; i < length;)
        {
            int token = recent[i];
            int count = 1;
            while (i + count < length && recent[i + count] == token)
            {
                count++;
            }

            i += count;
            if ((uint)token >= (uint)_vocabSize)
            {
                throw new ArgumentException(
                    $"previousTokens holds token {token}, outside the vocabulary of {_vocabSize}",
                    nameof(previousTokens));
            }

            float logit = _work[token];
            if (repetition != 1f)
            {
                logit = logit > 0f ? logit / repetition : logit * repetition;
            }

            _work[token] = logit - (count * frequency) - presence;
        }
    }

    private void EnsureCandidateCapacity(int size)
    {
        if (_candidateIds.Length < size)
        {
            size = Math.Min(_vocabSize, Math.Max(size, _candidateIds.Length * 2));
            _candidateIds = new int[size];
            _candidateProbs = new float[size];
        }
    }

    private void EnsureBandCapacity(int size)
    {
        if (_bandIds.Length < size)
        {
            _bandIds = new int[Math.Min(_vocabSize, Math.Max(size, _bandIds.Length * 2))];
        }
    }

    private void EnsureKeyCapacity(int size)
    {
        if (_keys.Length < size)
        {
            _keys = new ulong[Math.Min(_vocabSize, Math.Max(size, _keys.Length * 2))];
        }
    }

    private static void CheckBest(float best)
    {
        if (float.IsNaN(best))
        {
            throw new InvalidOperationException("logits contain NaN");
        }

        if (float.IsNegativeInfinity(best))
        {
            throw new InvalidOperationException("every logit is -infinity: no token can be sampled");
        }

        if (float.IsPositiveInfinity(best))
        {
            throw new InvalidOperationException("logits contain +infinity");
        }
    }
}
