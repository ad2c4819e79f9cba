using LlmFramework.Formats;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Graph;
using LlmFramework.Models.Llama.Loading;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>Config, weights and graph of a checkpoint without its tokenizer (so graph tests need only the weights).</summary>
internal sealed class ModelParts : IDisposable
{
    private readonly IDisposable[] _owned;

    private ModelParts(LlamaConfig config, LlamaWeights weights, RopeStyle style, IDisposable[] owned)
    {
        Config = config;
        Weights = weights;
        Style = style;
        _owned = owned;
    }

    public LlamaConfig Config { get; }

    public LlamaWeights Weights { get; }

    public RopeStyle Style { get; }

    public ComputeGraph BuildGraph() => LlamaGraphBuilder.Build(Config, Weights, Style);

    public ReferenceForward Forward(int maxTokens = 32, IBackend? backend = null) =>
        new(BuildGraph(), LlamaGraphBuilder.CacheLayout(Config, Config.MaxPositionEmbeddings), maxTokens, backend);

    public static ModelParts OpenGguf(string path)
    {
        GgufFile file = GgufFile.Open(path);
        var owned = new OwnedTensors();
        LlamaConfig config = GgufConfigReader.Read(file);
        LlamaWeights weights = new LlamaWeightLoader(file.Path, file.ContainsTensor, file.GetTensor, owned).Load(config, LlamaTensorNames.Gguf);
        return new ModelParts(config, weights, RopeStyle.Interleaved, [owned, file]);
    }

    public static ModelParts OpenFolder(string folder)
    {
        LlamaConfig config = HuggingFaceConfigReader.Read(Path.Combine(folder, "config.json"));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder);
        var owned = new OwnedTensors();
        LlamaWeights weights = new LlamaWeightLoader(checkpoint.Folder, checkpoint.Contains, checkpoint.GetTensor, owned).Load(config, LlamaTensorNames.HuggingFace);
        return new ModelParts(config, weights, RopeStyle.NeoX, [owned, checkpoint]);
    }

    public void Dispose()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }
}
