using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Schedulers.Common;

/// <summary>Orders a model's routed experts from hottest to coldest.</summary>
internal static class ExpertRanking
{
    /// <summary>
    /// Every expert as its cell (layer * ExpertCount + expert), hottest first: by window count, then lifetime count,
    /// then the ones resident in <paramref name="current"/> (to avoid churn), then lower layer and expert index.
    /// </summary>
    public static int[] Rank(ExpertLoad load, ExpertPlacement? current)
    {
        int experts = load.ExpertCount;
        int cells = load.MoeLayerCount * experts;
        var window = new long[cells];
        var total = new long[cells];
        var resident = new bool[cells];
        for (int layer = 0; layer < load.MoeLayerCount; layer++)
        {
            load.WindowOfLayer(layer).CopyTo(window.AsSpan(layer * experts, experts));
            load.TotalOfLayer(layer).CopyTo(total.AsSpan(layer * experts, experts));
            for (int e = 0; e < experts && current is not null; e++)
            {
                resident[(layer * experts) + e] = current.IsResident(layer, e);
            }
        }

        int[] order = Enumerable.Range(0, cells).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = window[b].CompareTo(window[a]);
            c = c != 0 ? c : total[b].CompareTo(total[a]);
            c = c != 0 ? c : resident[b].CompareTo(resident[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
