using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Schedulers.Tests.Support;

/// <summary>Model shapes, routing loads and requests for the scheduler tests.</summary>
internal static class Loads
{
    /// <summary>Bytes of one expert in the test shapes.</summary>
    public const long ExpertBytes = 1000;

    /// <summary>A shape of <paramref name="layers"/> x <paramref name="experts"/> experts of <see cref="ExpertBytes"/> each.</summary>
    public static MoeModelShape Shape(int layers, int experts) => new(layers, experts, 2, ExpertBytes);

    /// <summary>
    /// A Zipf load over every expert of the model at once: the cell ranked r (a fixed shuffle: cell * 97 mod cells)
    /// gets 1,000,000 / (r + 1) tokens, so no two experts tie; lifetime counts are three windows.
    /// </summary>
    public static ExpertLoad ZipfOverModel(MoeModelShape shape)
    {
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        var window = new long[cells];
        for (int cell = 0; cell < cells; cell++)
        {
            int rank = (int)((cell * 97L) % cells);
            window[cell] = 1_000_000 / (rank + 1);
        }

        return FromWindow(shape, window);
    }

    /// <summary>
    /// A Zipf load of exponent <paramref name="exponent"/> within every layer (1 = moderately skewed: the hottest of 32
    /// experts takes about a quarter of the layer's tokens), each layer's ranks shuffled differently (a fixed LCG).
    /// </summary>
    public static ExpertLoad ZipfPerLayer(MoeModelShape shape, double exponent)
    {
        int experts = shape.ExpertCount;
        var window = new long[shape.MoeLayerCount * experts];
        for (int layer = 0; layer < shape.MoeLayerCount; layer++)
        {
            int[] rank = [.. Enumerable.Range(0, experts)];
            ulong state = 0x9E3779B97F4A7C15UL * (ulong)(layer + 1);
            for (int i = experts - 1; i > 0; i--)
            {
                state = (state * 6364136223846793005UL) + 1442695040888963407UL;
                int j = (int)((state >> 33) % (ulong)(i + 1));
                (rank[i], rank[j]) = (rank[j], rank[i]);
            }

            for (int e = 0; e < experts; e++)
            {
                window[(layer * experts) + e] = (long)Math.Round(100_000 / Math.Pow(rank[e] + 1, exponent));
            }
        }

        return FromWindow(shape, window);
    }

    /// <summary>A load with these window counts and lifetime counts of three windows.</summary>
    public static ExpertLoad FromWindow(MoeModelShape shape, long[] window) =>
        new(shape.MoeLayerCount, shape.ExpertCount, window, [.. window.Select(w => w * 3)], 64);

    /// <summary>A load with no counts at all.</summary>
    public static ExpertLoad Empty(MoeModelShape shape)
    {
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        return new ExpertLoad(shape.MoeLayerCount, shape.ExpertCount, new long[cells], new long[cells], 0);
    }

    /// <summary>A request for room for <paramref name="residentExperts"/> experts.</summary>
    public static ExpertPlacementRequest Request(ExpertLoad load, long residentExperts, int devices = 1, ExpertPlacement? current = null) =>
        new(Shape(load.MoeLayerCount, load.ExpertCount), load, residentExperts * ExpertBytes, devices, current);

    /// <summary>The resident experts of <paramref name="placement"/> as cells (layer * ExpertCount + expert).</summary>
    public static int[] ResidentCells(ExpertPlacement placement)
    {
        int experts = placement.Shape.ExpertCount;
        return [.. Enumerable.Range(0, placement.Shape.MoeLayerCount * experts).Where(c => placement.IsResident(c / experts, c % experts))];
    }

    /// <summary>A placement with exactly <paramref name="residentCells"/> resident, everything on device 0.</summary>
    public static ExpertPlacement WithResident(MoeModelShape shape, params int[] residentCells)
    {
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        var resident = new bool[cells];
        foreach (int cell in residentCells)
        {
            resident[cell] = true;
        }

        return new ExpertPlacement(shape, 1, resident, [.. Enumerable.Range(0, cells).Select(_ => new[] { 0 })]);
    }

    /// <summary>The naive placement: expert e of every layer on device e mod <paramref name="devices"/>, one replica each.</summary>
    public static ExpertPlacement Naive(MoeModelShape shape, int devices)
    {
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        var resident = new bool[cells];
        Array.Fill(resident, true);
        return new ExpertPlacement(shape, devices, resident, [.. Enumerable.Range(0, cells).Select(c => new[] { c % shape.ExpertCount % devices })]);
    }
}
