using LlmFramework.Training.Model;
using LlmFramework.Training.Tests.Support;

namespace LlmFramework.Training.Tests.Model;

/// <summary>config.json is written as Hugging Face writes it, read back unchanged, and bad files are named.</summary>
public sealed class LlamaTrainingConfigTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_config_round_trips_through_config_json()
    {
        var config = new LlamaTrainingConfig { Dim = 96, Layers = 3, Heads = 6, KvHeads = 2, FeedForward = 200, VocabSize = 1000, ContextLength = 128, RopeTheta = 500000f, NormEpsilon = 1e-6f, TiedEmbeddings = false };
        string path = _folder.Combine("config.json");
        config.WriteHuggingFaceConfig(path, "float16");
        Assert.Equal(config, LlamaTrainingConfig.ReadHuggingFaceConfig(path));
        Assert.Contains("\"LlamaForCausalLM\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"num_attention_heads\": 4}", "'hidden_size' is missing")]
    [InlineData("{\"hidden_size\": \"wide\", \"num_attention_heads\": 4}", "'hidden_size' must be an integer")]
    [InlineData("{\"model_type\": \"gpt2\"}", "model_type is 'gpt2'")]
    public void A_bad_config_json_is_named(string json, string problem)
    {
        string path = _folder.WriteText("config.json", json);
        var ex = Assert.Throws<InvalidDataException>(() => LlamaTrainingConfig.ReadHuggingFaceConfig(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rope_scaling_is_refused()
    {
        string path = _folder.WriteText("config.json", """
            {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64, "vocab_size": 300,
             "max_position_embeddings": 64, "rope_scaling": {"type": "linear", "factor": 2.0}}
            """);
        var ex = Assert.Throws<NotSupportedException>(() => LlamaTrainingConfig.ReadHuggingFaceConfig(path));
        Assert.Contains("rope_scaling", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(30, 4, 4, "heads (4) must divide dim (30)")]
    [InlineData(32, 4, 3, "kv heads (3) must divide heads (4)")]
    [InlineData(36, 4, 4, "head dim (9) must be even")]
    public void Impossible_shapes_are_refused(int dim, int heads, int kvHeads, string problem)
    {
        var ex = Assert.Throws<ArgumentException>(() => new LlamaTrainingConfig { Dim = dim, Heads = heads, KvHeads = kvHeads }.Validate());
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
