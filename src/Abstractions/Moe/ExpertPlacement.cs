namespace LlmFramework.Abstractions.Moe;

/// <summary>
/// Where every routed expert lives (contract 1.2), decided by an <see cref="IMoeScheduler"/>: whether its weights are
/// kept resident in memory or left in the memory-mapped checkpoint and brought in on demand, and which devices hold a
/// copy (physical replicas of the logical expert; one entry per replica, device indices 0..DeviceCount-1). From
/// contract 1.3 a resident expert may also be given a compact format (<see cref="Format"/>), one the engine offered in
/// <see cref="ExpertPlacementRequest.CompactFormats"/>: it is then held converted, in that format's bytes.
/// </summary>
public sealed class ExpertPlacement
{
    private readonly bool[] _resident;
    private readonly int[][] _devices;
    private readonly Tensors.DType?[]? _formats;

    /// <summary>Creates a placement from row-major [layer, expert] residency flags and replica device lists.</summary>
    public ExpertPlacement(MoeModelShape shape, int deviceCount, bool[] resident, int[][] devices)
        : this(shape, deviceCount, resident, devices, null, null)
    {
    }

    /// <summary>
    /// Creates a placement where resident experts may be held in a compact format (contract 1.3): row-major
    /// [layer, expert] <paramref name="formats"/>, null for the stored format, else one of
    /// <paramref name="formatBytes"/> (the request's <see cref="ExpertPlacementRequest.CompactFormats"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A format is given to a cold expert, or is not one of <paramref name="formatBytes"/>.</exception>
    public ExpertPlacement(MoeModelShape shape, int deviceCount, bool[] resident, int[][] devices, Tensors.DType?[]? formats, IReadOnlyDictionary<Tensors.DType, long>? formatBytes)
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

        if (formats is { Length: > 0 } && formats.LongLength != cells)
        {
            throw new ArgumentException($"a placement needs {cells} formats, got {formats.Length}");
        }

        long bytes = 0;
        for (int i = 0; i < resident.Length; i++)
        {
            Tensors.DType? format = formats is null || formats.Length == 0 ? null : formats[i];
            if (format is { } f && (!resident[i] || formatBytes is null || !formatBytes.ContainsKey(f)))
            {
                throw new ArgumentException(!resident[i]
                    ? $"expert {i % shape.ExpertCount} of MoE layer {i / shape.ExpertCount} is given format {f} but is not resident"
                    : $"expert {i % shape.ExpertCount} of MoE layer {i / shape.ExpertCount} is given format {f}, which the engine does not offer ({string.Join(", ", formatBytes?.Keys.Select(k => k.ToString()) ?? [])})");
            }

            bytes += !resident[i] ? 0 : format is { } g ? formatBytes![g] : shape.ExpertBytes;
        }

        Shape = shape;
        DeviceCount = deviceCount;
        _resident = resident;
        _devices = devices;
        _formats = formats is { Length: > 0 } ? formats : null;
        ResidentBytes = bytes;
    }

    /// <summary>The experts placed.</summary>
    public MoeModelShape Shape { get; }

    /// <summary>Devices the experts are spread over.</summary>
    public int DeviceCount { get; }

    /// <summary>Bytes of the resident experts.</summary>
    public long ResidentBytes { get; }

    /// <summary>Whether <paramref name="expert"/> of <paramref name="moeLayer"/> is kept resident.</summary>
    public bool IsResident(int moeLayer, int expert) => _resident[(moeLayer * Shape.ExpertCount) + expert];

    /// <summary>The compact format <paramref name="expert"/> of <paramref name="moeLayer"/> is held in, or null for the stored one (and for cold experts).</summary>
    public Tensors.DType? Format(int moeLayer, int expert) => _formats?[(moeLayer * Shape.ExpertCount) + expert];

    /// <summary>Resident experts held in a compact format.</summary>
    public int CompactCount => _formats?.Count(f => f is not null) ?? 0;

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
