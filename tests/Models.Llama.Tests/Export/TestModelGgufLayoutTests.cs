using System.Security.Cryptography;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Export;

/// <summary>
/// The test-model writer writes its GGUF files through <c>LlamaGgufWriter</c>, the exporter's writer, since c146f0f.
/// Its files are byte for byte those it wrote before (the hashes below are of files written by commit 83c0535), so
/// the llama.cpp parity results measured on them still hold.
/// </summary>
public sealed class TestModelGgufLayoutTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, TestModelSpec, string> Specs() => new()
    {
        { "small-f32", TestModelFiles.SmallSpec(), "A5F286357DBE1C2229691B8A03F3AC93E6FEBAB8870C604381C90F2EEA55F309" },
        { "small-q8_0-tied", TestModelFiles.SmallSpec(DType.Q8_0, tied: true), "2451951FEFC0B390F4538DD118EB1189E46FC49FA683BF3805014905ED85E87F" },
        {
            "f16-rope",
            new TestModelSpec { Dim = 64, Layers = 1, Heads = 2, KvHeads = 1, FeedForward = 64, VocabSize = 512, ContextLength = 256, RopeTheta = 500000f, NormEpsilon = 1e-6f, DType = DType.F16, Seed = 3 },
            "00A88FEBA76C39A372C1487A38270AE75223C133F3C8E1A6A8C8B76F1A0307EA"
        },
        {
            "q4k",
            new TestModelSpec { Dim = 256, Layers = 1, Heads = 4, KvHeads = 4, FeedForward = 256, VocabSize = 300, DType = DType.Q4_K, Seed = 2 },
            "4DE8F264183D3AAE312107995BDB50427D1728D22AF003D7BD21755C7BFCD278"
        },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void Test_model_gguf_files_are_byte_for_byte_those_of_the_writer_before_the_refactor(string name, TestModelSpec spec, string sha256)
    {
        string path = TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, name + ".gguf");
        Assert.Equal(sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Test_model_gguf_keeps_the_metadata_llama_cpp_reads()
    {
        TestModelSpec spec = TestModelFiles.SmallSpec(DType.Q8_0);
        using GgufFile file = GgufFile.Open(TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "m.gguf"));
        Assert.Equal("llama", file.GetString("general.architecture"));
        Assert.Equal(7, file.GetInteger("general.file_type"));
        Assert.Equal(128, file.GetInteger("llama.context_length"));
        Assert.Equal(64, file.GetInteger("llama.embedding_length"));
        Assert.Equal(2, file.GetInteger("llama.block_count"));
        Assert.Equal(96, file.GetInteger("llama.feed_forward_length"));
        Assert.Equal(16, file.GetInteger("llama.rope.dimension_count"));
        Assert.Equal(4, file.GetInteger("llama.attention.head_count"));
        Assert.Equal(2, file.GetInteger("llama.attention.head_count_kv"));
        Assert.False(file.ContainsKey("llama.attention.key_length"));
        Assert.False(file.ContainsKey("tokenizer.ggml.add_space_prefix"));
        Assert.False(file.ContainsKey("tokenizer.ggml.merges"));
        Assert.Equal("llama", file.GetString("tokenizer.ggml.model"));
        Assert.Equal(300, file.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal(1, file.GetInteger("tokenizer.ggml.bos_token_id"));
        Assert.Equal(2, file.GetInteger("tokenizer.ggml.eos_token_id"));
        Assert.Equal(DType.F32, file.GetTensor("blk.0.attn_norm.weight").Type);
        Assert.Equal(DType.Q8_0, file.GetTensor("blk.0.ffn_down.weight").Type);
    }
}
