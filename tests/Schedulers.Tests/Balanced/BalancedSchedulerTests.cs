using System.Diagnostics;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Schedulers.Tests.Balanced;

public sealed class BalancedSchedulerTests(ITestOutputHelper output)
{
    /// <summary>8 MoE layers of 32 experts.</summary>
    private static readonly MoeModelShape Model = Loads.Shape(8, 32);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_expert_has_a_replica_and_the_replicas_of_one_expert_are_on_distinct_devices(int devices)
    {
        ExpertPlacement plan = Support.Schedulers.Balanced().Plan(Loads.Request(Loads.ZipfPerLayer(Model, 1.0), 256, devices));

        Assert.Equal(devices, plan.DeviceCount);
        foreach ((int layer, int expert) in Experts())
        {
            IReadOnlyList<int> on = plan.Devices(layer, expert);
            Assert.NotEmpty(on);
            Assert.Equal(on.Count, on.Distinct().Count());
            Assert.All(on, d => Assert.InRange(d, 0, devices - 1));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void The_extra_replicas_go_to_the_hottest_experts_of_each_layer(int devices)
    {
        ExpertLoad load = Loads.ZipfPerLayer(Model, 1.0);
        ExpertPlacement plan = Support.Schedulers.Balanced().Plan(Loads.Request(load, 256, devices));

        for (int layer = 0; layer < Model.MoeLayerCount; layer++)
        {
            int[] replicas = [.. Enumerable.Range(0, 32).Select(e => plan.Devices(layer, e).Count)];
            Assert.Equal(32 + devices, replicas.Sum());
            long coldestReplicated = Enumerable.Range(0, 32).Where(e => replicas[e] > 1).Min(e => load.Window(layer, e));
            long hottestSingle = Enumerable.Range(0, 32).Where(e => replicas[e] == 1).Max(e => load.Window(layer, e));
            Assert.True(coldestReplicated >= hottestSingle, $"layer {layer}: a replicated expert has {coldestReplicated} tokens, an unreplicated one {hottestSingle}");
            int hottest = Enumerable.Range(0, 32).MaxBy(e => load.Window(layer, e));
            Assert.True(replicas[hottest] > 1, $"layer {layer}: the hottest expert {hottest} has {replicas[hottest]} replica(s)");
        }
    }

    [Theory]
    [InlineData(2, 1.0)]
    [InlineData(4, 1.0)]
    [InlineData(2, 1.5)]
    [InlineData(4, 1.5)]
    public void Balancedness_under_a_skewed_load_beats_the_naive_placement_and_reaches_0_9_on_a_moderate_skew(int devices, double exponent)
    {
        ExpertLoad load = Loads.ZipfPerLayer(Model, exponent);
        ExpertPlacement plan = Support.Schedulers.Balanced().Plan(Loads.Request(load, 256, devices));

        double balanced = plan.Balancedness(load);
        double worstLayer = plan.WorstLayerBalancedness(load);
        ExpertPlacement naivePlan = Loads.Naive(Model, devices);
        double naive = naivePlan.Balancedness(load);
        double naiveWorstLayer = naivePlan.WorstLayerBalancedness(load);
        output.WriteLine($"{devices} devices, Zipf exponent {exponent}: balancedness {balanced:F3} (worst layer {worstLayer:F3}), naive expert % devices {naive:F3} (worst layer {naiveWorstLayer:F3})");
        Assert.True(balanced > naive, $"balancedness {balanced:F3} is not better than the naive {naive:F3} on {devices} devices (exponent {exponent})");
        Assert.True(worstLayer > naiveWorstLayer, $"worst layer's balancedness {worstLayer:F3} is not better than the naive {naiveWorstLayer:F3} on {devices} devices (exponent {exponent})");
        if (exponent <= 1.0)
        {
            Assert.True(balanced >= 0.9 && worstLayer >= 0.9, $"balancedness {balanced:F3} (worst layer {worstLayer:F3}) < 0.9 on {devices} devices (exponent {exponent}; naive {naive:F3})");
        }
    }

    [Fact]
    public void Replica_slots_is_a_setting()
    {
        ExpertLoad load = Loads.ZipfPerLayer(Model, 1.0);

        ExpertPlacement none = Support.Schedulers.Balanced(("replicaslots", "0")).Plan(Loads.Request(load, 256, 4));
        ExpertPlacement twelve = Support.Schedulers.Balanced(("ReplicaSlots", "12")).Plan(Loads.Request(load, 256, 4));

        Assert.All(Experts(), x => Assert.Single(none.Devices(x.Layer, x.Expert)));
        Assert.Equal(8 * (32 + 12), Experts().Sum(x => twelve.Devices(x.Layer, x.Expert).Count));
    }

    [Fact]
    public void One_device_gets_every_replica_once()
    {
        ExpertPlacement plan = Support.Schedulers.Balanced().Plan(Loads.Request(Loads.ZipfPerLayer(Model, 1.0), 256, 1));

        Assert.True(plan.AllResidentOnDeviceZero());
    }

    [Fact]
    public void With_no_counts_the_experts_are_spread_evenly_without_extra_replicas()
    {
        ExpertPlacement plan = Support.Schedulers.Balanced().Plan(Loads.Request(Loads.Empty(Model), 256, 4));

        Assert.All(Experts(), x => Assert.Single(plan.Devices(x.Layer, x.Expert)));
        int[] perDevice = [.. Enumerable.Range(0, 4).Select(d => Experts().Count(x => plan.Devices(x.Layer, x.Expert)[0] == d))];
        Assert.Equal([64, 64, 64, 64], perDevice);
    }

    [Fact]
    public void A_budget_for_every_expert_keeps_all_resident_counting_replicas_once()
    {
        ExpertPlacementRequest request = Loads.Request(Loads.ZipfPerLayer(Model, 1.0), 256, 4);

        ExpertPlacement plan = Support.Schedulers.Balanced().Plan(request);

        Assert.Equal(256, Loads.ResidentCells(plan).Length);
        Assert.Equal(Model.TotalExpertBytes, plan.ResidentBytes);
        Assert.Equal(request.ResidentBudgetBytes, plan.ResidentBytes);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(32)]
    [InlineData(0)]
    public void A_smaller_budget_keeps_the_same_experts_resident_as_LoadAware(int room)
    {
        ExpertLoad load = Loads.ZipfPerLayer(Model, 1.2);
        ExpertPlacement previous = Support.Schedulers.LoadAware().Plan(Loads.Request(Loads.ZipfOverModel(Model), room));
        ExpertPlacementRequest request = Loads.Request(load, room, 4, current: previous);

        ExpertPlacement balanced = Support.Schedulers.Balanced().Plan(request);
        ExpertPlacement loadAware = Support.Schedulers.LoadAware().Plan(request);

        Assert.Equal(Loads.ResidentCells(loadAware), Loads.ResidentCells(balanced));
        Assert.True(balanced.ResidentBytes <= request.ResidentBudgetBytes);
    }

    [Fact]
    public void An_unknown_setting_is_an_error_naming_it_and_the_settings_there_are()
    {
        var ex = Assert.Throws<ArgumentException>(() => Support.Schedulers.Balanced(("Replicas", "2")));
        Assert.StartsWith("the Balanced MoE scheduler has no setting 'Replicas'; its settings are ReplicaSlots, PromotionMargin, MinimumCount", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plans_a_large_model_in_well_under_a_second()
    {
        MoeModelShape large = Loads.Shape(60, 256);
        ExpertLoad load = Loads.ZipfPerLayer(large, 1.0);
        IMoeScheduler scheduler = Support.Schedulers.Balanced();
        ExpertPlacement first = scheduler.Plan(Loads.Request(load, 60 * 128, 8));

        var clock = Stopwatch.StartNew();
        ExpertPlacement second = scheduler.Plan(Loads.Request(load, 60 * 128, 8, current: first));
        clock.Stop();

        output.WriteLine($"60 x 256 experts on 8 devices: {clock.Elapsed.TotalMilliseconds:F1} ms, balancedness {second.Balancedness(load):F3}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"planning took {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static IEnumerable<(int Layer, int Expert)> Experts() =>
        Enumerable.Range(0, Model.MoeLayerCount * Model.ExpertCount).Select(c => (c / Model.ExpertCount, c % Model.ExpertCount));
}
