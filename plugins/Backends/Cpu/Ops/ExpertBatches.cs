namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// The routed (token, slot) pairs of one step regrouped per expert, so each expert runs one matmul over all of its
/// tokens: for expert e, <see cref="EntriesOf"/> lists the pairs as <c>token * S + slot</c>, in ascending order
/// (tokens in order). A route id of -1 (contract 1.3: the slot is computed on another device) puts the pair in no
/// expert's list, so its output row is never written. A counting sort into buffers that grow with the step and the
/// expert count, never per step.
/// </summary>
internal sealed class ExpertBatches
{
    private int[] _offsets = [0];
    private int[] _cursor = [];
    private int[] _entries = [];

    /// <summary>Routed experts of the last <see cref="Build"/>.</summary>
    public int ExpertCount { get; private set; }

    /// <summary>Slots per token of the last <see cref="Build"/>.</summary>
    public int ExpertsPerToken { get; private set; }

    /// <summary>The most (token, slot) pairs any one expert received in the last <see cref="Build"/>.</summary>
    public int LargestBatch { get; private set; }

    /// <summary>Pairs routed to <paramref name="expert"/> in the last <see cref="Build"/>.</summary>
    public int CountOf(int expert) => _offsets[expert + 1] - _offsets[expert];

    /// <summary>The pairs routed to <paramref name="expert"/>, each <c>token * S + slot</c>, ascending.</summary>
    public ReadOnlySpan<int> EntriesOf(int expert) => _entries.AsSpan(_offsets[expert], CountOf(expert));

    /// <summary>
    /// Regroups the choices of <paramref name="tokens"/> route rows ([T, 2S] as <c>MoeRoute</c> writes them: S expert
    /// ids stored as F32, then S weights); pairs whose id is -1 are left out.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="routes"/> holds fewer than T rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A route id is neither -1 nor an integer in [0, <paramref name="experts"/>).</exception>
    public void Build(ReadOnlySpan<float> routes, int tokens, int experts, int expertsPerToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(expertsPerToken, 1);
        int s = expertsPerToken;
        int entries = tokens * s;
        if (routes.Length < tokens * 2 * s)
        {
            throw new ArgumentException($"{tokens} tokens x {s} choices need {tokens * 2 * s} route values, got {routes.Length}", nameof(routes));
        }

        Ensure(experts, entries);
        ExpertCount = experts;
        ExpertsPerToken = s;
        Array.Clear(_offsets, 0, experts + 1);
        for (int i = 0; i < entries; i++)
        {
            // A skipped pair (-1) lands in the unused counter _offsets[0], which the prefix sum below never reads.
            _offsets[ExpertOf(routes, i, s, experts) + 1]++;
        }

        _offsets[0] = 0;

        LargestBatch = 0;
        for (int e = 0; e < experts; e++)
        {
            LargestBatch = Math.Max(LargestBatch, _offsets[e + 1]);
            _offsets[e + 1] += _offsets[e];
            _cursor[e] = _offsets[e];
        }

        for (int i = 0; i < entries; i++)
        {
            int e = ExpertOf(routes, i, s, experts);
            if (e >= 0)
            {
                _entries[_cursor[e]++] = i;
            }
        }
    }

    /// <summary>The expert of pair <paramref name="entry"/> (token entry / S, slot entry % S), or -1 when it is skipped.</summary>
    private static int ExpertOf(ReadOnlySpan<float> routes, int entry, int s, int experts)
    {
        int token = entry / s;
        int slot = entry % s;
        float id = routes[(token * 2 * s) + slot];
        int e = (int)id;
        if (e == -1 && id == -1f)
        {
            return -1;
        }

        if (e != id || (uint)e >= (uint)experts)
        {
            throw new ArgumentOutOfRangeException(nameof(routes), id, $"ExpertMatMul: route {slot} of token {token} names no expert of [0, {experts}) and is not -1 (skipped)");
        }

        return e;
    }

    private void Ensure(int experts, int entries)
    {
        if (_cursor.Length < experts)
        {
            _offsets = new int[experts + 1];
            _cursor = new int[experts];
        }

        if (_entries.Length < entries)
        {
            _entries = new int[Math.Max(entries, 2 * _entries.Length)];
        }
    }
}
