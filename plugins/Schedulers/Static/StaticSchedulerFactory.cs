using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.Static;

/// <summary>Creates the "Static" scheduler: every routed expert resident on device 0, the baseline. It takes no settings.</summary>
public sealed class StaticSchedulerFactory : IMoeSchedulerFactory
{
    /// <summary>The scheduler's configuration name.</summary>
    public const string SchedulerName = "Static";

    /// <inheritdoc />
    public string Name => SchedulerName;

    /// <inheritdoc />
    public string Description => "every routed expert resident on device 0; refuses a budget smaller than all experts (no settings)";

    /// <inheritdoc />
    public IMoeScheduler Create(IReadOnlyDictionary<string, string> settings)
    {
        SchedulerSettings.Read(SchedulerName, settings);
        return new StaticScheduler();
    }
}
