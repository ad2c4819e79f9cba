using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Models.DeepSeek;

/// <summary>The plugin entry point: registers <see cref="DeepSeekFamily"/>.</summary>
public sealed class DeepSeekPlugin : ILlmPlugin
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        "LlmFramework.Models.DeepSeek",
        PluginKind.ModelFamily,
        typeof(DeepSeekPlugin).Assembly.GetName().Version ?? new Version(1, 0),
        new Version(ContractVersion.Major, ContractVersion.Minor),
        "DeepSeek-V2/V3/R1 models (deepseek2, DeepseekV2ForCausalLM, DeepseekV3ForCausalLM): MLA attention and mixtures of experts, from GGUF files and Hugging Face folders (FP8 included)");

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddModelFamily(new DeepSeekFamily());
    }
}
