using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Schedulers.Common;

/// <summary>
/// A second tier of resident experts in a compact format (contract 1.3): the hottest experts stay in their stored
/// format within <c>1 - Share</c> of the budget (the compute format: exact), and the next hottest are held converted to
/// <see cref="Format"/> (for example Q4_0, about half the bytes of Q8_0) within the rest, so fewer experts are read from
/// the file per token at the cost of a small accuracy loss on those experts. Off when <see cref="Format"/> is null, the
/// engine does not offer the format, or the budget holds every expert as stored.
/// </summary>
/// <param name="Format">The compact format, or null for none.</param>
/// <param name="Share">The share of the budget the compact tier may use, in [0, 1].</param>
internal sealed record CompactTier(DType? Format, double Share)
{
    /// <summary>The setting that sets <see cref="Format"/> ("q4_0", "q8_0"; empty for none).</summary>
    public const string FormatKey = "CompactFormat";

    /// <summary>The setting that sets <see cref="Share"/>.</summary>
    public const string ShareKey = "CompactShare";

    /// <summary>No compact tier.</summary>
    public static CompactTier None { get; } = new(null, 0.5);

    /// <summary>The tier set in <paramref name="settings"/>: no format by default, half the budget when one is set.</summary>
    public static CompactTier From(SchedulerSettings settings)
    {
        string? name = settings.Text(FormatKey);
        DType? format = null;
        if (name is not null)
        {
            format = DTypeInfo.TryParse(name, out DType parsed) && DTypeInfo.IsQuantized(parsed)
                ? parsed
                : throw new ArgumentException($"the {settings.Scheduler} MoE scheduler's setting {FormatKey} must be a block-quantised weight type such as q4_0 or q8_0, got '{name}'");
        }

        double share = settings.Number(ShareKey, 0.0) ?? 0.5;
        if (share > 1)
        {
            throw new ArgumentException($"the {settings.Scheduler} MoE scheduler's setting {ShareKey} must be in [0, 1], got {share}");
        }

        return new CompactTier(format, share);
    }

    /// <summary>
    /// Residency and formats for <paramref name="request"/>: <see cref="HotSet"/> within the stored share of the budget,
    /// then the hottest of the rest in the compact format while it fits. Formats is null when the tier is off.
    /// </summary>
    public (bool[] Resident, DType?[]? Formats) Select(ExpertPlacementRequest request, ResidencyOptions residency)
    {
        MoeModelShape shape = request.Shape;
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        if (Format is not { } format || !request.CompactFormats.TryGetValue(format, out long compactBytes) || compactBytes <= 0
            || request.ResidentBudgetBytes / Math.Max(1, shape.ExpertBytes) >= cells)
        {
            return (HotSet.Select(request, residency), null);
        }

        long storedBudget = (long)(request.ResidentBudgetBytes * (1 - Share));
        bool[] stored = HotSet.Select(request with { ResidentBudgetBytes = storedBudget }, residency);
        long left = request.ResidentBudgetBytes - (stored.LongCount(r => r) * shape.ExpertBytes);
        int[] ranked = ExpertRanking.Rank(request.Load, request.Current);
        var compact = new bool[cells];

        // Experts held compact now keep their place while they fit (hottest first), so plans do not churn conversions;
        // then the hottest others fill what is left.
        for (int pass = request.Current is null ? 1 : 0; pass < 2; pass++)
        {
            foreach (int cell in ranked)
            {
                bool keep = pass == 1 || request.Current!.Format(cell / shape.ExpertCount, cell % shape.ExpertCount) == format;
                if (left >= compactBytes && !stored[cell] && !compact[cell] && keep)
                {
                    compact[cell] = true;
                    left -= compactBytes;
                }
            }
        }

        // Full: the hottest expert left in the file displaces the coldest compact one only when clearly hotter.
        HotSet.Displace(request.Load, residency, ranked, compact, stored);
        bool[] resident = [.. stored.Select((r, cell) => r || compact[cell])];
        DType?[] formats = [.. compact.Select(c => c ? format : (DType?)null)];
        return (resident, formats);
    }
}
