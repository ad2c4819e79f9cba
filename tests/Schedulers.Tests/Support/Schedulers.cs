using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Balanced;
using LlmFramework.Schedulers.LoadAware;
using LlmFramework.Schedulers.Static;

namespace LlmFramework.Schedulers.Tests.Support;

/// <summary>Schedulers created through their factories, as the host creates them.</summary>
internal static class Schedulers
{
    public static IMoeScheduler Static() => new StaticSchedulerFactory().Create(new Dictionary<string, string>());

    public static IMoeScheduler LoadAware(params (string Key, string Value)[] settings) =>
        new LoadAwareSchedulerFactory().Create(settings.ToDictionary(s => s.Key, s => s.Value));

    public static IMoeScheduler Balanced(params (string Key, string Value)[] settings) =>
        new BalancedSchedulerFactory().Create(settings.ToDictionary(s => s.Key, s => s.Value));
}
