using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Models.Llama;

/// <summary>The plugin entry point: registers <see cref="LlamaFamily"/>.</summary>
public sealed class LlamaPlugin : ILlmPlugin
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        "LlmFramework.Models.Llama",
        PluginKind.ModelFamily,
        typeof(LlamaPlugin).Assembly.GetName().Version ?? new Version(1, 0),
        new Version(ContractVersion.Major, ContractVersion.Minor),
        "LLaMA-family models (llama, LlamaForCausalLM, MistralForCausalLM) from GGUF files and Hugging Face folders");

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddModelFamily(new LlamaFamily());
    }
}
