namespace LlmFramework.Abstractions.Moe;

/// <summary>
/// Where every routed expert lives (contract 1.2), decided by an <see cref="IMoeScheduler"/>: whether its weights are
/// kept resident in memory or left in the memory-mapped checkpoint and brought in on demand, and which devices hold a
/// copy (physical replicas of the logical expert; one entry per replica, device indices 0..DeviceCount-1).
/// </summary>
public sealed class ExpertPlacement
{
    private readonly bool[] _resident;
    private readonly int[][] _devices;

    /// <summary>Creates a placement from row-major [layer, expert] residency flags and replica device lists.</summary>
    public ExpertPlacement(MoeModelShape shape, int deviceCount, bool[] resident, int[][] devices)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(resident);
        ArgumentNullException.ThrowIfNull(devices);
        long cells = (long)shape.MoeLayerCount * shape.ExpertCount;
        if (resident.LongLength != cells || devices.LongLength != cells)
        {
            throw new ArgumentException($"a placement needs {shape.MoeLayerCount} x {shape.ExpertCount} entries, got {resident.Length} and {devices.Length}");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(deviceCount, 1);
        for (int i = 0; i < devices.Length; i++)
        {
            if (devices[i] is not { Length: > 0 } d || d.Any(x => x < 0 || x >= deviceCount))
            {
                throw new ArgumentException($"expert {i % shape.ExpertCount} of MoE layer {i / shape.ExpertCount} needs at least one device in 0..{deviceCount - 1}");
            }
        }

        Shape = shape;
        DeviceCount = deviceCount;
        _resident = resident;
        _devices = devices;
        ResidentBytes = resident.LongCount(r => r) * shape.ExpertBytes;
    }

    /// <summary>The experts placed.</summary>
    public MoeModelShape Shape { get; }

    /// <summary>Devices the experts are spread over.</summary>
    public int DeviceCount { get; }

    /// <summary>Bytes of the resident experts.</summary>
    public long ResidentBytes { get; }

    /// <summary>Whether <paramref name="expert"/> of <paramref name="moeLayer"/> is kept resident.</summary>
    public bool IsResident(int moeLayer, int expert) => _resident[(moeLayer * Shape.ExpertCount) + expert];

    /// <summary>The devices holding a replica of <paramref name="expert"/> of <paramref name="moeLayer"/>.</summary>
    public IReadOnlyList<int> Devices(int moeLayer, int expert) => _devices[(moeLayer * Shape.ExpertCount) + expert];

    /// <summary>
    /// The balancedness of this placement under <paramref name="load"/>'s window counts: mean device load / max device
    /// load (1 = perfectly even), where an expert's tokens are split evenly over its replicas. 1 when nothing was routed.
    /// </summary>
    public double Balancedness(ExpertLoad load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var perDevice = new double[DeviceCount];
        for (int l = 0; l < Shape.MoeLayerCount; l++)
        {
            for (int e = 0; e < Shape.ExpertCount; e++)
            {
                int[] replicas = _devices[(l * Shape.ExpertCount) + e];
                double share = (double)load.Window(l, e) / replicas.Length;
                foreach (int d in replicas)
                {
                    perDevice[d] += share;
                }
            }
        }

        double max = perDevice.Max();
        return max <= 0 ? 1 : perDevice.Average() / max;
    }

    /// <summary>Everything resident on device 0: the baseline.</summary>
    public static ExpertPlacement AllResident(MoeModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        var resident = new bool[cells];
        Array.Fill(resident, true);
        var devices = new int[cells][];
        for (int i = 0; i < cells; i++)
        {
            devices[i] = [0];
        }

        return new ExpertPlacement(shape, 1, resident, devices);
    }
}
