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
public sealed partial class Sampler
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
                double total = _lastTotalKnown ? _lastTotal : ExpPasses.SumExpShifted(_work, _lastShift, _lastScale);
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
