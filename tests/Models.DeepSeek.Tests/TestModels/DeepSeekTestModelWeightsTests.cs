using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Conformance;
using LlmFramework.Models.DeepSeek.Graph;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Models.DeepSeek.TestModels;

namespace LlmFramework.Models.DeepSeek.Tests.TestModels;

/// <summary>Both forms of one spec and seed hold the same model, converted as llama.cpp's converter does.</summary>
public sealed class DeepSeekTestModelWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-testmodel-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private BothForms WriteBoth(TestModelSpec spec)
    {
        string folder = Path.Combine(_dir, "hf"), gguf = Path.Combine(_dir, "m.gguf");
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.HuggingFaceFolder, folder);
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.Gguf, gguf);
        return new BothForms(SafetensorsCheckpoint.Open(folder), GgufFile.Open(gguf));
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    public void Kv_b_splits_into_the_transposed_k_part_and_the_v_part_of_each_head(DType type)
    {
        using BothForms m = WriteBoth(DeepSeekTestModelFiles.Spec(type: type));
        const int heads = 4, nope = 16, v = 16, kvLora = 32;
        for (int l = 0; l < 2; l++)
        {
            float[] kvB = DeepSeekTestModelFiles.Floats(m.Hf.GetTensor($"model.layers.{l}.self_attn.kv_b_proj.weight")); // [H * (nope + v), kv_lora]
            float[] kB = DeepSeekTestModelFiles.Floats(m.Gguf.GetTensor($"blk.{l}.attn_k_b.weight"));                    // [H][kv_lora][nope]
            float[] vB = DeepSeekTestModelFiles.Floats(m.Gguf.GetTensor($"blk.{l}.attn_v_b.weight"));                    // [H][v][kv_lora]
            for (int h = 0; h < heads; h++)
            {
                for (int r = 0; r < kvLora; r++)
                {
                    for (int i = 0; i < nope; i++)
                    {
                        Assert.Equal(kvB[(((h * (nope + v)) + i) * kvLora) + r], kB[(((h * kvLora) + r) * nope) + i]);
                    }

                    for (int j = 0; j < v; j++)
                    {
                        Assert.Equal(kvB[(((h * (nope + v)) + nope + j) * kvLora) + r], vB[(((h * v) + j) * kvLora) + r]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    public void Every_other_gguf_tensor_holds_the_hugging_face_values_unpermuted_and_the_experts_stacked(DType type)
    {
        using BothForms m = WriteBoth(DeepSeekTestModelFiles.Spec(type: type));
        var same = new List<(string Hf, string Gguf)>
        {
            ("model.embed_tokens.weight", "token_embd.weight"),
            ("model.norm.weight", "output_norm.weight"),
            ("lm_head.weight", "output.weight"),
            ("model.layers.0.mlp.gate_proj.weight", "blk.0.ffn_gate.weight"),
            ("model.layers.0.mlp.up_proj.weight", "blk.0.ffn_up.weight"),
            ("model.layers.0.mlp.down_proj.weight", "blk.0.ffn_down.weight"),
            ("model.layers.1.mlp.gate.weight", "blk.1.ffn_gate_inp.weight"),
            ("model.layers.1.mlp.gate.e_score_correction_bias", "blk.1.exp_probs_b.bias"),
            ("model.layers.1.mlp.shared_experts.gate_proj.weight", "blk.1.ffn_gate_shexp.weight"),
            ("model.layers.1.mlp.shared_experts.up_proj.weight", "blk.1.ffn_up_shexp.weight"),
            ("model.layers.1.mlp.shared_experts.down_proj.weight", "blk.1.ffn_down_shexp.weight"),
        };
        for (int l = 0; l < 2; l++)
        {
            string p = $"model.layers.{l}.", a = p + "self_attn.", b = $"blk.{l}.";
            same.AddRange(
            [
                (p + "input_layernorm.weight", b + "attn_norm.weight"),
                (a + "q_a_proj.weight", b + "attn_q_a.weight"),
                (a + "q_a_layernorm.weight", b + "attn_q_a_norm.weight"),
                (a + "q_b_proj.weight", b + "attn_q_b.weight"), // no q/k row permutation for deepseek2
                (a + "kv_a_proj_with_mqa.weight", b + "attn_kv_a_mqa.weight"),
                (a + "kv_a_layernorm.weight", b + "attn_kv_a_norm.weight"),
                (a + "o_proj.weight", b + "attn_output.weight"),
                (p + "post_attention_layernorm.weight", b + "ffn_norm.weight"),
            ]);
        }

        foreach ((string hfName, string ggufName) in same)
        {
            Assert.True(DeepSeekTestModelFiles.Floats(m.Hf.GetTensor(hfName)).SequenceEqual(DeepSeekTestModelFiles.Floats(m.Gguf.GetTensor(ggufName))), $"{ggufName} differs from {hfName}");
        }

        foreach (string projection in new[] { "gate", "up", "down" })
        {
            float[] stacked = DeepSeekTestModelFiles.Floats(m.Gguf.GetTensor($"blk.1.ffn_{projection}_exps.weight"));
            float[] experts = [.. Enumerable.Range(0, 8).SelectMany(x => DeepSeekTestModelFiles.Floats(m.Hf.GetTensor($"model.layers.1.mlp.experts.{x}.{projection}_proj.weight")))];
            Assert.Equal(experts, stacked);
        }
    }

    [Theory]
    [InlineData(DType.F32, CheckpointFormat.Gguf)]
    [InlineData(DType.Q8_0, CheckpointFormat.Gguf)]
    [InlineData(DType.BF16, CheckpointFormat.HuggingFaceFolder)]
    public void Same_spec_and_seed_give_the_same_bytes_and_another_seed_other_bytes(DType type, CheckpointFormat format)
    {
        TestModelSpec spec = DeepSeekTestModelFiles.Spec("expert-groups=4;expert-groups-used=2", type);
        byte[][] Bytes(TestModelSpec s, string name)
        {
            string path = Path.Combine(_dir, name);
            DeepSeekTestModelWriter.Write(s, format, path);
            return format == CheckpointFormat.Gguf
                ? [File.ReadAllBytes(path)]
                : [.. Directory.GetFiles(path).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        }

        byte[][] a = Bytes(spec, "a"), b = Bytes(spec, "b"), c = Bytes(spec with { Seed = spec.Seed + 1 }, "c");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(format == CheckpointFormat.Gguf ? 1 : 5, a.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gating=softmax;expert-groups=4;expert-groups-used=2")]
    public void Routing_spreads_tokens_over_the_experts_without_ties(string extra)
    {
        TestModelSpec spec = DeepSeekTestModelFiles.Spec(extra);
        DeepSeekConfig c = DeepSeekTestSettings.ToConfig(spec);
        var weights = DeepSeekTestWeights.Generate(c, spec.Seed, spec.DType);
        float[] embedding = weights["model.embed_tokens.weight"].Values, router = weights["model.layers.1.mlp.gate.weight"].Values;
        float[] bias = c.Gating == ExpertGating.Sigmoid ? weights["model.layers.1.mlp.gate.e_score_correction_bias"].Values : [];
        MoeRouteParams route = DeepSeekGraphBuilder.RouteParams(c, 0);
        var logits = new float[8];
        var chosen = new int[2];
        var chosenWeights = new float[2];
        var used = new HashSet<int>();
        var sets = new HashSet<(int, int)>();
        for (int token = 259; token < 259 + 32; token++)
        {
            // The router sees RMS-normalised hidden states; normalised embedding rows stand in for them.
            ReadOnlySpan<float> x = embedding.AsSpan(token * 64, 64);
            float rms = MathF.Sqrt(x.ToArray().Average(v => v * v));
            for (int e = 0; e < 8; e++)
            {
                float dot = 0;
                for (int i = 0; i < 64; i++)
                {
                    dot += router[(e * 64) + i] * x[i] / rms;
                }

                logits[e] = dot;
            }

            Assert.Equal(8, logits.Distinct().Count());
            Assert.True(logits.Max() - logits.Min() > 1f, $"token {token}: router logits span only {logits.Max() - logits.Min()}");
            (int[] picked, float[] pickedWeights) = ReferenceRouting.Route(route, logits, bias);
            picked.CopyTo(chosen, 0);
            pickedWeights.CopyTo(chosenWeights, 0);
            used.UnionWith(chosen);
            sets.Add((Math.Min(chosen[0], chosen[1]), Math.Max(chosen[0], chosen[1])));
        }

        Assert.Equal(8, used.Count);
        Assert.True(sets.Count >= 8, $"only {sets.Count} distinct expert pairs over 32 tokens");
    }

    private sealed record BothForms(SafetensorsCheckpoint Hf, GgufFile Gguf) : IDisposable
    {
        public void Dispose()
        {
            Hf.Dispose();
            Gguf.Dispose();
        }
    }
}
