using System.Security.Cryptography;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Picks the next token of one sequence from a row of logits. Owns its random generator and scratch buffers; after
/// the first few calls <see cref="Sample"/> allocates nothing. Not thread-safe: one sampler per sequence.
/// </summary>
/// <remarks>
/// Order of operations:
/// <list type="number">
/// <item>penalties over the last <see cref="SamplingOptions.RepetitionWindow"/> previous tokens: repetition
/// (positive logit / penalty, negative logit * penalty), then frequency (per occurrence) and presence (once);</item>
/// <item>greedy shortcut when <see cref="SamplingOptions.Temperature"/> &lt;= 0: argmax, ties to the lowest id;</item>
/// <item>temperature (logits / T);</item>
/// <item>top-k by partial selection (ties to the lowest id);</item>
/// <item>softmax over the remaining candidates;</item>
/// <item>top-p: keep the most likely candidates until their mass reaches p, the one crossing it included;</item>
/// <item>min-p: keep candidates with p &gt;= min_p * p_max;</item>
/// <item>renormalise and draw one token with the seeded xoshiro256** generator.</item>
/// </list>
/// Without top-k, top-p selects a growing prefix of the best logits instead of sorting the whole vocabulary.
/// The same seed, options and logits give the same tokens on the same machine; exponentials are vectorised, so a
/// machine with another vector width may differ in the last bits and, rarely, in a token.
/// </remarks>
public sealed class Sampler
{
    private const int InitialNucleusSize = 256;

    private readonly SamplingOptions _options;
    private readonly int _vocabSize;
    private readonly bool _topKActive;
    private readonly float[] _work;
    private float[] _probs = [];
    private ulong[] _keys = [];
    private float[] _candidateProbs = [];
    private int[] _window = [];
    private Xoshiro256StarStar _rng;

    private int _lastToken = -1;
    private float _lastShift;
    private float _lastScale;
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

        if (!options.IsGreedy)
        {
            if (_topKActive)
            {
                _keys = new ulong[options.TopK];
                _candidateProbs = new float[options.TopK];
            }
            else
            {
                _probs = new float[vocabSize];
                if (options.TopP < 1f)
                {
                    EnsureNucleusCapacity(Math.Min(vocabSize, InitialNucleusSize));
                }
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
    /// NaN before the first <see cref="Sample"/>. Computed on first read (one pass over the row).
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
                double sum = LogitMath.SumExpShifted(_work, _lastShift, _lastScale);
                _lastLogProbability = (float)(((_work[_lastToken] - _lastShift) * (double)_lastScale) - Math.Log(sum));
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

        logits.CopyTo(_work);
        if (_options.HasPenalties)
        {
            ApplyPenalties(previousTokens);
        }

        _lastLogProbabilityKnown = false;
        _lastToken = -1;
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
        Span<ulong> keys = _keys;
        TopSelection.SelectTop(_work, keys);
        float best = _work[TopSelection.IdOf(keys[0])];
        CheckBest(best);
        _lastShift = best;

        Span<float> probs = _candidateProbs;
        double total = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            float p = MathF.Exp((_work[TopSelection.IdOf(keys[i])] - best) * _lastScale);
            probs[i] = p;
            total += p;
        }

        int n = NucleusCount(probs, total);
        n = MinPCount(probs[..n]);
        return TopSelection.IdOf(keys[Draw(probs[..n])]);
    }

    private int SampleFullVocabulary()
    {
        float best = LogitMath.Max(_work);
        CheckBest(best);
        _lastShift = best;
        double total = LogitMath.ExpShifted(_work, _probs, best, _lastScale);

        if (_options.TopP < 1f)
        {
            int n = SelectNucleus(total);
            Span<float> probs = _candidateProbs.AsSpan(0, n);
            n = MinPCount(probs);
            return TopSelection.IdOf(_keys[Draw(probs[..n])]);
        }

        if (_options.MinP > 0f)
        {
            // The best token's weight is exp(0) = 1, so min_p * p_max is min_p itself in these unnormalised weights.
            LogitMath.ZeroBelow(_probs, _options.MinP);
        }

        return Draw(_probs);
    }

    /// <summary>
    /// Top-p without top-k: selects the best 256 logits, then 8x as many, and so on, until their mass reaches p. Leaves
    /// the nucleus in <see cref="_keys"/> (best first) with its weights in <see cref="_candidateProbs"/>.
    /// </summary>
    private int SelectNucleus(double total)
    {
        double target = _options.TopP * total;
        int m = Math.Min(_vocabSize, InitialNucleusSize);
        while (true)
        {
            EnsureNucleusCapacity(m);
            Span<ulong> keys = _keys.AsSpan(0, m);
            TopSelection.SelectTop(_work, keys);
            double cumulative = 0;
            for (int i = 0; i < m; i++)
            {
                float p = _probs[TopSelection.IdOf(keys[i])];
                _candidateProbs[i] = p;
                cumulative += p;
                if (cumulative >= target)
                {
                    return i + 1;
                }
            }

            if (m == _vocabSize)
            {
                return m;
            }

            m = (int)Math.Min(_vocabSize, (long)m * 8);
        }
    }

    /// <summary>Top-p over weights sorted best first: how many to keep (at least one).</summary>
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

    /// <summary>Min-p over weights sorted best first: how many to keep (at least one).</summary>
    private int MinPCount(ReadOnlySpan<float> sortedProbs)
    {
        if (_options.MinP <= 0f)
        {
            return sortedProbs.Length;
        }

        float threshold = _options.MinP * sortedProbs[0];
        int n = 1;
        while (n < sortedProbs.Length && sortedProbs[n] >= threshold)
        {
            n++;
        }

        return n;
    }

    /// <summary>Draws an index with probability proportional to its weight (renormalising implicitly).</summary>
    private int Draw(ReadOnlySpan<float> weights)
    {
        double total = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            total += weights[i];
        }

        double u = _rng.NextDouble() * total;
        double cumulative = 0;
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

    private void EnsureNucleusCapacity(int size)
    {
        if (_keys.Length < size)
        {
            _keys = new ulong[size];
            _candidateProbs = new float[size];
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
