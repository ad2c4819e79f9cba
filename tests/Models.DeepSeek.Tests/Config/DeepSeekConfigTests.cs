using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Models;
using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.Tests.Config;

public sealed class DeepSeekConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-config-").FullName;

    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_deepseek_v3_config_reads_with_its_mla_and_moe_settings()
    {
        DeepSeekConfig c = DeepSeekHuggingFaceConfigReader.Read(Data("deepseek-v3-config.json"));
        Assert.Equal("DeepseekV3ForCausalLM", c.Architecture);
        Assert.Equal((7168, 61, 3, 128), (c.HiddenSize, c.LayerCount, c.DenseLayerCount, c.HeadCount));
        Assert.Equal((1536, 512, 128, 64, 128), (c.QLoraRank, c.KvLoraRank, c.QkNopeHeadDim, c.QkRopeHeadDim, c.VHeadDim));
        Assert.Equal((256, 1, 8, 8, 4), (c.RoutedExperts, c.SharedExperts, c.ExpertsPerToken, c.ExpertGroups, c.ExpertGroupsUsed));
        Assert.Equal(ExpertGating.Sigmoid, c.Gating);
        Assert.True(c.NormalizeTopKWeights);
        Assert.Equal(2.5f, c.RoutedScalingFactor);
        Assert.Equal(new YarnRopeScaling(40, 4096, 32, 1, 1, 1), c.RopeScaling);

        // The absorbed cache keeps 512 + 64 values per token per layer; full K/V would keep 128 x (192 + 128).
        Assert.Equal(576, c.LatentKvValuesPerToken);
        Assert.Equal(40960, c.FullKvValuesPerToken);
        Assert.Equal(71.1, (double)c.FullKvValuesPerToken / c.LatentKvValuesPerToken, 1);
        var layout = c.CacheLayout(4096);
        Assert.Equal(61L * 576 * 4, layout.BytesPerToken);          // 140,544 bytes per token in F32
        Assert.Equal(61L * 40960 * 4, c.FullKvBytesPerToken);        // 9,994,240
        Assert.Equal([512, 64], layout.StreamWidths);

        // Softmax scale: 192^-0.5 x mscale^2, mscale = 0.1 ln 40 + 1.
        double m = (0.1 * Math.Log(40)) + 1;
        Assert.Equal(m * m / Math.Sqrt(192), c.SoftmaxScale, 12);
    }

    [Fact]
    public void The_v2_lite_config_has_no_query_low_rank_path_and_softmax_gating()
    {
        DeepSeekConfig c = DeepSeekHuggingFaceConfigReader.Read(Data("deepseek-v2-lite-config.json"));
        Assert.Equal(0, c.QLoraRank);
        Assert.Equal(ExpertGating.Softmax, c.Gating);
        Assert.Equal((64, 2, 6, 1, 1), (c.RoutedExperts, c.SharedExperts, c.ExpertsPerToken, c.ExpertGroups, c.ExpertGroupsUsed));
        Assert.False(c.NormalizeTopKWeights);
    }

    [Theory]
    [InlineData("n_group", "7", "n_group = 7 does not divide n_routed_experts = 256")]
    [InlineData("topk_group", "8", "topk_group must be in [1, n_group = 8)")]
    [InlineData("topk_group", "0", "topk_group must be in [1, n_group = 8)")]
    [InlineData("num_experts_per_tok", "300", "num_experts_per_tok must be in [1, n_routed_experts = 256], got 300")]
    [InlineData("num_experts_per_tok", "0", "num_experts_per_tok must be in [1, n_routed_experts = 256], got 0")]
    [InlineData("first_k_dense_replace", "62", "first_k_dense_replace must be in [0, num_hidden_layers = 61], got 62")]
    [InlineData("qk_rope_head_dim", "63", "qk_rope_head_dim must be a positive even number")]
    [InlineData("kv_lora_rank", "0", "kv_lora_rank must be positive, got 0")]
    [InlineData("q_lora_rank", "0", "q_lora_rank is 0: use null for a full query projection")]
    [InlineData("scoring_func", "\"relu\"", "scoring_func must be \"softmax\" or \"sigmoid\", got \"relu\"")]
    [InlineData("n_shared_experts", "-1", "n_shared_experts must not be negative, got -1")]
    [InlineData("routed_scaling_factor", "0", "routed_scaling_factor must be a positive number, got 0")]
    [InlineData("moe_intermediate_size", "0", "moe_intermediate_size must be positive, got 0")]
    public void A_bad_value_is_refused_naming_the_key(string key, string value, string message)
    {
        string path = WriteV3With(key, value);
        var error = Assert.Throws<ModelLoadException>(() => DeepSeekHuggingFaceConfigReader.Read(path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Experts_per_token_must_fit_in_the_kept_groups()
    {
        // 8 groups of 4, keep 1 group: at most 4 experts can be chosen.
        string path = WriteV3With("n_routed_experts", "32");
        File.WriteAllText(path, Edit(File.ReadAllText(path), "topk_group", "1"));
        var error = Assert.Throws<ModelLoadException>(() => DeepSeekHuggingFaceConfigReader.Read(path));
        Assert.Contains("num_experts_per_tok = 8 cannot be chosen from topk_group = 1 groups of 4 experts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grouping_off_needs_one_kept_group_and_other_architectures_and_rope_scalings_are_refused()
    {
        string path = WriteV3With("n_group", "1");
        Assert.Contains("topk_group must be 1 when n_group is 1", Assert.Throws<ModelLoadException>(() => DeepSeekHuggingFaceConfigReader.Read(path)).Message, StringComparison.Ordinal);
        string llama = WriteV3With("architectures", "[\"LlamaForCausalLM\"]");
        Assert.Contains("names no DeepSeek model", Assert.Throws<ModelLoadException>(() => DeepSeekHuggingFaceConfigReader.Read(llama)).Message, StringComparison.Ordinal);
        string dynamic = WriteV3With("rope_scaling", "{\"type\":\"dynamic\",\"factor\":2}");
        Assert.Contains("\"dynamic\" is not supported", Assert.Throws<NotSupportedException>(() => DeepSeekHuggingFaceConfigReader.Read(dynamic)).Message, StringComparison.Ordinal);
        Assert.Contains("hidden_size", Assert.Throws<ModelLoadException>(() => DeepSeekHuggingFaceConfigReader.Read(WriteV3With("hidden_size", "null"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_deepseek_architectures_are_recognised()
    {
        using JsonDocument v3 = JsonDocument.Parse(File.ReadAllText(Data("deepseek-v3-config.json")));
        using JsonDocument llama = JsonDocument.Parse("""{ "architectures": ["LlamaForCausalLM"] }""");
        Assert.True(DeepSeekHuggingFaceConfigReader.IsDeepSeek(v3.RootElement));
        Assert.False(DeepSeekHuggingFaceConfigReader.IsDeepSeek(llama.RootElement));
    }

    private string WriteV3With(string key, string jsonValue)
    {
        string path = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Edit(File.ReadAllText(Data("deepseek-v3-config.json")), key, jsonValue));
        return path;
    }

    private static string Edit(string json, string key, string jsonValue)
    {
        JsonObject root = JsonNode.Parse(json)!.AsObject();
        root[key] = JsonNode.Parse(jsonValue);
        return root.ToJsonString();
    }
}
