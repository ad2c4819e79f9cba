using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Schedulers.Balanced;
using LlmFramework.Schedulers.LoadAware;
using LlmFramework.Schedulers.Static;

namespace LlmFramework.Schedulers;

/// <summary>The plugin entry point: registers the "Static", "LoadAware" and "Balanced" MoE scheduler factories.</summary>
public sealed class MoeSchedulersPlugin : ILlmPlugin
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        "LlmFramework.Schedulers",
        PluginKind.MoeScheduler,
        typeof(MoeSchedulersPlugin).Assembly.GetName().Version ?? new Version(1, 0),
        new Version(ContractVersion.Major, ContractVersion.Minor),
        "MoE expert schedulers: Static (all resident), LoadAware (hottest experts resident, with hysteresis), Balanced (replicas of hot experts spread over devices, as EPLB)");

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddMoeScheduler(new StaticSchedulerFactory());
        registry.AddMoeScheduler(new LoadAwareSchedulerFactory());
        registry.AddMoeScheduler(new BalancedSchedulerFactory());
    }
}
