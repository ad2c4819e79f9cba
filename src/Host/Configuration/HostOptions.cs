namespace LlmFramework.Host.Configuration;

/// <summary>The "LlmFramework" section of the host configuration.</summary>
public sealed class HostOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "LlmFramework";

    /// <summary>Which model to load.</summary>
    public ModelOptions Model { get; set; } = new();

    /// <summary>Which backends to use.</summary>
    public BackendSelectionOptions Backends { get; set; } = new();

    /// <summary>Where plugins live.</summary>
    public PluginOptions Plugins { get; set; } = new();

    /// <summary>Engine sizes.</summary>
    public EngineSettings Engine { get; set; } = new();

    /// <summary>Expert scheduling for mixture-of-experts models.</summary>
    public MoeSettings Moe { get; set; } = new();

    /// <summary>Default sampling settings.</summary>
    public GenerationSettings Generation { get; set; } = new();

    /// <summary>The HTTP server (the serve verb).</summary>
    public ServerOptions Server { get; set; } = new();
}
