using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Config;

public sealed class HuggingFaceConfigReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static Dictionary<string, object?> BaseConfig() => new()
    {
        ["architectures"] = new[] { "LlamaForCausalLM" },
        ["hidden_size"] = 64,
        ["intermediate_size"] = 128,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = 2,
        ["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = 500000.0,
        ["max_position_embeddings"] = 4096,
        ["vocab_size"] = 512,
        ["tie_word_embeddings"] = true,
        ["torch_dtype"] = "bfloat16",
    };

    private LlamaConfig Read(Action<Dictionary<string, object?>>? edit = null)
    {
        Dictionary<string, object?> config = BaseConfig();
        edit?.Invoke(config);
        string path = _folder.File("config.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return HuggingFaceConfigReader.Read(path);
    }

    private ModelLoadException ReadFails(Action<Dictionary<string, object?>> edit) => Assert.Throws<ModelLoadException>(() => Read(edit));

    [Fact]
    public void Reads_every_hyperparameter()
    {
        LlamaConfig c = Read();
        Assert.Equal("LlamaForCausalLM", c.Architecture);
        Assert.Equal(64, c.HiddenSize);
        Assert.Equal(128, c.IntermediateSize);
        Assert.Equal(2, c.LayerCount);
        Assert.Equal(4, c.HeadCount);
        Assert.Equal(2, c.KvHeadCount);
        Assert.Equal(16, c.HeadDim);
        Assert.Equal(16, c.RotaryDim);
        Assert.Equal(512, c.VocabSize);
        Assert.Equal(4096, c.MaxPositionEmbeddings);
        Assert.Equal(1e-5f, c.RmsNormEpsilon);
        Assert.Equal(500000f, c.RopeTheta);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal("bfloat16", c.TorchDType);
        Assert.Null(c.RopeScaling);
    }

    [Fact]
    public void Kv_heads_default_to_heads_and_head_dim_may_be_explicit()
    {
        LlamaConfig c = Read(c =>
        {
            c.Remove("num_key_value_heads");
            c["head_dim"] = 32;
            c["tie_word_embeddings"] = null;
        });
        Assert.Equal(4, c.KvHeadCount);
        Assert.Equal(32, c.HeadDim);
        Assert.Equal(128, c.QueryWidth);
        Assert.False(c.TieWordEmbeddings);
    }

    [Fact]
    public void Mistral_sliding_window_caps_the_context()
    {
        LlamaConfig c = Read(c =>
        {
            c["architectures"] = new[] { "MistralForCausalLM" };
            c["sliding_window"] = 1024;
        });
        Assert.Equal("MistralForCausalLM", c.Architecture);
        Assert.Equal(1024, c.MaxPositionEmbeddings);
    }

    [Fact]
    public void Reads_linear_scaling()
    {
        RopeScaling s = Read(c => c["rope_scaling"] = new Dictionary<string, object> { ["type"] = "linear", ["factor"] = 2.0 }).RopeScaling!;
        Assert.Equal("linear", s.Type);
        Assert.Equal(2f, s.Factor);
    }

    [Fact]
    public void Reads_llama3_scaling()
    {
        RopeScaling s = Read(c => c["rope_scaling"] = new Dictionary<string, object>
        {
            ["rope_type"] = "llama3",
            ["factor"] = 8.0,
            ["low_freq_factor"] = 1.0,
            ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 8192,
        }).RopeScaling!;
        Assert.Equal(new RopeScaling("llama3", 8f, OriginalMaxPositions: 8192, LowFreqFactor: 1f, HighFreqFactor: 4f), s);
    }

    [Fact]
    public void Reads_yarn_scaling_with_defaults_and_explicit_values()
    {
        RopeScaling s = Read(c => c["rope_scaling"] = new Dictionary<string, object> { ["rope_type"] = "yarn", ["factor"] = 4.0 }).RopeScaling!;
        Assert.Equal(new RopeScaling("yarn", 4f, OriginalMaxPositions: 4096, BetaFast: 32f, BetaSlow: 1f), s);

        s = Read(c => c["rope_scaling"] = new Dictionary<string, object>
        {
            ["type"] = "yarn",
            ["factor"] = 4.0,
            ["original_max_position_embeddings"] = 2048,
            ["beta_fast"] = 16.0,
            ["beta_slow"] = 2.0,
            ["attention_factor"] = 1.5,
        }).RopeScaling!;
        Assert.Equal(new RopeScaling("yarn", 4f, OriginalMaxPositions: 2048, BetaFast: 16f, BetaSlow: 2f, AttentionFactor: 1.5f), s);
    }

    [Fact]
    public void Default_rope_type_means_no_scaling()
    {
        Assert.Null(Read(c => c["rope_scaling"] = new Dictionary<string, object> { ["rope_type"] = "default" }).RopeScaling);
    }

    [Fact]
    public void Unknown_rope_type_is_a_clear_error()
    {
        ModelLoadException e = ReadFails(c => c["rope_scaling"] = new Dictionary<string, object> { ["type"] = "dynamic", ["factor"] = 2.0 });
        Assert.Contains("config.json", e.Message);
        Assert.Contains("'dynamic' is not supported", e.Message);
        Assert.IsType<NotSupportedException>(e.InnerException);
    }

    [Fact]
    public void Missing_key_is_named()
    {
        ModelLoadException e = ReadFails(c => c.Remove("num_hidden_layers"));
        Assert.EndsWith("config.json", e.FilePath);
        Assert.Contains("'num_hidden_layers' is missing", e.Message);
    }

    [Fact]
    public void Missing_llama3_field_is_named_with_its_path()
    {
        ModelLoadException e = ReadFails(c => c["rope_scaling"] = new Dictionary<string, object> { ["rope_type"] = "llama3", ["factor"] = 8.0 });
        Assert.Contains("rope_scaling.", e.Message);
        Assert.Contains("is missing", e.Message);
    }

    [Fact]
    public void Heads_must_divide_the_hidden_size()
    {
        ModelLoadException e = ReadFails(c =>
        {
            c["num_attention_heads"] = 7;
            c["num_key_value_heads"] = 7;
        });
        Assert.Contains("config.json: num_attention_heads (7) must divide hidden_size (64)", e.Message);
    }

    [Fact]
    public void Kv_heads_must_divide_heads()
    {
        ModelLoadException e = ReadFails(c => c["num_key_value_heads"] = 3);
        Assert.Contains("num_key_value_heads (3) must divide num_attention_heads (4)", e.Message);
    }

    [Fact]
    public void Wrong_value_type_is_named()
    {
        ModelLoadException e = ReadFails(c => c["hidden_size"] = "64");
        Assert.Contains("'hidden_size' should be an integer", e.Message);
    }

    [Theory]
    [InlineData("attention_bias", true)]
    [InlineData("mlp_bias", true)]
    [InlineData("hidden_act", "gelu")]
    public void Unsupported_variants_are_refused(string key, object value)
    {
        ModelLoadException e = ReadFails(c => c[key] = value);
        Assert.Contains(key, e.Message);
        Assert.Contains("not supported", e.Message);
    }

    [Fact]
    public void Non_positive_values_are_rejected()
    {
        ModelLoadException e = ReadFails(c => c["num_hidden_layers"] = 0);
        Assert.Contains("num_hidden_layers must be positive", e.Message);
    }
}
