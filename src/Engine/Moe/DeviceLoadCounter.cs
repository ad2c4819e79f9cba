namespace LlmFramework.Engine.Moe;

/// <summary>
/// The measured side of expert parallelism: how many (token, slot) entries each expert device actually computed, per
/// MoE layer and expert since the counts began, and per device over a sliding window of the last
/// <see cref="WindowSteps"/> steps (a ring of per-step buckets, as <see cref="ExpertRoutingCounter"/> keeps). Where
/// <see cref="MoeRuntime.Balancedness"/> is the placement's prediction (each expert's tokens split evenly over its
/// replicas), <see cref="Balancedness"/> is what ran. The step thread records; any thread may read.
/// </summary>
public sealed class DeviceLoadCounter
{
    private readonly long[] _entries;
    private readonly SlidingCounts _perDevice;
    private readonly object _gate = new();

    /// <summary>Counts for <paramref name="deviceCount"/> devices x <paramref name="moeLayers"/> x <paramref name="experts"/>, windowed over <paramref name="windowSteps"/> steps.</summary>
    public DeviceLoadCounter(int deviceCount, int moeLayers, int experts, int windowSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(deviceCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(moeLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSteps, 1);
        DeviceCount = deviceCount;
        MoeLayerCount = moeLayers;
        ExpertCount = experts;
        WindowSteps = windowSteps;
        _entries = new long[checked(deviceCount * moeLayers * experts)];
        _perDevice = new SlidingCounts(deviceCount, windowSteps);
    }

    /// <summary>Expert devices.</summary>
    public int DeviceCount { get; }

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
                return _perDevice.Steps;
            }
        }
    }

    /// <summary>Counts one entry of <paramref name="expert"/> in <paramref name="moeLayer"/> computed on <paramref name="device"/> in the current step.</summary>
    public void Record(int device, int moeLayer, int expert)
    {
        if ((uint)device >= (uint)DeviceCount || (uint)moeLayer >= (uint)MoeLayerCount || (uint)expert >= (uint)ExpertCount)
        {
            throw new ArgumentOutOfRangeException(nameof(device), $"device {device}, MoE layer {moeLayer}, expert {expert} is outside {DeviceCount} x {MoeLayerCount} x {ExpertCount}");
        }

        lock (_gate)
        {
            _entries[(((device * MoeLayerCount) + moeLayer) * ExpertCount) + expert]++;
            _perDevice.Add(device);
        }
    }

    /// <summary>Closes the current step: the oldest bucket leaves the window and becomes the new current one.</summary>
    public void EndStep()
    {
        lock (_gate)
        {
            _perDevice.EndStep();
        }
    }

    /// <summary>Entries <paramref name="device"/> computed since the counts began.</summary>
    public long Entries(int device)
    {
        lock (_gate)
        {
            return _perDevice.Total[device];
        }
    }

    /// <summary>Entries <paramref name="device"/> computed in <paramref name="moeLayer"/> since the counts began.</summary>
    public long Entries(int device, int moeLayer)
    {
        lock (_gate)
        {
            long sum = 0;
            int start = ((device * MoeLayerCount) + moeLayer) * ExpertCount;
            for (int e = 0; e < ExpertCount; e++)
            {
                sum += _entries[start + e];
            }

            return sum;
        }
    }

    /// <summary>Entries of <paramref name="expert"/> in <paramref name="moeLayer"/> that <paramref name="device"/> computed since the counts began.</summary>
    public long Entries(int device, int moeLayer, int expert)
    {
        lock (_gate)
        {
            return _entries[(((device * MoeLayerCount) + moeLayer) * ExpertCount) + expert];
        }
    }

    /// <summary>Entries <paramref name="device"/> computed over the window.</summary>
    public long WindowEntries(int device)
    {
        lock (_gate)
        {
            return _perDevice.Window[device];
        }
    }

    /// <summary>Measured balancedness over the window: mean / max of the entries each device computed (1 = even; 1 when none ran).</summary>
    public double Balancedness
    {
        get
        {
            lock (_gate)
            {
                return MeanOverMax(_perDevice.Window);
            }
        }
    }

    /// <summary>Measured balancedness since the counts began (1 when none ran).</summary>
    public double LifetimeBalancedness
    {
        get
        {
            lock (_gate)
            {
                return MeanOverMax(_perDevice.Total);
            }
        }
    }

    private static double MeanOverMax(ReadOnlySpan<long> perDevice)
    {
        long max = 0, sum = 0;
        foreach (long n in perDevice)
        {
            max = Math.Max(max, n);
            sum += n;
        }

        return max <= 0 ? 1 : (double)sum / perDevice.Length / max;
    }
}
