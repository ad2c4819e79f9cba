namespace LlmFramework.Abstractions.Plugins;

/// <summary>What a plugin provides.</summary>
public enum PluginKind
{
    /// <summary>A compute backend (<see cref="Backends.IBackendFactory"/>).</summary>
    Backend = 0,
    /// <summary>A model family (<see cref="Models.IModelFamily"/>).</summary>
    ModelFamily = 1,
    /// <summary>An MoE expert scheduler (<see cref="Moe.IMoeSchedulerFactory"/>, contract 1.2).</summary>
    MoeScheduler = 2,
    /// <summary>A weight/activation quantizer (later contract versions).</summary>
    Quantizer = 3,
}
