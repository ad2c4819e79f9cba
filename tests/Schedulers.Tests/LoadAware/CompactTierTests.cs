using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Schedulers.Tests.Support;

namespace LlmFramework.Schedulers.Tests.LoadAware;

/// <summary>LoadAware's compact tier: the hottest experts stored, the next hottest in the offered compact format, within the budget.</summary>
public sealed class CompactTierTests
{
    private static readonly MoeModelShape Model = Loads.Shape(4, 64);

    /// <summary>Q4_0 at 400 bytes an expert against 1000 stored.</summary>
    private static readonly Dictionary<DType, long> Offer = new() { [DType.Q4_0] = 400 };

    [Fact]
    public void Half_the_budget_holds_the_hottest_stored_and_the_rest_the_next_hottest_compact()
    {
        ExpertLoad load = Loads.ZipfOverModel(Model);
        ExpertPlacementRequest request = Loads.Request(load, 64) with { CompactFormats = Offer };

        ExpertPlacement plan = Support.Schedulers.LoadAware(("CompactFormat", "q4_0")).Plan(request);

        // 32 stored (32,000 bytes), then 80 compact in the other 32,000.
        int[] ranked = [.. Enumerable.Range(0, 256).OrderByDescending(c => load.Window(c / 64, c % 64))];
        Assert.All(ranked.Take(32), c => Assert.Null(plan.Format(c / 64, c % 64)));
        Assert.All(ranked.Take(32), c => Assert.True(plan.IsResident(c / 64, c % 64)));
        Assert.All(ranked.Skip(32).Take(80), c => Assert.Equal(DType.Q4_0, plan.Format(c / 64, c % 64)));
        Assert.All(ranked.Skip(112), c => Assert.False(plan.IsResident(c / 64, c % 64)));
        Assert.Equal(80, plan.CompactCount);
        Assert.Equal((32 * Loads.ExpertBytes) + (80 * 400), plan.ResidentBytes);
        Assert.True(plan.ResidentBytes <= request.ResidentBudgetBytes);
    }

    [Fact]
    public void Without_the_format_on_offer_or_with_room_for_everything_every_resident_expert_is_stored()
    {
        ExpertLoad load = Loads.ZipfOverModel(Model);
        IMoeScheduler scheduler = Support.Schedulers.LoadAware(("CompactFormat", "q4_0"));

        Assert.Equal(0, scheduler.Plan(Loads.Request(load, 64)).CompactCount);
        Assert.Equal(0, scheduler.Plan(Loads.Request(load, 64) with { CompactFormats = new Dictionary<DType, long> { [DType.Q8_0] = 500 } }).CompactCount);
        Assert.Equal(0, scheduler.Plan(Loads.Request(load, 256) with { CompactFormats = Offer }).CompactCount);
        Assert.Equal(0, Support.Schedulers.LoadAware().Plan(Loads.Request(load, 64) with { CompactFormats = Offer }).CompactCount);
    }

    [Fact]
    public void The_compact_set_stays_between_plans_unless_an_expert_is_clearly_hotter()
    {
        ExpertLoad load = Loads.ZipfOverModel(Model);
        IMoeScheduler scheduler = Support.Schedulers.LoadAware(("CompactFormat", "q4_0"));
        ExpertPlacement first = scheduler.Plan(Loads.Request(load, 64) with { CompactFormats = Offer });

        // The same load again: not one expert changes tier, so nothing is converted again.
        ExpertPlacement second = scheduler.Plan(Loads.Request(load, 64, current: first) with { CompactFormats = Offer });
        for (int c = 0; c < 256; c++)
        {
            Assert.Equal(first.Format(c / 64, c % 64), second.Format(c / 64, c % 64));
            Assert.Equal(first.IsResident(c / 64, c % 64), second.IsResident(c / 64, c % 64));
        }
    }

    [Theory]
    [InlineData("CompactFormat", "f32", "block-quantised weight type")]
    [InlineData("CompactFormat", "q9", "block-quantised weight type")]
    [InlineData("CompactShare", "1.5", "must be in [0, 1]")]
    [InlineData("CompactShare", "-0.1", "at least 0")]
    public void Bad_settings_are_refused_naming_them(string key, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Support.Schedulers.LoadAware((key, value)));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placement_refuses_a_format_on_a_cold_expert_or_one_not_offered()
    {
        MoeModelShape shape = Loads.Shape(1, 4);
        int[][] devices = [[0], [0], [0], [0]];
        var onCold = Assert.Throws<ArgumentException>(() => new ExpertPlacement(shape, 1, [true, false, false, false], devices, [null, DType.Q4_0, null, null], Offer));
        Assert.Contains("expert 1 of MoE layer 0 is given format Q4_0 but is not resident", onCold.Message, StringComparison.Ordinal);
        var notOffered = Assert.Throws<ArgumentException>(() => new ExpertPlacement(shape, 1, [true, true, false, false], devices, [null, DType.Q8_0, null, null], Offer));
        Assert.Contains("which the engine does not offer (Q4_0)", notOffered.Message, StringComparison.Ordinal);

        var tooFew = Assert.Throws<ArgumentException>(() => new ExpertPlacement(shape, 1, [true, true, false, false], devices, [null, DType.Q4_0], Offer));
        Assert.Contains("a placement needs 4 formats, got 2", tooFew.Message, StringComparison.Ordinal);

        var ok = new ExpertPlacement(shape, 1, [true, true, true, false], devices, [null, DType.Q4_0, DType.Q4_0, null], Offer);
        Assert.Equal(Loads.ExpertBytes + 800, ok.ResidentBytes);
        Assert.Equal(2, ok.CompactCount);
        Assert.Null(ok.Format(0, 0));
        Assert.Equal(DType.Q4_0, ok.Format(0, 2));
    }
}
