using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Tests.Support;

namespace LlmFramework.Schedulers.Tests.LoadAware;

public sealed class LoadAwareSchedulerTests
{
    private static readonly MoeModelShape Model = Loads.Shape(4, 64);

    /// <summary>One layer of four experts, with room for two, for the hysteresis cases.</summary>
    private static readonly MoeModelShape Small = Loads.Shape(1, 4);

    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(64)]
    [InlineData(32)]
    public void Under_a_Zipf_load_keeps_exactly_the_hottest_experts_within_budgets_of_100_50_25_and_12_5_percent(int room)
    {
        ExpertLoad load = Loads.ZipfOverModel(Model);
        ExpertPlacementRequest request = Loads.Request(load, room);

        ExpertPlacement plan = Support.Schedulers.LoadAware().Plan(request);

        Assert.True(plan.ResidentBytes <= request.ResidentBudgetBytes, $"{plan.ResidentBytes} resident bytes over a budget of {request.ResidentBudgetBytes}");
        int[] hottest = [.. Enumerable.Range(0, 256).OrderByDescending(c => load.Window(c / 64, c % 64)).Take(room).Order()];
        Assert.Equal(hottest, Loads.ResidentCells(plan));
        Assert.Equal(room * Loads.ExpertBytes, plan.ResidentBytes);
    }

    [Fact]
    public void A_resident_expert_stays_when_a_cold_one_is_only_slightly_hotter()
    {
        // Expert 2 has 60 tokens against resident expert 1's 50: under the default margin of 1.25 (62.5).
        ExpertLoad load = Loads.FromWindow(Small, [100, 50, 60, 10]);
        ExpertPlacementRequest request = Loads.Request(load, 2, current: Loads.WithResident(Small, 0, 1));

        Assert.Equal([0, 1], Loads.ResidentCells(Support.Schedulers.LoadAware().Plan(request)));
        Assert.Equal([0, 2], Loads.ResidentCells(Support.Schedulers.LoadAware().Plan(request with { Current = null })));
    }

    [Fact]
    public void A_cold_expert_clearly_hotter_than_a_resident_one_takes_its_place()
    {
        ExpertLoad load = Loads.FromWindow(Small, [100, 50, 70, 10]);
        ExpertPlacementRequest request = Loads.Request(load, 2, current: Loads.WithResident(Small, 0, 1));

        Assert.Equal([0, 2], Loads.ResidentCells(Support.Schedulers.LoadAware().Plan(request)));
    }

    [Theory]
    [InlineData("2", 99, new[] { 0, 1 })]
    [InlineData("2", 101, new[] { 0, 2 })]
    [InlineData("1", 51, new[] { 0, 2 })]
    public void The_promotion_margin_is_a_setting(string margin, long challenger, int[] expected)
    {
        ExpertLoad load = Loads.FromWindow(Small, [100, 50, challenger, 10]);
        ExpertPlacementRequest request = Loads.Request(load, 2, current: Loads.WithResident(Small, 0, 1));

        Assert.Equal(expected, Loads.ResidentCells(Support.Schedulers.LoadAware(("PromotionMargin", margin)).Plan(request)));
    }

    [Theory]
    [InlineData(7, new[] { 0, 1 })]
    [InlineData(8, new[] { 0, 2 })]
    public void A_cold_expert_needs_the_minimum_count_to_displace_an_idle_resident_one(long challenger, int[] expected)
    {
        ExpertLoad load = Loads.FromWindow(Small, [100, 0, challenger, 0]);
        ExpertPlacementRequest request = Loads.Request(load, 2, current: Loads.WithResident(Small, 0, 1));

        Assert.Equal(expected, Loads.ResidentCells(Support.Schedulers.LoadAware().Plan(request)));
    }

    [Fact]
    public void Plans_in_a_row_under_a_steady_load_do_not_flap()
    {
        ExpertLoad load = Loads.ZipfOverModel(Model);
        IMoeScheduler scheduler = Support.Schedulers.LoadAware();
        ExpertPlacement first = scheduler.Plan(Loads.Request(load, 64));
        ExpertPlacement second = scheduler.Plan(Loads.Request(load, 64, current: first));

        Assert.Equal(Loads.ResidentCells(first), Loads.ResidentCells(second));
    }

    [Fact]
    public void A_shrinking_budget_demotes_the_coldest_residents_whatever_the_margin()
    {
        ExpertLoad load = Loads.FromWindow(Small, [100, 50, 60, 10]);
        ExpertPlacementRequest request = Loads.Request(load, 2, current: Loads.WithResident(Small, 0, 1, 3));

        Assert.Equal([0, 1], Loads.ResidentCells(Support.Schedulers.LoadAware().Plan(request)));
    }

    [Fact]
    public void Free_room_is_filled_with_the_hottest_cold_experts_whatever_the_margin()
    {
        ExpertLoad load = Loads.FromWindow(Small, [100, 3, 5, 10]);
        ExpertPlacementRequest request = Loads.Request(load, 3, current: Loads.WithResident(Small, 1));

        Assert.Equal([0, 1, 3], Loads.ResidentCells(Support.Schedulers.LoadAware().Plan(request)));
    }

    [Theory]
    [InlineData(16, new[] { 4, 4, 4, 4 })]
    [InlineData(10, new[] { 3, 3, 2, 2 })]
    [InlineData(3, new[] { 1, 1, 1, 0 })]
    public void With_no_counts_yet_every_layer_gets_the_same_share_lowest_ids_first(int room, int[] perLayer)
    {
        MoeModelShape shape = Loads.Shape(4, 8);
        ExpertPlacement plan = Support.Schedulers.LoadAware().Plan(Loads.Request(Loads.Empty(shape), room));

        int[] resident = Loads.ResidentCells(plan);
        Assert.Equal(perLayer, Enumerable.Range(0, 4).Select(l => resident.Count(c => c / 8 == l)));
        Assert.All(resident, c => Assert.True(c % 8 < perLayer[c / 8], $"expert {c % 8} of layer {c / 8} is not among the lowest ids"));
    }

    [Fact]
    public void An_empty_window_with_lifetime_counts_ranks_by_the_lifetime_counts()
    {
        var load = new ExpertLoad(1, 4, new long[4], [1, 40, 30, 2], 64);
        ExpertPlacement plan = Support.Schedulers.LoadAware().Plan(Loads.Request(load, 2));

        Assert.Equal([1, 2], Loads.ResidentCells(plan));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Loads.ExpertBytes - 1)]
    public void A_budget_smaller_than_one_expert_keeps_nothing_resident(long budget)
    {
        ExpertPlacementRequest request = Loads.Request(Loads.ZipfOverModel(Model), 0) with { ResidentBudgetBytes = budget };

        ExpertPlacement plan = Support.Schedulers.LoadAware().Plan(request);

        Assert.Empty(Loads.ResidentCells(plan));
        Assert.Equal(0, plan.ResidentBytes);
    }

    [Fact]
    public void Every_expert_is_on_device_0()
    {
        ExpertPlacement plan = Support.Schedulers.LoadAware().Plan(Loads.Request(Loads.ZipfOverModel(Model), 64, devices: 2));

        Assert.Equal(2, plan.DeviceCount);
        Assert.All(Enumerable.Range(0, 256), c => Assert.Equal([0], plan.Devices(c / 64, c % 64)));
    }

    [Fact]
    public void An_unknown_setting_is_an_error_naming_it_and_the_settings_there_are()
    {
        var ex = Assert.Throws<ArgumentException>(() => Support.Schedulers.LoadAware(("PromotionMargin", "1.5"), ("Margin", "2")));
        Assert.StartsWith("the LoadAware MoE scheduler has no setting 'Margin'; its settings are PromotionMargin, MinimumCount", ex.Message, StringComparison.Ordinal);
    }
}
