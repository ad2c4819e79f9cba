using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Models.Llama.Tests.Export;

/// <summary>
/// A Hugging Face folder exported as GGUF computes the folder's logits in our engine: exactly up to summation order when
/// no weight is re-rounded (F32, or F16 into F16), within the storage type's rounding otherwise. The models are random
/// GQA LLaMAs (dim 64, 4 heads / 2 KV heads) with the default model's tokenizer.model; logit spread is about 1.
/// </summary>
public sealed class GgufExportLogitsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static int[] Prompt => EngineLogits.Prompt(DefaultModelFolder.VocabSize, length: 12);

    private double Compare(string what, string hf, string gguf)
    {
        float[] expected = EngineLogits.Of(hf, Prompt), actual = EngineLogits.Of(gguf, Prompt);
        double diff = EngineLogits.MaxDiff(expected, actual);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |diff| {diff:G3} (logit std {ReferenceForward.StandardDeviation(expected):G3})"));
        return diff;
    }

    [Theory]
    [InlineData(DType.F32, DType.F32, 1e-4)]  // nothing re-rounded
    [InlineData(DType.F16, DType.F16, 1e-4)]  // F16 -> F32 -> F16 is exact
    [InlineData(DType.BF16, DType.BF16, 1e-4)]
    [InlineData(DType.F32, DType.F16, 0.01)]  // rounding to F16
    [InlineData(DType.F32, DType.BF16, 0.05)] // rounding to BF16 (8 bits of mantissa)
    [InlineData(DType.F32, DType.Q8_0, 0.1)]
    [InlineData(DType.F32, DType.Q4_0, 1.0)]  // 4-bit weights on a dim-64 model: measured 0.64 (the bytes are pinned below)
    public void Exported_gguf_gives_the_logits_of_the_hf_folder(DType source, DType exported, double tolerance)
    {
        string hf = DefaultModelFolder.WriteTestModel(_folder, TestModelFiles.SmallSpec(source), "hf");
        string gguf = _folder.File("out.gguf");
        IReadOnlyList<string> fallbacks = new LlamaFamily().ExportGguf(ModelSource.Open(hf), exported, gguf);
        Assert.Empty(fallbacks);
        using (GgufFile file = GgufFile.Open(gguf))
        {
            Assert.Equal(exported, file.GetTensor("blk.1.attn_k.weight").Type);
            Assert.Equal(DType.F32, file.GetTensor("blk.1.ffn_norm.weight").Type);
            Assert.True(file.ContainsTensor("output.weight"));
        }

        Assert.True(Compare($"{source} folder as {exported} GGUF", hf, gguf) < tolerance);
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void Exported_tensors_are_byte_for_byte_the_test_model_writer_s_gguf_of_the_same_weights(DType type)
    {
        // The test-model writer's GGUF files agree with llama.cpp (tests/Parity.Tests); an F32 folder of the same
        // weights exported as the same type must give the same tensors and llama.* metadata.
        TestModelSpec spec = TestModelFiles.SmallSpec() with { VocabSize = DefaultModelFolder.VocabSize };
        string hf = DefaultModelFolder.WriteTestModel(_folder, spec, "hf");
        string exported = _folder.File("exported.gguf");
        new LlamaFamily().ExportGguf(ModelSource.Open(hf), type, exported);
        using GgufFile ours = GgufFile.Open(exported);
        using GgufFile written = GgufFile.Open(TestModelFiles.Write(_folder, spec with { DType = type }, CheckpointFormat.Gguf, "written.gguf"));
        Assert.Equal(written.Tensors.Select(t => (t.Name, t.GgmlType, string.Join(",", t.Shape))), ours.Tensors.Select(t => (t.Name, t.GgmlType, string.Join(",", t.Shape))));
        Assert.All(written.Tensors, t => Assert.True(written.GetTensorBytes(t.Name).SequenceEqual(ours.GetTensorBytes(t.Name)), t.Name));
        string[] keys = [.. written.Metadata.Select(m => m.Key).Where(k => k.StartsWith("llama.", StringComparison.Ordinal) || k is "general.architecture" or "general.file_type")];
        Assert.Equal(keys, ours.Metadata.Select(m => m.Key).Where(keys.Contains));
        Assert.All(keys, k => Assert.Equal((written.Metadata[k].Type, written.Metadata[k].ToString()), (ours.Metadata[k].Type, ours.Metadata[k].ToString())));
    }

    [Fact]
    public void A_tied_model_exports_without_an_output_matrix_and_keeps_its_logits()
    {
        string hf = DefaultModelFolder.WriteTestModel(_folder, TestModelFiles.SmallSpec(tied: true), "hf");
        string gguf = _folder.File("out.gguf");
        new LlamaFamily().ExportGguf(ModelSource.Open(hf), DType.F32, gguf);
        using (GgufFile file = GgufFile.Open(gguf))
        {
            Assert.False(file.ContainsTensor("output.weight"));
        }

        Assert.True(Compare("tied F32", hf, gguf) < 1e-4);
    }

    [Fact]
    public void Matrices_whose_rows_do_not_divide_into_the_blocks_stay_f16_are_named_and_the_file_still_matches()
    {
        // ffn 80 is not a multiple of Q8_0's 32: ffn_down's rows (80 values) cannot be blocked; gate/up rows (64) can.
        string hf = DefaultModelFolder.WriteTestModel(_folder, TestModelFiles.SmallSpec() with { FeedForward = 80 }, "hf");
        string gguf = _folder.File("out.gguf");
        IReadOnlyList<string> fallbacks = new LlamaFamily().ExportGguf(ModelSource.Open(hf), DType.Q8_0, gguf);
        Assert.Equal(["blk.0.ffn_down.weight", "blk.1.ffn_down.weight"], fallbacks);
        using (GgufFile file = GgufFile.Open(gguf))
        {
            Assert.Equal(DType.F16, file.GetTensor("blk.0.ffn_down.weight").Type);
            Assert.Equal(DType.Q8_0, file.GetTensor("blk.0.ffn_up.weight").Type);
            Assert.Equal(7, file.GetInteger("general.file_type"));
        }

        Assert.True(Compare("ffn 80 as Q8_0 with F16 ffn_down", hf, gguf) < 0.1);
    }

    [Fact]
    public void A_type_whose_blocks_fit_no_row_stores_every_matrix_as_f16_and_names_them_all()
    {
        // Q4_K blocks are 256 values; this model's rows are 64 or 96 long.
        TestModelSpec spec = TestModelFiles.SmallSpec();
        string hf = DefaultModelFolder.WriteTestModel(_folder, spec, "hf");
        string k = _folder.File("q4k.gguf"), f16 = _folder.File("f16.gguf");
        IReadOnlyList<string> fallbacks = new LlamaFamily().ExportGguf(ModelSource.Open(hf), DType.Q4_K, k);
        new LlamaFamily().ExportGguf(ModelSource.Open(hf), DType.F16, f16);
        Assert.Equal(2 + (spec.Layers * 7), fallbacks.Count);
        Assert.Contains("token_embd.weight", fallbacks);
        Assert.Contains("output.weight", fallbacks);
        Assert.Equal(EngineLogits.Of(f16, Prompt), EngineLogits.Of(k, Prompt));
    }
}
