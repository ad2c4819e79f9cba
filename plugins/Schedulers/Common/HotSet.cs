using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Schedulers.Common;

/// <summary>Chooses which experts are resident: the hottest that fit the budget, with hysteresis against the current placement.</summary>
internal static class HotSet
{
    /// <summary>
    /// Row-major [layer, expert] residency for <paramref name="request"/>: everything when the budget holds every
    /// expert, nothing when it holds none; with no routing counts at all, the same share of every layer (lowest expert
    /// ids); else the hottest (<see cref="ExpertRanking"/>), where an expert resident now keeps its place unless the
    /// budget shrank or a cold one displaces it by <paramref name="options"/>.
    /// </summary>
    public static bool[] Select(ExpertPlacementRequest request, ResidencyOptions options)
    {
        MoeModelShape shape = request.Shape;
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        int capacity = Capacity(request);
        var resident = new bool[cells];
        if (capacity >= cells)
        {
            Array.Fill(resident, true);
            return resident;
        }

        if (capacity == 0)
        {
            return resident;
        }

        if (!HasCounts(request.Load))
        {
            return UniformShare(shape, capacity);
        }

        int[] ranked = ExpertRanking.Rank(request.Load, request.Current);
        if (request.Current is null)
        {
            for (int i = 0; i < capacity; i++)
            {
                resident[ranked[i]] = true;
            }

            return resident;
        }

        KeepCurrent(request, options, ranked, capacity, resident);
        return resident;
    }

    /// <summary>How many experts the budget holds (every one when experts take no bytes).</summary>
    public static int Capacity(ExpertPlacementRequest request)
    {
        int cells = request.Shape.MoeLayerCount * request.Shape.ExpertCount;
        long bytes = request.Shape.ExpertBytes;
        return bytes <= 0 ? cells : (int)Math.Min(cells, request.ResidentBudgetBytes / bytes);
    }

    private static void KeepCurrent(ExpertPlacementRequest request, ResidencyOptions options, int[] ranked, int capacity, bool[] resident)
    {
        int experts = request.Shape.ExpertCount;
        int cells = ranked.Length;
        int count = 0;
        for (int cell = 0; cell < cells; cell++)
        {
            resident[cell] = request.Current!.IsResident(cell / experts, cell % experts);
            count += resident[cell] ? 1 : 0;
        }

        // The budget shrank: the coldest residents go, whatever the margin.
        for (int i = cells - 1; i >= 0 && count > capacity; i--)
        {
            if (resident[ranked[i]])
            {
                resident[ranked[i]] = false;
                count--;
            }
        }

        // Room left: the hottest cold experts come in, whatever the margin.
        for (int i = 0; i < cells && count < capacity; i++)
        {
            if (!resident[ranked[i]])
            {
                resident[ranked[i]] = true;
                count++;
            }
        }

        // Full: the hottest cold expert displaces the coldest resident one only when clearly hotter.
        Displace(request.Load, options, ranked, resident, null);
    }

    /// <summary>
    /// Swaps the hottest expert outside <paramref name="members"/> (and outside <paramref name="excluded"/>, when given)
    /// for the coldest member, one pair at a time, while the outsider is clearly hotter under <paramref name="options"/>.
    /// Window counts fall along <paramref name="ranked"/>, so once one pair fails, every later pair does.
    /// </summary>
    public static void Displace(ExpertLoad load, ResidencyOptions options, int[] ranked, bool[] members, bool[]? excluded)
    {
        int cells = ranked.Length;
        int hot = 0;
        int cold = cells - 1;
        while (true)
        {
            while (hot < cells && (members[ranked[hot]] || excluded?[ranked[hot]] == true))
            {
                hot++;
            }

            while (cold >= 0 && !members[ranked[cold]])
            {
                cold--;
            }

            if (hot >= cells || cold < 0 || hot > cold
                || !options.Displaces(Window(load, ranked[hot]), Window(load, ranked[cold])))
            {
                return;
            }

            members[ranked[hot]] = true;
            members[ranked[cold]] = false;
        }
    }

    private static long Window(ExpertLoad load, int cell) => load.Window(cell / load.ExpertCount, cell % load.ExpertCount);

    private static bool HasCounts(ExpertLoad load)
    {
        for (int layer = 0; layer < load.MoeLayerCount; layer++)
        {
            if (load.WindowOfLayer(layer).ContainsAnyExcept(0L) || load.TotalOfLayer(layer).ContainsAnyExcept(0L))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="capacity"/> experts spread evenly over the layers (the first layers take one more when it does not divide), lowest ids first.</summary>
    private static bool[] UniformShare(MoeModelShape shape, int capacity)
    {
        var resident = new bool[shape.MoeLayerCount * shape.ExpertCount];
        int each = capacity / shape.MoeLayerCount;
        int extra = capacity % shape.MoeLayerCount;
        for (int layer = 0; layer < shape.MoeLayerCount; layer++)
        {
            int count = each + (layer < extra ? 1 : 0);
            resident.AsSpan(layer * shape.ExpertCount, count).Fill(true);
        }

        return resident;
    }
}
