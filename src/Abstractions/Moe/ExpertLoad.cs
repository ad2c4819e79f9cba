namespace LlmFramework.Abstractions.Moe;

/// <summary>
/// Routing counts per MoE layer and expert (contract 1.2): how many tokens chose each expert over the engine's sliding
/// window of recent steps, and since the counts began. Immutable; the engine hands schedulers a fresh copy.
/// </summary>
public sealed class ExpertLoad
{
    private readonly long[] _window;
    private readonly long[] _total;

    /// <summary>Creates a snapshot from row-major [layer, expert] counts.</summary>
    public ExpertLoad(int moeLayerCount, int expertCount, long[] window, long[] total, int windowSteps)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(total);
        long cells = (long)moeLayerCount * expertCount;
        if (moeLayerCount < 0 || expertCount < 0 || window.LongLength != cells || total.LongLength != cells)
        {
            throw new ArgumentException($"expert load needs {moeLayerCount} x {expertCount} counts, got {window.Length} and {total.Length}");
        }

        MoeLayerCount = moeLayerCount;
        ExpertCount = expertCount;
        _window = window;
        _total = total;
        WindowSteps = windowSteps;
    }

    /// <summary>MoE layers.</summary>
    public int MoeLayerCount { get; }

    /// <summary>Routed experts per layer.</summary>
    public int ExpertCount { get; }

    /// <summary>Steps the window covers.</summary>
    public int WindowSteps { get; }

    /// <summary>Tokens that chose <paramref name="expert"/> in <paramref name="moeLayer"/> within the window.</summary>
    public long Window(int moeLayer, int expert) => _window[Index(moeLayer, expert)];

    /// <summary>Tokens that chose <paramref name="expert"/> in <paramref name="moeLayer"/> since the counts began.</summary>
    public long Total(int moeLayer, int expert) => _total[Index(moeLayer, expert)];

    /// <summary>The window counts of one layer.</summary>
    public ReadOnlySpan<long> WindowOfLayer(int moeLayer) => _window.AsSpan(Index(moeLayer, 0), ExpertCount);

    /// <summary>The lifetime counts of one layer.</summary>
    public ReadOnlySpan<long> TotalOfLayer(int moeLayer) => _total.AsSpan(Index(moeLayer, 0), ExpertCount);

    private int Index(int moeLayer, int expert)
    {
        if ((uint)moeLayer >= (uint)MoeLayerCount || (uint)expert >= (uint)ExpertCount)
        {
            throw new ArgumentOutOfRangeException(nameof(expert), $"expert {expert} of MoE layer {moeLayer} is outside {MoeLayerCount} layers x {ExpertCount} experts");
        }

        return (moeLayer * ExpertCount) + expert;
    }
}
