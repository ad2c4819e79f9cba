using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Loading;
using LlmFramework.Models.Llama.TestModels;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Loading;

public sealed class WeightLoadingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(DType.F32, false, 2)]
    [InlineData(DType.F16, true, 2)]
    [InlineData(DType.Q8_0, false, 1)]
    [InlineData(DType.Q4_0, true, 4)]
    [InlineData(DType.BF16, false, 2)]
    public void Gguf_round_trip_keeps_config_and_weight_types(DType type, bool tied, int kvHeads)
    {
        TestModelSpec spec = TestModelFiles.SmallSpec(type, tied, kvHeads);
        using ModelParts parts = ModelParts.OpenGguf(TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "m.gguf"));
        Assert.Equal((64, 96, 2, 4, kvHeads, 16, 300, 128, tied), (parts.Config.HiddenSize, parts.Config.IntermediateSize, parts.Config.LayerCount, parts.Config.HeadCount, parts.Config.KvHeadCount, parts.Config.HeadDim, parts.Config.VocabSize, parts.Config.MaxPositionEmbeddings, parts.Config.TieWordEmbeddings));
        LlamaWeights w = parts.Weights;
        Assert.Equal(type, w.TokenEmbedding.Type);
        Assert.All(w.Layers, l =>
        {
            Assert.Equal(DType.F32, l.AttentionNorm.Type);
            Assert.Equal(type, l.Query.Type);
            Assert.Equal([kvHeads * 16L, 64], l.Key.Shape);
            Assert.Equal([64L, 96], l.Down.Shape);
        });
        Assert.Equal(tied, ReferenceEquals(w.TokenEmbedding, w.Output));
        long expectedParameters = (300 * 64) + 64 + (tied ? 0 : 300 * 64) + (2 * ((2 * 64) + (64 * 64 * 2) + (2 * kvHeads * 16 * 64) + (3 * 64 * 96)));
        Assert.Equal(expectedParameters, w.ParameterCount);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Hf_round_trip_converts_norms_to_f32(DType type)
    {
        using ModelParts parts = ModelParts.OpenFolder(TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(type), CheckpointFormat.HuggingFaceFolder, "hf"));
        Assert.Equal(type, parts.Weights.Layers[1].Gate.Type);
        Assert.Equal(DType.F32, parts.Weights.Layers[1].FeedForwardNorm.Type);
        Assert.Equal(DType.F32, parts.Weights.OutputNorm.Type);
        Assert.All(TestModelFiles.F32Values(parts.Weights.OutputNorm), v => Assert.InRange(v, 0.7f, 1.3f));
    }

    [Fact]
    public void Gguf_holds_the_hf_weights_with_q_and_k_permuted()
    {
        TestModelSpec spec = TestModelFiles.SmallSpec();
        using ModelParts gguf = ModelParts.OpenGguf(TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "m.gguf"));
        using ModelParts hf = ModelParts.OpenFolder(TestModelFiles.Write(_folder, spec, CheckpointFormat.HuggingFaceFolder, "hf"));
        Assert.Equal(TestModelFiles.F32Values(hf.Weights.TokenEmbedding), TestModelFiles.F32Values(gguf.Weights.TokenEmbedding));
        Assert.Equal(TestModelFiles.F32Values(hf.Weights.Layers[0].Value), TestModelFiles.F32Values(gguf.Weights.Layers[0].Value));
        Assert.Equal(QkPermutation.ToGgufOrder(TestModelFiles.F32Values(hf.Weights.Layers[1].Query), 4, 64), TestModelFiles.F32Values(gguf.Weights.Layers[1].Query));
        Assert.Equal(QkPermutation.ToGgufOrder(TestModelFiles.F32Values(hf.Weights.Layers[1].Key), 2, 64), TestModelFiles.F32Values(gguf.Weights.Layers[1].Key));
        Assert.NotEqual(TestModelFiles.F32Values(hf.Weights.Layers[1].Key), TestModelFiles.F32Values(gguf.Weights.Layers[1].Key));
    }

    [Fact]
    public void Sharded_hf_checkpoints_load_like_single_files()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        string single = Path.Combine(folder, SafetensorsCheckpoint.SingleFileName);
        float[] before;
        using (ModelParts parts = ModelParts.OpenFolder(folder))
        {
            before = parts.Forward().Step(3, 4, 5);
        }

        using (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder))
        {
            SafetensorsWriter[] shards = [new(), new()];
            foreach (string name in checkpoint.TensorNames.Order(StringComparer.Ordinal))
            {
                WeightTensor t = checkpoint.GetTensor(name);
                shards[name.Contains("layers.1", StringComparison.Ordinal) ? 1 : 0].Add(name, t.Type, t.Shape.ToArray(), t.Bytes.ToArray());
            }

            SafetensorsWriter.WriteSharded(shards, folder);
        }

        File.Delete(single);
        using ModelParts sharded = ModelParts.OpenFolder(folder);
        Assert.Equal(before, sharded.Forward().Step(3, 4, 5));
    }

    [Fact]
    public void Missing_gguf_tensor_is_named()
    {
        string good = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string bad = _folder.File("bad.gguf");
        TestModelFiles.RewriteGguf(good, bad, name => name != "blk.1.ffn_up.weight");
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => ModelParts.OpenGguf(bad));
        Assert.Equal(Path.GetFullPath(bad), e.FilePath);
        Assert.Contains("tensor 'blk.1.ffn_up.weight' is missing", e.Message);
    }

    [Fact]
    public void Wrong_tensor_shape_names_the_tensor_and_both_shapes()
    {
        string good = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string bad = _folder.File("bad.gguf");
        TestModelFiles.RewriteGguf(good, bad, name => name != "blk.0.attn_k.weight", w => w.AddTensor("blk.0.attn_k.weight", DType.F32, [64, 64], new byte[64 * 64 * 4]));
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => ModelParts.OpenGguf(bad));
        Assert.Contains("tensor 'blk.0.attn_k.weight' has shape [64, 64] but the config needs [32, 64]", e.Message);
    }

    [Fact]
    public void Missing_hf_tensor_and_untied_head_are_named()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(tied: true), CheckpointFormat.HuggingFaceFolder, "hf");
        string configPath = Path.Combine(folder, "config.json");
        JsonNode config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["tie_word_embeddings"] = false;
        File.WriteAllText(configPath, config.ToJsonString());
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => ModelParts.OpenFolder(folder));
        Assert.Contains("tensor 'lm_head.weight' is missing", e.Message);
    }

    [Fact]
    public void Hf_config_that_disagrees_with_the_weights_names_the_tensor()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        string configPath = Path.Combine(folder, "config.json");
        JsonNode config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["intermediate_size"] = 128;
        File.WriteAllText(configPath, config.ToJsonString());
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => ModelParts.OpenFolder(folder));
        Assert.Contains("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64] but the config needs [128, 64]", e.Message);
    }

    [Fact]
    public void Quantised_norm_weights_are_rejected()
    {
        string good = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string bad = _folder.File("bad.gguf");
        TestModelFiles.RewriteGguf(good, bad, name => name != "output_norm.weight", w => w.AddTensor("output_norm.weight", DType.Q8_0, [64], new byte[2 * 34]));
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => ModelParts.OpenGguf(bad));
        Assert.Contains("norm weight 'output_norm.weight' is Q8_0", e.Message);
    }

    [Fact]
    public void Gguf_metadata_is_what_llama_cpp_reads()
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(DType.Q8_0), CheckpointFormat.Gguf, "m.gguf");
        using GgufFile file = GgufFile.Open(path);
        Assert.Equal("llama", file.GetString("general.architecture"));
        Assert.Equal(7, file.GetInteger("general.file_type"));
        Assert.Equal(16, file.GetInteger("llama.rope.dimension_count"));
        Assert.Equal(300, file.GetInteger("llama.vocab_size"));

        // llama.cpp reads these keys with strict types: uint32 counts, float32 eps/base.
        Assert.IsType<uint>(file.Metadata["llama.block_count"].Value);
        Assert.IsType<uint>(file.Metadata["llama.attention.head_count_kv"].Value);
        Assert.IsType<float>(file.Metadata["llama.attention.layer_norm_rms_epsilon"].Value);
        Assert.IsType<uint>(file.Metadata["tokenizer.ggml.bos_token_id"].Value);
        Assert.Equal("llama", file.GetString("tokenizer.ggml.model"));
        Assert.Equal(300, file.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal(300, file.GetFloatArray("tokenizer.ggml.scores").Length);
        Assert.Equal(300, file.GetIntArray("tokenizer.ggml.token_type").Length);
        Assert.True(file.GetBool("tokenizer.ggml.add_bos_token", false));
        Assert.False(file.GetBool("tokenizer.ggml.add_eos_token", true));
        Assert.True(file.TryGetString("tokenizer.chat_template", out _));
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], file.GetStringArray("tokenizer.ggml.tokens")[..4]);
        Assert.False(file.ContainsTensor("rope_freqs.weight"));
        Assert.Equal(DType.F32, file.GetTensor("blk.0.ffn_norm.weight").Type);
        Assert.Equal(DType.Q8_0, file.GetTensor("token_embd.weight").Type);
    }
}
