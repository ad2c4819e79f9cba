using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// Counts the router's choices per MoE layer and expert: over a sliding window of the last <see cref="WindowSteps"/>
/// steps (a ring of per-step buckets; the running window sum drops a bucket as it is reused) and since the counts
/// began. Recording is O(1) per choice and allocates nothing; the step thread records, snapshots copy.
/// </summary>
public sealed class ExpertRoutingCounter
{
    private readonly SlidingCounts _counts;
    private readonly object _gate = new();

    /// <summary>Counts for <paramref name="moeLayers"/> x <paramref name="experts"/> over <paramref name="windowSteps"/> steps.</summary>
    public ExpertRoutingCounter(int moeLayers, int experts, int windowSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(moeLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSteps, 1);
        MoeLayerCount = moeLayers;
        ExpertCount = experts;
        WindowSteps = windowSteps;
        _counts = new SlidingCounts(checked(moeLayers * experts), windowSteps);
    }

    /// <summary>MoE layers.</summary>
    public int MoeLayerCount { get; }

    /// <summary>Routed experts per layer.</summary>
    public int ExpertCount { get; }

    /// <summary>Steps in the window.</summary>
    public int WindowSteps { get; }

    /// <summary>Steps ended so far.</summary>
    public long Steps
    {
        get
        {
            lock (_gate)
            {
                return _counts.Steps;
            }
        }
    }

    /// <summary>Counts one token's choice of <paramref name="expert"/> in <paramref name="moeLayer"/> in the current step.</summary>
    public void Record(int moeLayer, int expert)
    {
        if ((uint)moeLayer >= (uint)MoeLayerCount || (uint)expert >= (uint)ExpertCount)
        {
            throw new ArgumentOutOfRangeException(nameof(expert), $"expert {expert} of MoE layer {moeLayer} is outside {MoeLayerCount} layers x {ExpertCount} experts");
        }

        int i = (moeLayer * ExpertCount) + expert;
        lock (_gate)
        {
            _counts.Add(i);
        }
    }

    /// <summary>Closes the current step: the oldest bucket leaves the window and becomes the new current one.</summary>
    public void EndStep()
    {
        lock (_gate)
        {
            _counts.EndStep();
        }
    }

    /// <summary>A copy of the counts now.</summary>
    public ExpertLoad Snapshot()
    {
        lock (_gate)
        {
            return new ExpertLoad(MoeLayerCount, ExpertCount, _counts.Window.ToArray(), _counts.Total.ToArray(), WindowSteps);
        }
    }

    /// <summary>
    /// Starts from saved counts (a warm restart): the lifetime counts are taken as they are and the saved window counts
    /// become the oldest bucket of the window, so they age out as new steps are counted.
    /// </summary>
    public void Restore(ExpertLoad saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        if (saved.MoeLayerCount != MoeLayerCount || saved.ExpertCount != ExpertCount)
        {
            throw new ArgumentException($"saved expert statistics are for {saved.MoeLayerCount} MoE layers x {saved.ExpertCount} experts; this model has {MoeLayerCount} x {ExpertCount}");
        }

        lock (_gate)
        {
            _counts.Restore(i => saved.Window(i / ExpertCount, i % ExpertCount), i => saved.Total(i / ExpertCount, i % ExpertCount));
        }
    }
}
