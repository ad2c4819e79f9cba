using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;
using LlmFramework.Schedulers.Tests.Support;

namespace LlmFramework.Schedulers.Tests.Common;

public sealed class PlanChecksTests
{
    private static readonly MoeModelShape Shape = Loads.Shape(2, 4);

    [Fact]
    public void A_plan_over_the_budget_is_reported_as_a_scheduler_bug()
    {
        ExpertPlacement plan = ExpertPlacement.AllResident(Shape);

        var ex = Assert.Throws<InvalidOperationException>(() => PlanChecks.WithinBudget("Test", plan, Shape.TotalExpertBytes - 1));

        Assert.Equal("bug in the Test MoE scheduler: its plan keeps 8000 bytes of experts resident, over the budget of 7999 bytes", ex.Message);
        Assert.Same(plan, PlanChecks.WithinBudget("Test", plan, Shape.TotalExpertBytes));
    }

    [Fact]
    public void A_load_of_another_shape_is_refused()
    {
        ExpertPlacementRequest request = Loads.Request(Loads.Empty(Loads.Shape(2, 8)), 1) with { Shape = Shape };

        var ex = Assert.Throws<ArgumentException>(() => Support.Schedulers.LoadAware().Plan(request));
        Assert.StartsWith("the expert load covers 2 x 8 experts, the model has 2 x 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_budget_is_refused()
    {
        ExpertPlacementRequest request = Loads.Request(Loads.Empty(Shape), 1) with { ResidentBudgetBytes = -1 };

        Assert.Throws<ArgumentOutOfRangeException>(() => Support.Schedulers.Balanced().Plan(request));
    }
}
