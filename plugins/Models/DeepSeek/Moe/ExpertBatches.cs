namespace LlmFramework.Models.DeepSeek.Moe;

/// <summary>
/// The routed (token, expert) pairs of one step regrouped per expert, so each expert runs one matmul over all of its
/// tokens: for expert e, entries <c>Offsets[e] .. Offsets[e + 1]</c> of <see cref="Tokens"/> and
/// <see cref="Weights"/> (tokens in ascending order). A counting sort into buffers sized once.
/// </summary>
public sealed class ExpertBatches
{
    private readonly int[] _cursor;

    /// <summary>Buffers for up to <paramref name="maxTokens"/> tokens routed to <paramref name="expertsPerToken"/> of <paramref name="experts"/> experts.</summary>
    public ExpertBatches(int experts, int expertsPerToken, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(expertsPerToken, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ExpertCount = experts;
        ExpertsPerToken = expertsPerToken;
        Offsets = new int[experts + 1];
        _cursor = new int[experts];
        Tokens = new int[checked(maxTokens * expertsPerToken)];
        Weights = new float[Tokens.Length];
    }

    /// <summary>Routed experts.</summary>
    public int ExpertCount { get; }

    /// <summary>Choices per token.</summary>
    public int ExpertsPerToken { get; }

    /// <summary>Start of each expert's entries (length ExpertCount + 1).</summary>
    public int[] Offsets { get; }

    /// <summary>Token index of each entry.</summary>
    public int[] Tokens { get; }

    /// <summary>Routing weight of each entry.</summary>
    public float[] Weights { get; }

    /// <summary>Tokens routed to <paramref name="expert"/> in the last <see cref="Build"/>.</summary>
    public int CountOf(int expert) => Offsets[expert + 1] - Offsets[expert];

    /// <summary>
    /// Regroups <paramref name="tokens"/> tokens' choices: <paramref name="experts"/> and <paramref name="weights"/> hold
    /// <see cref="ExpertsPerToken"/> entries per token, token after token.
    /// </summary>
    public void Build(ReadOnlySpan<int> experts, ReadOnlySpan<float> weights, int tokens)
    {
        int entries = tokens * ExpertsPerToken;
        if (experts.Length < entries || weights.Length < entries || entries > Tokens.Length)
        {
            throw new ArgumentException($"{tokens} tokens x {ExpertsPerToken} choices do not fit the inputs ({experts.Length}, {weights.Length}) or the buffers ({Tokens.Length})");
        }

        Array.Clear(Offsets);
        for (int i = 0; i < entries; i++)
        {
            int e = experts[i];
            if ((uint)e >= (uint)ExpertCount)
            {
                throw new ArgumentOutOfRangeException(nameof(experts), e, $"expert id outside [0, {ExpertCount})");
            }

            Offsets[e + 1]++;
        }

        for (int e = 0; e < ExpertCount; e++)
        {
            Offsets[e + 1] += Offsets[e];
            _cursor[e] = Offsets[e];
        }

        for (int i = 0; i < entries; i++)
        {
            int slot = _cursor[experts[i]]++;
            Tokens[slot] = i / ExpertsPerToken;
            Weights[slot] = weights[i];
        }
    }
}
