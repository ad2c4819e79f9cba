namespace LlmFramework.Abstractions.Moe;

/// <summary>Creates schedulers of one kind (contract 1.2); registered by scheduler plugins.</summary>
public interface IMoeSchedulerFactory
{
    /// <summary>Name used in configuration (Moe:Scheduler), e.g. "LoadAware"; compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>One-line description for the plugins verb.</summary>
    string Description { get; }

    /// <summary>A scheduler configured by <paramref name="settings"/> (the Moe section's scheduler-specific keys; unknown keys are an error).</summary>
    IMoeScheduler Create(IReadOnlyDictionary<string, string> settings);
}
