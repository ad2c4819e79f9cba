using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Benchmarks.MoeOffload;

/// <summary>
/// A backend that only runs <see cref="OpKind.MoeRoute"/>, replacing the model's routing with a skewed synthetic one:
/// each token picks its experts without replacement from a Zipf(s) distribution over a fixed random ranking of each
/// layer's experts, with equal weights. Put it first in the backend list; every other node falls to the CPU backend.
/// </summary>
internal sealed class ZipfRouteBackend : IBackend
{
    private readonly double _exponent;
    private readonly Random _random;
    private readonly Dictionary<int, int[]> _rankings = [];

    public ZipfRouteBackend(double exponent, int seed)
    {
        _exponent = exponent;
        _random = new Random(seed);
        Device = new DeviceInfo("zipf-router", DeviceKind.Other, 0, "synthetic Zipf routing");
    }

    public string Name => "zipf-router";

    public DeviceInfo Device { get; }

    public OpSupport Supports(GraphNode node) =>
        node.Op == OpKind.MoeRoute ? OpSupport.Yes : OpSupport.No("the Zipf router only routes");

    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        foreach (GraphNode node in nodes)
        {
            MoeRouteParams p = node.GetParams<MoeRouteParams>();
            int[] ranking = Ranking(p.MoeLayer, p.ExpertCount);
            Span<float> routes = context.GetF32(node.Output);
            int tokens = context.Rows(node.Output), s = p.ExpertsPerToken;
            var taken = new bool[p.ExpertCount];
            for (int t = 0; t < tokens; t++)
            {
                Array.Clear(taken);
                for (int j = 0; j < s; j++)
                {
                    int rank = SampleRank(p.ExpertCount, taken);
                    taken[rank] = true;
                    routes[(t * 2 * s) + j] = ranking[rank];
                    routes[(t * 2 * s) + s + j] = 1f / s;
                }
            }
        }
    }

    /// <summary>Share of routed tokens the hottest <paramref name="fraction"/> of experts receive under this distribution (one draw).</summary>
    public static double TopShare(int experts, double exponent, double fraction)
    {
        double total = 0, top = 0;
        int hot = (int)Math.Round(experts * fraction);
        for (int r = 0; r < experts; r++)
        {
            double w = 1 / Math.Pow(r + 1, exponent);
            total += w;
            top += r < hot ? w : 0;
        }

        return top / total;
    }

    private int SampleRank(int experts, Span<bool> taken)
    {
        double total = 0;
        for (int r = 0; r < experts; r++)
        {
            total += taken[r] ? 0 : 1 / Math.Pow(r + 1, _exponent);
        }

        double u = _random.NextDouble() * total;
        for (int r = 0; r < experts; r++)
        {
            if (taken[r])
            {
                continue;
            }

            u -= 1 / Math.Pow(r + 1, _exponent);
            if (u <= 0)
            {
                return r;
            }
        }

        for (int r = experts - 1; r >= 0; r--)
        {
            if (!taken[r])
            {
                return r;
            }
        }

        throw new InvalidOperationException("more experts per token than experts");
    }

    private int[] Ranking(int layer, int experts)
    {
        if (!_rankings.TryGetValue(layer, out int[]? ranking))
        {
            ranking = Enumerable.Range(0, experts).ToArray();
            new Random(1000 + layer).Shuffle(ranking);
            _rankings[layer] = ranking;
        }

        return ranking;
    }

    public void Dispose()
    {
    }
}
