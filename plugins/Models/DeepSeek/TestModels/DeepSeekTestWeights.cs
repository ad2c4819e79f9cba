using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Quantization;

namespace LlmFramework.Models.DeepSeek.TestModels;

/// <summary>
/// Random weights of a DeepSeek test model in Hugging Face layout and names, drawn once from the seed in a fixed order.
/// Matrices have std 1/sqrt(fan_in) so activations keep their scale, the embedding table std 1, norm weights 1 + small
/// noise (logits with a std around 1, not flat). The router has std 2/sqrt(E), so its logits spread over about ±2 and
/// tokens pick different experts; the sigmoid correction bias is small (std 0.05), steering without taking over. With
/// F16/BF16 every value is rounded to that type, so the GGUF form's F32 tensors hold exactly the folder's values.
/// </summary>
internal sealed class DeepSeekTestWeights
{
    private readonly Dictionary<string, (long[] Shape, float[] Values)> _byName = new(StringComparer.Ordinal);
    private readonly List<(string Name, long[] Shape, float[] Values)> _tensors = [];

    /// <summary>(HF name, shape outermost first, values) in writing order.</summary>
    public IReadOnlyList<(string Name, long[] Shape, float[] Values)> Tensors => _tensors;

    /// <summary>The shape and values of the tensor named <paramref name="name"/> (its HF name).</summary>
    public (long[] Shape, float[] Values) this[string name] => _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no test weight '{name}'");

    public static DeepSeekTestWeights Generate(DeepSeekConfig c, int seed, DType type)
    {
        var w = new DeepSeekTestWeights();
        var rng = new SeededRandom(seed);
        bool round = type is DType.F16 or DType.BF16;
        int e = c.HiddenSize, h = c.HeadCount, qk = c.QkHeadDim, fe = c.MoeIntermediateSize;

        void Add(string name, long[] shape, float mean, float std)
        {
            var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
            rng.Fill(values, mean, std);
            if (round)
            {
                BlockQuantizer.Dequantize(type, BlockQuantizer.Quantize(type, values), values);
            }

            w._tensors.Add((name, shape, values));
            w._byName.Add(name, (shape, values));
        }

        void Matrix(string name, int rows, int columns) => Add(name, [rows, columns], 0f, 1f / MathF.Sqrt(columns));
        void Norm(string name, int width) => Add(name, [width], 1f, 0.05f);
        void SwiGlu(string prefix, int width)
        {
            Matrix(prefix + "gate_proj.weight", width, e);                         // (F, E)
            Matrix(prefix + "up_proj.weight", width, e);                           // (F, E)
            Matrix(prefix + "down_proj.weight", e, width);                         // (E, F)
        }

        Add("model.embed_tokens.weight", [c.VocabSize, e], 0f, 1f);               // (V, E)
        for (int l = 0; l < c.LayerCount; l++)
        {
            string p = $"model.layers.{l}.", a = p + "self_attn.";
            Norm(p + "input_layernorm.weight", e);                                 // (E)
            if (c.QLoraRank > 0)
            {
                Matrix(a + "q_a_proj.weight", c.QLoraRank, e);                     // (q_lora, E)
                Norm(a + "q_a_layernorm.weight", c.QLoraRank);                     // (q_lora)
                Matrix(a + "q_b_proj.weight", h * qk, c.QLoraRank);                // (H * (nope + rope), q_lora)
            }
            else
            {
                Matrix(a + "q_proj.weight", h * qk, e);                            // (H * (nope + rope), E)
            }

            Matrix(a + "kv_a_proj_with_mqa.weight", c.KvLoraRank + c.QkRopeHeadDim, e); // (kv_lora + rope, E)
            Norm(a + "kv_a_layernorm.weight", c.KvLoraRank);                       // (kv_lora)
            Matrix(a + "kv_b_proj.weight", h * (c.QkNopeHeadDim + c.VHeadDim), c.KvLoraRank); // (H * (nope + v), kv_lora)
            Matrix(a + "o_proj.weight", e, h * c.VHeadDim);                        // (E, H * v)
            Norm(p + "post_attention_layernorm.weight", e);                        // (E)
            if (l < c.DenseLayerCount)
            {
                SwiGlu(p + "mlp.", c.IntermediateSize);
                continue;
            }

            Add(p + "mlp.gate.weight", [c.RoutedExperts, e], 0f, 2f / MathF.Sqrt(e)); // (n_routed, E)
            if (c.Gating == ExpertGating.Sigmoid)
            {
                Add(p + "mlp.gate.e_score_correction_bias", [c.RoutedExperts], 0f, 0.05f); // (n_routed)
            }

            for (int x = 0; x < c.RoutedExperts; x++)
            {
                SwiGlu($"{p}mlp.experts.{x}.", fe);
            }

            if (c.SharedExperts > 0)
            {
                SwiGlu(p + "mlp.shared_experts.", fe * c.SharedExperts);
            }
        }

        Norm("model.norm.weight", e);                                              // (E)
        Matrix("lm_head.weight", c.VocabSize, e);                                  // (V, E)
        return w;
    }
}
