using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.Tests.Config;

public sealed class DeepSeekGgufConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-gguf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The deepseek2 metadata of a small V3-shaped model, in llama.cpp's key names, with one key changed or removed.</summary>
    private string Write(string? changeKey = null, object? value = null, bool remove = false) =>
        changeKey is null ? WriteWith() : WriteWith((changeKey, remove ? null : value));

    /// <summary>The metadata of <see cref="Write"/> without <paramref name="keys"/>.</summary>
    private string WriteWithout(params string[] keys) => WriteWith([.. keys.Select(k => (k, (object?)null))]);

    /// <summary>The metadata of <see cref="Write"/> with each (key, value) set, or removed where the value is null.</summary>
    private string WriteWith(params (string Key, object? Value)[] changes)
    {
        var keys = new Dictionary<string, object>
        {
            ["general.architecture"] = "deepseek2",
            ["deepseek2.context_length"] = 4096u,
            ["deepseek2.embedding_length"] = 256u,
            ["deepseek2.block_count"] = 4u,
            ["deepseek2.feed_forward_length"] = 512u,
            ["deepseek2.attention.head_count"] = 8u,
            ["deepseek2.attention.head_count_kv"] = 1u,
            ["deepseek2.attention.layer_norm_rms_epsilon"] = 1e-6f,
            ["deepseek2.rope.freq_base"] = 10000f,
            ["deepseek2.vocab_size"] = 1000u,
            ["deepseek2.leading_dense_block_count"] = 1u,
            ["deepseek2.attention.q_lora_rank"] = 96u,
            ["deepseek2.attention.kv_lora_rank"] = 48u,
            ["deepseek2.attention.key_length"] = 64u,        // kv_lora + rope (the MLA cache layout)
            ["deepseek2.attention.value_length"] = 48u,      // kv_lora
            ["deepseek2.attention.key_length_mla"] = 48u,    // nope 32 + rope 16
            ["deepseek2.attention.value_length_mla"] = 24u,
            ["deepseek2.rope.dimension_count"] = 16u,
            ["deepseek2.expert_feed_forward_length"] = 128u,
            ["deepseek2.expert_count"] = 16u,
            ["deepseek2.expert_used_count"] = 4u,
            ["deepseek2.expert_shared_count"] = 2u,
            ["deepseek2.expert_weights_scale"] = 2.5f,
            ["deepseek2.expert_weights_norm"] = true,
            ["deepseek2.expert_gating_func"] = 2u,
            ["deepseek2.expert_group_count"] = 4u,
            ["deepseek2.expert_group_used_count"] = 2u,
            ["deepseek2.rope.scaling.type"] = "yarn",
            ["deepseek2.rope.scaling.factor"] = 40f,
            ["deepseek2.rope.scaling.original_context_length"] = 4096u,
            ["deepseek2.rope.scaling.yarn_log_multiplier"] = 0.1f,
        };
        foreach ((string key, object? value) in changes)
        {
            if (value is null)
            {
                keys.Remove(key);
            }
            else
            {
                keys[key] = value;
            }
        }

        var writer = new GgufWriter();
        foreach ((string key, object v) in keys)
        {
            switch (v)
            {
                case string s: writer.AddString(key, s); break;
                case uint u: writer.AddUInt32(key, u); break;
                case float f: writer.AddFloat32(key, f); break;
                case bool b: writer.AddBool(key, b); break;
                default: throw new ArgumentException(key);
            }
        }

        string path = Path.Combine(_dir, $"m-{Guid.NewGuid():N}.gguf");
        writer.WriteTo(path);
        return path;
    }

    private static DeepSeekConfig Read(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        return DeepSeekGgufConfigReader.Read(file);
    }

    [Fact]
    public void Deepseek2_metadata_reads_into_the_same_settings_as_a_config_json()
    {
        DeepSeekConfig c = Read(Write());
        Assert.Equal((256, 4, 1, 8, 1000), (c.HiddenSize, c.LayerCount, c.DenseLayerCount, c.HeadCount, c.VocabSize));
        Assert.Equal((96, 48, 32, 16, 24), (c.QLoraRank, c.KvLoraRank, c.QkNopeHeadDim, c.QkRopeHeadDim, c.VHeadDim));
        Assert.Equal((16, 2, 4, 4, 2), (c.RoutedExperts, c.SharedExperts, c.ExpertsPerToken, c.ExpertGroups, c.ExpertGroupsUsed));
        Assert.Equal(ExpertGating.Sigmoid, c.Gating);
        Assert.True(c.NormalizeTopKWeights);
        Assert.Equal(2.5f, c.RoutedScalingFactor);
        Assert.Equal(40f, c.RopeScaling!.Factor);
        Assert.Equal(1f, c.RopeScaling.MScaleAllDim, 5);
        Assert.Equal(64, c.LatentKvValuesPerToken);
        Assert.Equal(8 * (48 + 24), c.FullKvValuesPerToken);
    }

    [Fact]
    public void Missing_gating_means_softmax_and_missing_q_lora_means_a_full_query()
    {
        Assert.Equal(ExpertGating.Softmax, Read(Write("deepseek2.expert_gating_func", remove: true)).Gating);
        Assert.Equal(0, Read(Write("deepseek2.attention.q_lora_rank", remove: true)).QLoraRank);
    }

    [Theory]
    [InlineData("deepseek2.expert_group_count", 3u, "deepseek2.expert_group_count = 3 does not divide deepseek2.expert_count = 16")]
    [InlineData("deepseek2.expert_group_used_count", 4u, "deepseek2.expert_group_used_count must be in [1, deepseek2.expert_group_count = 4)")]
    [InlineData("deepseek2.expert_used_count", 17u, "deepseek2.expert_used_count must be in [1, deepseek2.expert_count = 16], got 17")]
    [InlineData("deepseek2.expert_gating_func", 3u, "deepseek2.expert_gating_func must be 1 (softmax) or 2 (sigmoid), got 3")]
    [InlineData("deepseek2.leading_dense_block_count", 5u, "deepseek2.leading_dense_block_count must be in [0, deepseek2.block_count = 4], got 5")]
    [InlineData("deepseek2.attention.kv_lora_rank", 0u, "deepseek2.attention.kv_lora_rank must be positive, got 0")]
    [InlineData("deepseek2.rope.dimension_count", 15u, "deepseek2.rope.dimension_count must be a positive even number (RoPE rotates pairs), got 15")]
    [InlineData("deepseek2.attention.key_length_mla", 16u, "deepseek2.attention.key_length_mla - rope.dimension_count must be positive, got 0")]
    [InlineData("deepseek2.attention.value_length_mla", 0u, "deepseek2.attention.value_length_mla must be positive, got 0")]
    [InlineData("deepseek2.attention.head_count", 0u, "deepseek2.attention.head_count must be positive, got 0")]
    [InlineData("deepseek2.expert_count", 0u, "deepseek2.expert_count must be positive for the 3 MoE layers, got 0")]
    [InlineData("deepseek2.expert_used_count", 0u, "deepseek2.expert_used_count must be in [1, deepseek2.expert_count = 16], got 0")]
    [InlineData("deepseek2.expert_group_used_count", 0u, "deepseek2.expert_group_used_count must be in [1, deepseek2.expert_group_count = 4)")]
    [InlineData("deepseek2.expert_group_count", 16u, "each of the deepseek2.expert_group_count = 16 groups needs at least 2 experts")]
    [InlineData("deepseek2.expert_weights_scale", 0f, "deepseek2.expert_weights_scale must be a positive number, got 0")]
    [InlineData("deepseek2.rope.scaling.factor", 0.5f, "deepseek2.rope.scaling.factor must be at least 1 for YaRN (0: none), got 0.5")]
    [InlineData("deepseek2.attention.kv_lora_rank", "48", "metadata 'deepseek2.attention.kv_lora_rank' should be an integer but is String")]
    public void A_bad_value_is_refused_naming_the_gguf_key(string key, object value, string message)
    {
        string path = Write(key, value);
        var error = Assert.Throws<ModelLoadException>(() => Read(path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deepseek2.embedding_length", "an integer")]
    [InlineData("deepseek2.block_count", "an integer")]
    [InlineData("deepseek2.attention.head_count", "an integer")]
    [InlineData("deepseek2.attention.kv_lora_rank", "an integer")]
    [InlineData("deepseek2.rope.dimension_count", "an integer")]
    [InlineData("deepseek2.context_length", "an integer")]
    [InlineData("deepseek2.attention.layer_norm_rms_epsilon", "a number")]
    public void A_missing_required_key_is_refused_naming_it(string key, string expected)
    {
        string path = Write(key, remove: true);
        var error = Assert.Throws<ModelLoadException>(() => Read(path));
        Assert.Contains($"metadata key '{key}' ({expected}) is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_per_head_widths_are_refused_naming_the_fallback_key()
    {
        string path = Write("deepseek2.attention.key_length_mla", remove: true);
        Assert.Equal(64 - 16, Read(path).QkNopeHeadDim); // key_length - rope without the MLA key
        var error = Assert.Throws<ModelLoadException>(() => Read(WriteWithout("deepseek2.attention.key_length_mla", "deepseek2.attention.key_length")));
        Assert.Contains("metadata key 'deepseek2.attention.key_length' (an integer) is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gating_0_and_expert_groups_0_or_1_read_as_llama_cpp_reads_them()
    {
        Assert.Equal(ExpertGating.Softmax, Read(Write("deepseek2.expert_gating_func", 0u)).Gating);       // NONE: softmax
        DeepSeekConfig noGroups = Read(Write("deepseek2.expert_group_count", 0u));
        Assert.Equal((1, 1), (noGroups.ExpertGroups, noGroups.ExpertGroupsUsed));
        DeepSeekConfig oneGroup = Read(WriteWith(("deepseek2.expert_group_count", 1u), ("deepseek2.expert_group_used_count", 0u)));
        Assert.Equal((1, 1), (oneGroup.ExpertGroups, oneGroup.ExpertGroupsUsed));
    }

    [Fact]
    public void Yarn_factor_0_is_no_scaling_an_original_context_of_0_is_the_training_one_and_a_factor_without_a_type_is_refused()
    {
        Assert.Equal(1f, Read(Write("deepseek2.rope.scaling.factor", 0f)).RopeScaling!.Factor);
        Assert.Equal(4096, Read(Write("deepseek2.rope.scaling.original_context_length", 0u)).RopeScaling!.OriginalMaxPositionEmbeddings);
        var error = Assert.Throws<NotSupportedException>(() => Read(Write("deepseek2.rope.scaling.type", remove: true)));
        Assert.Contains("deepseek2.rope.scaling.type is missing", error.Message, StringComparison.Ordinal);
        Assert.Null(Read(WriteWithout("deepseek2.rope.scaling.type", "deepseek2.rope.scaling.factor")).RopeScaling);
    }

    [Fact]
    public void Another_architecture_is_refused()
    {
        Assert.Contains("not 'deepseek2'", Assert.Throws<ModelLoadException>(() => Read(Write("general.architecture", "llama"))).Message, StringComparison.Ordinal);
    }
}
