using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Models.DeepSeek.TestModels;

namespace LlmFramework.Models.DeepSeek.Tests.TestModels;

public sealed class DeepSeekTestModelConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-testmodel-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("")]
    [InlineData("q-lora-rank=0")]
    [InlineData("gating=softmax")]
    [InlineData("gating=softmax;expert-groups=4;expert-groups-used=2")]
    [InlineData("expert-groups=4;expert-groups-used=2;experts-per-token=3")]
    [InlineData("dense-layers=0;shared-experts=2;experts=6;experts-per-token=1")]
    [InlineData("dense-layers=2")]
    [InlineData("shared-experts=0;routed-scaling-factor=1.5;norm-topk-prob=false;kv-lora-rank=48;qk-nope-dim=24;qk-rope-dim=4;v-head-dim=8;expert-ffn=40")]
    [InlineData("rope-scaling-factor=4;rope-original-context=128")]
    [InlineData("rope-scaling-factor=40;rope-original-context=32;rope-mscale-all-dim=0.5;gating=softmax")]
    public void Both_forms_read_back_into_every_field_of_the_spec_s_config(string extra)
    {
        TestModelSpec spec = DeepSeekTestModelFiles.Spec(extra);
        DeepSeekConfig expected = DeepSeekTestSettings.ToConfig(spec);

        string folder = Path.Combine(_dir, "hf");
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.HuggingFaceFolder, folder);
        Assert.Equal(expected, DeepSeekHuggingFaceConfigReader.Read(Path.Combine(folder, "config.json")));

        string gguf = Path.Combine(_dir, "m.gguf");
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.Gguf, gguf);
        using GgufFile file = GgufFile.Open(gguf);
        Assert.Equal(expected with { Architecture = "deepseek2" }, DeepSeekGgufConfigReader.Read(file));
    }

    [Fact]
    public void The_defaults_are_a_small_v3_shaped_model()
    {
        DeepSeekConfig c = DeepSeekTestSettings.ToConfig(DeepSeekTestModelFiles.Spec());
        Assert.Equal("DeepseekV3ForCausalLM", c.Architecture);
        Assert.Equal((64, 96, 2, 4, 300, 512), (c.HiddenSize, c.IntermediateSize, c.LayerCount, c.HeadCount, c.VocabSize, c.MaxPositionEmbeddings));
        Assert.Equal((1e-6f, 5000f), (c.RmsNormEpsilon, c.RopeTheta));
        Assert.Equal((32, 32, 16, 8, 16), (c.QLoraRank, c.KvLoraRank, c.QkNopeHeadDim, c.QkRopeHeadDim, c.VHeadDim));
        Assert.Equal((8, 2, 1, 32, 1), (c.RoutedExperts, c.ExpertsPerToken, c.SharedExperts, c.MoeIntermediateSize, c.DenseLayerCount));
        Assert.Equal((1, 1), (c.ExpertGroups, c.ExpertGroupsUsed));
        Assert.Equal((ExpertGating.Sigmoid, true, 2.5f), (c.Gating, c.NormalizeTopKWeights, c.RoutedScalingFactor));
        Assert.Null(c.RopeScaling);

        DeepSeekConfig v2 = DeepSeekTestSettings.ToConfig(DeepSeekTestModelFiles.Spec("gating=softmax"));
        Assert.Equal(("DeepseekV2ForCausalLM", false, 1f), (v2.Architecture, v2.NormalizeTopKWeights, v2.RoutedScalingFactor));
    }

    [Theory]
    [InlineData("", "noaux_tc", "32")]
    [InlineData("gating=softmax", "greedy", "32")]
    [InlineData("gating=softmax;expert-groups=4;expert-groups-used=2", "group_limited_greedy", "32")]
    [InlineData("q-lora-rank=0", "noaux_tc", "null")]
    public void The_config_json_names_deepseek_s_routing_method_and_writes_no_q_lora_as_null(string extra, string topkMethod, string qLora)
    {
        string folder = Path.Combine(_dir, "hf");
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec(extra), CheckpointFormat.HuggingFaceFolder, folder);
        string json = File.ReadAllText(Path.Combine(folder, "config.json"));
        Assert.Contains($"\"topk_method\": \"{topkMethod}\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"q_lora_rank\": {qLora}", json, StringComparison.Ordinal);
        Assert.Contains("\"tie_word_embeddings\": false", json, StringComparison.Ordinal);
        Assert.Contains("\"rope_scaling\": null", json, StringComparison.Ordinal);
        Assert.Contains("\"model_type\": \"deepseek_v", json, StringComparison.Ordinal);
        foreach (string file in new[] { "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        }
    }

    [Fact]
    public void The_gguf_carries_the_mla_cache_layout_and_the_llama_vocabulary()
    {
        string gguf = Path.Combine(_dir, "m.gguf");
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec(), CheckpointFormat.Gguf, gguf);
        using GgufFile f = GgufFile.Open(gguf);
        Assert.Equal(1, f.GetInt32("deepseek2.attention.head_count_kv"));
        Assert.Equal(32 + 8, f.GetInt32("deepseek2.attention.key_length"));
        Assert.Equal(32, f.GetInt32("deepseek2.attention.value_length"));
        Assert.Equal(16 + 8, f.GetInt32("deepseek2.attention.key_length_mla"));
        Assert.Equal(16, f.GetInt32("deepseek2.attention.value_length_mla"));
        Assert.Equal(8, f.GetInt32("deepseek2.rope.dimension_count"));
        Assert.Equal(2, f.GetInt32("deepseek2.expert_gating_func"));
        Assert.Equal(0, f.GetInt32("general.file_type"));
        Assert.Equal("llama", f.GetString("tokenizer.ggml.model"));
        Assert.Equal(300, f.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal(1, f.GetInt32("tokenizer.ggml.bos_token_id"));
        Assert.Equal(32, f.GetInt32("deepseek2.attention.q_lora_rank"));
    }
}
