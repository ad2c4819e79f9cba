using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.DeepSeek.TestModels;

namespace LlmFramework.Models.DeepSeek.Tests.TestModels;

/// <summary>The GGUF tensors of a test model against the table in DEEPSEEK.md (ggml shapes, innermost first).</summary>
public sealed class DeepSeekTestModelGgufLayoutTests : IDisposable
{
    private const long E = 64, H = 4, Nope = 16, Rope = 8, V = 16, KvLora = 32, QLora = 32, F = 96, Fe = 32, N = 8, Vocab = 300;

    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-testmodel-gguf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, long[]> Attention(int l, bool qLora)
    {
        string b = $"blk.{l}.";
        var t = new Dictionary<string, long[]>
        {
            [b + "attn_norm.weight"] = [E],
            [b + "attn_kv_a_mqa.weight"] = [E, KvLora + Rope],
            [b + "attn_kv_a_norm.weight"] = [KvLora],
            [b + "attn_k_b.weight"] = [Nope, KvLora, H],
            [b + "attn_v_b.weight"] = [KvLora, V, H],
            [b + "attn_output.weight"] = [H * V, E],
            [b + "ffn_norm.weight"] = [E],
        };
        if (qLora)
        {
            t[b + "attn_q_a.weight"] = [E, QLora];
            t[b + "attn_q_a_norm.weight"] = [QLora];
            t[b + "attn_q_b.weight"] = [QLora, H * (Nope + Rope)];
        }
        else
        {
            t[b + "attn_q.weight"] = [E, H * (Nope + Rope)];
        }

        return t;
    }

    private static Dictionary<string, long[]> Expected(bool qLora, bool sigmoid)
    {
        var t = new Dictionary<string, long[]>
        {
            ["token_embd.weight"] = [E, Vocab],
            ["output_norm.weight"] = [E],
            ["output.weight"] = [E, Vocab],
            ["blk.0.ffn_gate.weight"] = [E, F],
            ["blk.0.ffn_up.weight"] = [E, F],
            ["blk.0.ffn_down.weight"] = [F, E],
            ["blk.1.ffn_gate_inp.weight"] = [E, N],
            ["blk.1.ffn_gate_exps.weight"] = [E, Fe, N],
            ["blk.1.ffn_up_exps.weight"] = [E, Fe, N],
            ["blk.1.ffn_down_exps.weight"] = [Fe, E, N],
            ["blk.1.ffn_gate_shexp.weight"] = [E, Fe],
            ["blk.1.ffn_up_shexp.weight"] = [E, Fe],
            ["blk.1.ffn_down_shexp.weight"] = [Fe, E],
        };
        if (sigmoid)
        {
            t["blk.1.exp_probs_b.bias"] = [N];
        }

        foreach (var layer in new[] { Attention(0, qLora), Attention(1, qLora) })
        {
            foreach ((string name, long[] shape) in layer)
            {
                t[name] = shape;
            }
        }

        return t;
    }

    [Theory]
    [InlineData("", true, true)]
    [InlineData("q-lora-rank=0", false, true)]
    [InlineData("gating=softmax", true, false)]
    public void Tensor_names_and_ggml_shapes_are_llama_cpp_s(string extra, bool qLora, bool sigmoid)
    {
        string path = Path.Combine(_dir, "m.gguf");
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec(extra), CheckpointFormat.Gguf, path);
        using GgufFile file = GgufFile.Open(path);

        Dictionary<string, long[]> expected = Expected(qLora, sigmoid);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (GgufTensorInfo t in file.Tensors)
        {
            Assert.True(expected[t.Name].SequenceEqual(t.Shape.Reverse()), $"{t.Name}: ggml shape {{{string.Join(", ", t.Shape.Reverse())}}}, expected {{{string.Join(", ", expected[t.Name])}}}");
        }

        Assert.Equal(qLora, file.ContainsKey("deepseek2.attention.q_lora_rank"));
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void Norms_the_bias_and_the_router_stay_f32_and_matrices_whose_rows_do_not_fit_a_block_fall_back_to_f16(DType type)
    {
        string path = Path.Combine(_dir, "m.gguf");
        IReadOnlyList<string> fallbacks = DeepSeekTestModelWriter.WriteReportingFallbacks(DeepSeekTestModelFiles.Spec(type: type), CheckpointFormat.Gguf, path);
        using GgufFile file = GgufFile.Open(path);

        // Only attn_k_b has rows (nope = 16) shorter than a 32-value block.
        string[] expectedFallbacks = DTypeInfo.BlockSize(type) == 1 ? [] : ["blk.0.attn_k_b.weight", "blk.1.attn_k_b.weight"];
        Assert.Equal(expectedFallbacks, fallbacks);
        foreach (GgufTensorInfo t in file.Tensors)
        {
            DType stored = file.GetTensor(t.Name).Type;
            DType expected = t.Shape.Length == 1 || t.Name.EndsWith("ffn_gate_inp.weight", StringComparison.Ordinal) ? DType.F32
                : expectedFallbacks.Contains(t.Name) ? DType.F16
                : type;
            Assert.True(expected == stored, $"{t.Name} is {stored}, expected {expected}");
        }
    }

    [Fact]
    public void K_quants_keep_only_matrices_with_whole_super_blocks()
    {
        TestModelSpec spec = DeepSeekTestModelFiles.Spec(type: DType.Q4_K) with { Dim = 256 };
        string path = Path.Combine(_dir, "k.gguf");
        IReadOnlyList<string> fallbacks = DeepSeekTestModelWriter.WriteReportingFallbacks(spec, CheckpointFormat.Gguf, path);
        using GgufFile file = GgufFile.Open(path);
        Assert.Equal(DType.Q4_K, file.GetTensor("token_embd.weight").Type);
        Assert.Equal(DType.Q4_K, file.GetTensor("blk.1.ffn_gate_exps.weight").Type);
        Assert.Equal(DType.F16, file.GetTensor("blk.1.ffn_down_exps.weight").Type); // rows of 32
        Assert.Contains("blk.1.ffn_down_exps.weight", fallbacks);
        Assert.DoesNotContain("token_embd.weight", fallbacks);
        Assert.Equal(14, file.GetInt32("general.file_type"));
    }
}
