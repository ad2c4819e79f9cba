using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Schedulers.Balanced;

/// <summary>
/// Replicates and places the experts of every MoE layer (EPLB's logical vs physical experts): the hottest experts get
/// extra replicas, and the replicas go heaviest first onto the least-loaded device, at most one replica of an expert
/// per device.
/// </summary>
internal static class ReplicaPlanner
{
    /// <summary>Heavier share first; the lower expert index among equals.</summary>
    private static readonly Comparer<(double Share, int Expert)> HeaviestFirst =
        Comparer<(double Share, int Expert)>.Create((a, b) => a.Share != b.Share ? b.Share.CompareTo(a.Share) : a.Expert.CompareTo(b.Expert));

    /// <summary>Row-major [layer, expert] device lists, with up to <paramref name="replicaSlots"/> extra replicas per layer.</summary>
    public static int[][] Place(ExpertLoad load, int deviceCount, int replicaSlots)
    {
        int experts = load.ExpertCount;
        var devices = new int[load.MoeLayerCount * experts][];
        var overall = new double[deviceCount];
        for (int layer = 0; layer < load.MoeLayerCount; layer++)
        {
            double[] weights = Weights(load, layer);
            int[] replicas = Replicate(weights, deviceCount, replicaSlots);
            Assign(weights, replicas, overall, devices.AsSpan(layer * experts, experts));
        }

        return devices;
    }

    /// <summary>The layer's window counts, or its lifetime counts when the window is empty.</summary>
    private static double[] Weights(ExpertLoad load, int layer)
    {
        ReadOnlySpan<long> counts = load.WindowOfLayer(layer);
        if (!counts.ContainsAnyExcept(0L))
        {
            counts = load.TotalOfLayer(layer);
        }

        var weights = new double[counts.Length];
        for (int e = 0; e < counts.Length; e++)
        {
            weights[e] = counts[e];
        }

        return weights;
    }

    /// <summary>One replica each, then every slot to the routed expert with the highest load per replica that is not yet on every device.</summary>
    private static int[] Replicate(double[] weights, int deviceCount, int slots)
    {
        var replicas = new int[weights.Length];
        Array.Fill(replicas, 1);
        var queue = new PriorityQueue<int, (double Share, int Expert)>(HeaviestFirst);
        for (int e = 0; e < weights.Length && deviceCount > 1; e++)
        {
            if (weights[e] > 0)
            {
                queue.Enqueue(e, (weights[e], e));
            }
        }

        for (int s = 0; s < slots && queue.TryDequeue(out int e, out _); s++)
        {
            replicas[e]++;
            if (replicas[e] < deviceCount)
            {
                queue.Enqueue(e, (weights[e] / replicas[e], e));
            }
        }

        return replicas;
    }

    /// <summary>
    /// Greedy heaviest-first placement of one layer's replicas: each onto the device with the least load in this layer
    /// that holds no replica of its expert (ties: the least load over the layers placed before, so no device is always
    /// the one that starts heavy; then fewer replicas; then the lower index). Adds the layer's loads to <paramref name="overall"/>.
    /// </summary>
    private static void Assign(double[] weights, int[] replicas, double[] overall, Span<int[]> devices)
    {
        int deviceCount = overall.Length;
        var physical = new List<(double Share, int Expert)>();
        for (int e = 0; e < weights.Length; e++)
        {
            for (int r = 0; r < replicas[e]; r++)
            {
                physical.Add((weights[e] / replicas[e], e));
            }
        }

        physical.Sort(HeaviestFirst);
        var load = new double[deviceCount];
        var held = new int[deviceCount];
        var holders = new List<int>[weights.Length];
        foreach ((double share, int expert) in physical)
        {
            List<int> on = holders[expert] ??= [];
            int target = -1;
            for (int d = 0; d < deviceCount; d++)
            {
                if (!on.Contains(d) && (target < 0 || (load[d], overall[d], held[d]).CompareTo((load[target], overall[target], held[target])) < 0))
                {
                    target = d;
                }
            }

            on.Add(target);
            load[target] += share;
            held[target]++;
        }

        for (int e = 0; e < weights.Length; e++)
        {
            devices[e] = [.. holders[e]];
        }

        for (int d = 0; d < deviceCount; d++)
        {
            overall[d] += load[d];
        }
    }
}
