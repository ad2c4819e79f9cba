using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Tests.Support;

namespace LlmFramework.Schedulers.Tests.Static;

public sealed class StaticSchedulerTests
{
    private static readonly MoeModelShape Shape = Loads.Shape(4, 64);

    [Fact]
    public void Keeps_every_expert_resident_on_device_0_whatever_the_load()
    {
        ExpertPlacementRequest request = Loads.Request(Loads.ZipfOverModel(Shape), 256, devices: 4);

        ExpertPlacement plan = Support.Schedulers.Static().Plan(request);

        Assert.True(plan.AllResidentOnDeviceZero());
        Assert.Equal(Shape.TotalExpertBytes, plan.ResidentBytes);
    }

    [Fact]
    public void A_budget_smaller_than_all_experts_is_an_error_naming_both_sizes()
    {
        ExpertPlacementRequest request = Loads.Request(Loads.ZipfOverModel(Shape), 256) with { ResidentBudgetBytes = Shape.TotalExpertBytes - 1 };

        var ex = Assert.Throws<InvalidOperationException>(() => Support.Schedulers.Static().Plan(request));

        Assert.Equal(
            "the Static MoE scheduler keeps all 256 routed experts resident and needs 256000 bytes, but the resident budget is 255999 bytes; raise the budget or use the LoadAware or Balanced scheduler",
            ex.Message);
    }

    [Fact]
    public void Takes_no_settings()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LlmFramework.Schedulers.Static.StaticSchedulerFactory().Create(new Dictionary<string, string> { ["PromotionMargin"] = "2" }));
        Assert.StartsWith("the Static MoE scheduler has no setting 'PromotionMargin'; it takes no settings", ex.Message, StringComparison.Ordinal);
    }
}
