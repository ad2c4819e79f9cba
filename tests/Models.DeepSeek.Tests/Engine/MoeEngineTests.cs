using LlmFramework.Abstractions.Moe;
using LlmFramework.Engine.Moe;
using LlmFramework.Schedulers.LoadAware;

namespace LlmFramework.Models.DeepSeek.Tests.Engine;

/// <summary>
/// A DeepSeek test model through the engine with expert placement: routing counts, cold experts paged out of the
/// memory map without changing a single token, budgets, scheduler swaps and warm starts.
/// </summary>
public sealed class MoeEngineTests : IDisposable
{
    private const int Experts = MoeTestSession.Experts;
    private const int PerToken = MoeTestSession.PerToken;
    private const int MoeLayers = MoeTestSession.MoeLayers;
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-moe-engine-").FullName;
    private readonly string _path;

    public MoeEngineTests()
    {
        _path = Path.Combine(_dir, "moe.gguf");
        MoeTestSession.WriteModel(_path, seed: 5);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_routed_choice_is_counted_per_layer()
    {
        using MoeTestSession s = Open(new MoeOptions());
        MoeRuntime moe = s.Engine.Moe!;
        Assert.Equal(new MoeModelShape(MoeLayers, Experts, PerToken, moe.Shape.ExpertBytes), moe.Shape);
        s.Engine.GenerateGreedy([5, 9, 200, 31], 12, out _);

        // 4 prompt tokens and 11 decoded ones (the 12th token is sampled, not run) each choose PerToken experts per layer.
        ExpertLoad load = moe.Counter.Snapshot();
        for (int l = 0; l < MoeLayers; l++)
        {
            Assert.Equal((4 + 11) * PerToken, load.TotalOfLayer(l).ToArray().Sum());
        }

        Assert.Equal("Static", moe.SchedulerName);
        Assert.Equal(0, moe.ColdUses);
    }

    [Fact]
    public void Cold_experts_paged_in_and_out_give_the_same_tokens_as_all_resident()
    {
        int[] prompt = [7, 100, 250, 3, 64, 128];
        using MoeTestSession all = Open(new MoeOptions());
        int[] want = [.. all.Engine.GenerateGreedy(prompt, 24, out _)];

        long budget = all.Engine.Moe!.Shape.TotalExpertBytes / 4;
        using MoeTestSession quarter = Open(new MoeOptions { Scheduler = LoadAware(), ExpertBudgetBytes = budget, RebalanceSteps = 4 });
        int[] got = [.. quarter.Engine.GenerateGreedy(prompt, 24, out _)];

        MoeRuntime moe = quarter.Engine.Moe!;
        moe.Rebalance();
        Assert.Equal(want, got);
        Assert.True(moe.ColdUses > 0, "a quarter of the experts resident, yet no cold expert was used");
        Assert.Equal(OperatingSystem.IsLinux(), moe.StagedReads > 0);
        Assert.InRange(moe.Placement.ResidentBytes + moe.StagingBytes, 1, budget);
        Assert.True(moe.Plans >= 2, $"only {moe.Plans} placements were applied");
        Assert.InRange(moe.Placement.ResidentBytes, 1, budget);
        Assert.Equal(OperatingSystem.IsLinux(), moe.Pageable);
        Assert.Equal(0, MoeRuntime.PageAdviceFailures);
    }

    [Fact]
    public void Next_layer_predictions_beat_chance_and_reading_ahead_changes_no_token()
    {
        int[] prompt = [7, 100, 250, 3, 64, 128];
        long budget = ExpertBytesOfModel() / 4;
        using MoeTestSession off = Open(new MoeOptions { Scheduler = LoadAware(), ExpertBudgetBytes = budget, RebalanceSteps = 4, PrefetchNextLayer = false });
        int[] want = [.. off.Engine.GenerateGreedy(prompt, 32, out _)];
        Assert.Equal(0, off.Engine.Moe!.PredictionChecks);

        using MoeTestSession on = Open(new MoeOptions { Scheduler = LoadAware(), ExpertBudgetBytes = budget, RebalanceSteps = 4 });
        int[] got = [.. on.Engine.GenerateGreedy(prompt, 32, out _)];
        MoeRuntime moe = on.Engine.Moe!;
        Assert.Equal(want, got);

        // Layer 1 is predicted from layer 0 at each of the 31 decode steps (PerToken distinct experts each) and at the
        // 6-token prompt step (PerToken to Experts distinct experts).
        Assert.InRange(moe.PredictionChecks, 32 * PerToken, (31 * PerToken) + Experts);
        double hitRate = (double)moe.PredictionHits / moe.PredictionChecks, chance = (double)PerToken / Experts;
        Assert.True(hitRate > 2 * chance, $"next-layer prediction hit {hitRate:P0} of the experts chosen; chance is {chance:P0}");
        Assert.True(moe.ColdPrefetches > 0, "no cold expert was read ahead with a quarter of the experts resident");
        Assert.InRange(moe.ColdPrefetchHits, 0, moe.ColdPrefetches);
        Assert.Equal(0, MoeRuntime.PageAdviceFailures);
    }

    [Fact]
    public void A_compact_tier_holds_more_experts_in_the_budget_and_stays_close_to_the_stored_logits()
    {
        int[] prompt = [7, 100, 250, 3, 64, 128, 9, 41];
        using MoeTestSession all = Open(new MoeOptions());
        all.Engine.GenerateGreedy(prompt, 16, out _);
        float[] want = all.Engine.GetLogits(prompt);
        long budget = all.Engine.Moe!.Shape.TotalExpertBytes / 4;

        using MoeTestSession stored = Open(new MoeOptions { Scheduler = LoadAware(), ExpertBudgetBytes = budget, RebalanceSteps = 4 });
        stored.Engine.GenerateGreedy(prompt, 16, out _);
        stored.Engine.Moe!.Rebalance();
        long storedCold = stored.Engine.Moe.ColdUses;
        stored.Engine.GenerateGreedy(prompt, 16, out _);
        storedCold = stored.Engine.Moe.ColdUses - storedCold;

        var settings = new Dictionary<string, string> { ["CompactFormat"] = "q8_0", ["CompactShare"] = "0.5" };
        using MoeTestSession compact = Open(new MoeOptions { Scheduler = new LoadAwareSchedulerFactory().Create(settings), ExpertBudgetBytes = budget, RebalanceSteps = 4 });
        MoeRuntime moe = compact.Engine.Moe!;
        compact.Engine.GenerateGreedy(prompt, 16, out _);
        moe.Rebalance();
        long compactCold = moe.ColdUses;
        compact.Engine.GenerateGreedy(prompt, 16, out _);
        compactCold = moe.ColdUses - compactCold;
        float[] got = compact.Engine.GetLogits(prompt);

        // The model's F32 experts hold 4 bytes a weight, Q8_0 1.06: half the budget holds about four times the experts.
        Assert.Equal(OperatingSystem.IsLinux(), moe.CompactExperts > 0);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.InRange(moe.Placement.ResidentBytes, 1, budget);
        Assert.Equal(moe.Placement.CompactCount, moe.CompactExperts);
        Assert.True(compactCold < storedCold, $"with a compact tier {compactCold} cold uses in 16 steps, without {storedCold}");

        double std = Math.Sqrt(want.Select(v => v * (double)v).Average() - Math.Pow(want.Average(), 2));
        double worst = want.Zip(got, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 0.02 * std, $"logits with Q8_0 experts differ by up to {worst:G3} (spread {std:G3})");
        Assert.True(worst > 0, "the compact experts gave bit-identical logits: were they used?");
    }

    [Fact]
    public void A_scheduler_placing_more_than_the_budget_is_refused_naming_both()
    {
        var greedy = new FixedScheduler("Greedy", shape => ExpertPlacement.AllResident(shape));
        var e = Assert.Throws<InvalidOperationException>(() => Open(new MoeOptions { Scheduler = greedy, ExpertBudgetBytes = 1024 }));
        Assert.Contains("Greedy", e.Message, StringComparison.Ordinal);
        Assert.Contains("over the budget of 1024", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_swapped_scheduler_plans_from_the_next_rebalance_and_a_failing_one_keeps_the_placement()
    {
        using MoeTestSession s = Open(new MoeOptions { Scheduler = LoadAware(), ExpertBudgetBytes = long.MaxValue / 2, RebalanceSteps = 2 });
        MoeRuntime moe = s.Engine.Moe!;
        var nothing = new FixedScheduler("Nothing", shape => Placement(shape, (_, _) => false));
        moe.ReplaceScheduler(nothing);

        // The plan is made on a worker thread and applied at a later step boundary: keep stepping until it lands.
        for (int round = 0; round < 50 && moe.Placement.ResidentBytes > 0; round++)
        {
            s.Engine.GenerateGreedy([1, 2, 3], 4, out _);
            Thread.Sleep(10);
        }

        Assert.Equal("Nothing", moe.SchedulerName);
        Assert.Equal(0, moe.Placement.ResidentBytes);

        moe.ReplaceScheduler(new FixedScheduler("Broken", _ => throw new InvalidOperationException("no plan")));
        s.Engine.GenerateGreedy([1, 2, 3], 8, out _);
        Assert.Equal(0, moe.Placement.ResidentBytes);
        Assert.Equal("Broken", moe.SchedulerName);
    }

    [Fact]
    public void Saved_statistics_start_the_next_engine_warm()
    {
        string stats = Path.Combine(_dir, "stats.msgpack");
        long budget;
        int[] hottest;
        using (MoeTestSession first = Open(new MoeOptions()))
        {
            first.Engine.GenerateGreedy([11, 12, 13, 14, 15, 16], 20, out _);
            ExpertLoad load = first.Engine.Moe!.Counter.Snapshot();
            ExpertLoadFile.Save(load, stats);
            // Four resident experts, beside the staging area of one slot per expert a token chooses.
            budget = first.Engine.Moe.Shape.ExpertBytes * (4 + PerToken);
            hottest = [.. Enumerable.Range(0, Experts).OrderByDescending(e => load.Total(0, e)).ThenBy(e => e).Take(2)];
        }

        using MoeTestSession second = Open(new MoeOptions { Scheduler = LoadAware(), ExpertBudgetBytes = budget, InitialLoad = ExpertLoadFile.Load(stats) });
        MoeRuntime moe = second.Engine.Moe!;
        Assert.All(hottest, e => Assert.True(moe.Placement.IsResident(0, e), $"expert {e}, among the hottest of the saved run, is not resident at start"));
        Assert.True(moe.Counter.Snapshot().TotalOfLayer(0).ToArray().Sum() > 0);
    }

    private long ExpertBytesOfModel()
    {
        using MoeTestSession s = Open(new MoeOptions());
        return s.Engine.Moe!.Shape.TotalExpertBytes;
    }

    private static IMoeScheduler LoadAware() => new LoadAwareSchedulerFactory().Create(new Dictionary<string, string>());

    private static ExpertPlacement Placement(MoeModelShape shape, Func<int, int, bool> resident)
    {
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        return new ExpertPlacement(
            shape,
            1,
            [.. Enumerable.Range(0, cells).Select(i => resident(i / shape.ExpertCount, i % shape.ExpertCount))],
            [.. Enumerable.Range(0, cells).Select(_ => new[] { 0 })]);
    }

    private MoeTestSession Open(MoeOptions moe) => MoeTestSession.Open(_path, moe);

    private sealed class FixedScheduler(string name, Func<MoeModelShape, ExpertPlacement> plan) : IMoeScheduler
    {
        public string Name => name;

        public ExpertPlacement Plan(ExpertPlacementRequest request) => plan(request.Shape);
    }
}
