using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Conformance;
using LlmFramework.Models.DeepSeek.Graph;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Quantization;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// A naive forward pass of a DeepSeek-V2/V3 Hugging Face folder with the Hugging Face modelling code's semantics
/// (MLA expanded per head, RoPE on the de-interleaved rope dims as its apply_rotary_pos_emb does, MoE routing by
/// <see cref="ReferenceRouting"/>), all in F32 with double sums: the reference that a GGUF conversion of the same folder must
/// match in llama.cpp. Slow and obviously shaped like the paper; for tiny test models only.
/// </summary>
public sealed class DeepSeekHuggingFaceReference : IDisposable
{
    private readonly SafetensorsCheckpoint _weights;
    private readonly Dictionary<string, float[]> _decoded = new(StringComparer.Ordinal);
    private readonly DeepSeekConfig _c;

    public DeepSeekHuggingFaceReference(string folder)
    {
        _c = DeepSeekHuggingFaceConfigReader.Read(Path.Combine(folder, "config.json"));
        _weights = SafetensorsCheckpoint.Open(folder);
    }

    public void Dispose() => _weights.Dispose();

    /// <summary>The logits of the last of <paramref name="tokens"/> (positions 0, 1, ...).</summary>
    public float[] LastLogits(int[] tokens)
    {
        DeepSeekConfig c = _c;
        int t = tokens.Length, e = c.HiddenSize;
        float[] embedding = W("model.embed_tokens.weight");
        var h = tokens.Select(id => embedding.AsSpan(id * e, e).ToArray()).ToArray();
        for (int l = 0; l < c.LayerCount; l++)
        {
            string p = $"model.layers.{l}.";
            float[][] attention = Attention(l, [.. h.Select(x => Norm(x, W(p + "input_layernorm.weight")))]);
            for (int i = 0; i < t; i++)
            {
                Add(h[i], attention[i]);
                float[] x = Norm(h[i], W(p + "post_attention_layernorm.weight"));
                Add(h[i], l < c.DenseLayerCount ? SwiGlu(p + "mlp.", x) : Moe(p + "mlp.", x));
            }
        }

        return MatVec(W("lm_head.weight"), Norm(h[^1], W("model.norm.weight")));
    }

    private float[][] Attention(int l, float[][] x)
    {
        DeepSeekConfig c = _c;
        string a = $"model.layers.{l}.self_attn.";
        int t = x.Length, heads = c.HeadCount, nope = c.QkNopeHeadDim, rope = c.QkRopeHeadDim, v = c.VHeadDim, kvLora = c.KvLoraRank;
        var q = new float[t][];
        var kv = new float[t][];
        var kPe = new float[t][];
        for (int i = 0; i < t; i++)
        {
            q[i] = c.QLoraRank > 0
                ? MatVec(W(a + "q_b_proj.weight"), Norm(MatVec(W(a + "q_a_proj.weight"), x[i]), W(a + "q_a_layernorm.weight")))
                : MatVec(W(a + "q_proj.weight"), x[i]);                                     // [H][nope + rope]
            float[] compressed = MatVec(W(a + "kv_a_proj_with_mqa.weight"), x[i]);        // [kv_lora + rope]
            kv[i] = MatVec(W(a + "kv_b_proj.weight"), Norm(compressed[..kvLora], W(a + "kv_a_layernorm.weight"))); // [H][nope + v]
            kPe[i] = Rope(compressed[kvLora..], i);
            for (int hd = 0; hd < heads; hd++)
            {
                int at = (hd * (nope + rope)) + nope;
                Rope(q[i].AsSpan(at, rope).ToArray(), i).CopyTo(q[i].AsSpan(at, rope));
            }
        }

        double scale = c.SoftmaxScale;
        var output = new float[t][];
        for (int i = 0; i < t; i++)
        {
            var o = new float[heads * v];
            for (int hd = 0; hd < heads; hd++)
            {
                ReadOnlySpan<float> qi = q[i].AsSpan(hd * (nope + rope), nope + rope);
                var scores = new double[i + 1];
                for (int s = 0; s <= i; s++)
                {
                    scores[s] = scale * (Dot(qi[..nope], kv[s].AsSpan(hd * (nope + v), nope)) + Dot(qi[nope..], kPe[s]));
                }

                double max = scores.Max(), sum = scores.Sum(z => Math.Exp(z - max));
                for (int s = 0; s <= i; s++)
                {
                    double weight = Math.Exp(scores[s] - max) / sum;
                    ReadOnlySpan<float> vs = kv[s].AsSpan((hd * (nope + v)) + nope, v);
                    for (int j = 0; j < v; j++)
                    {
                        o[(hd * v) + j] += (float)(weight * vs[j]);
                    }
                }
            }

            output[i] = MatVec(W(a + "o_proj.weight"), o);
        }

        return output;
    }

    private float[] Moe(string m, float[] x)
    {
        DeepSeekConfig c = _c;
        float[] logits = MatVec(W(m + "gate.weight"), x);
        float[] bias = c.Gating == ExpertGating.Sigmoid ? W(m + "gate.e_score_correction_bias") : [];
        var experts = new int[c.ExpertsPerToken];
        var weights = new float[c.ExpertsPerToken];
        (int[] chosen, float[] chosenWeights) = ReferenceRouting.Route(DeepSeekGraphBuilder.RouteParams(c, 0), logits, bias);
        chosen.CopyTo(experts, 0);
        chosenWeights.CopyTo(weights, 0);
        float[] y = c.SharedExperts > 0 ? SwiGlu(m + "shared_experts.", x) : new float[x.Length];
        for (int k = 0; k < experts.Length; k++)
        {
            float[] expert = SwiGlu($"{m}experts.{experts[k]}.", x);
            for (int i = 0; i < y.Length; i++)
            {
                y[i] += weights[k] * expert[i];
            }
        }

        return y;
    }

    private float[] SwiGlu(string prefix, float[] x)
    {
        float[] gate = MatVec(W(prefix + "gate_proj.weight"), x), up = MatVec(W(prefix + "up_proj.weight"), x);
        for (int i = 0; i < gate.Length; i++)
        {
            gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
        }

        return MatVec(W(prefix + "down_proj.weight"), gate);
    }

    /// <summary>
    /// DeepSeek's HF apply_rotary_pos_emb: view the rope dims as [d/2, 2] and transpose (evens, then odds), then
    /// rotate halves with cos/sin of pos * theta^(-2i/d).
    /// </summary>
    private float[] Rope(float[] x, int position)
    {
        int d = x.Length, half = d / 2;
        var y = new float[d];
        for (int i = 0; i < half; i++)
        {
            double angle = position * Math.Pow(_c.RopeTheta, -2.0 * i / d);
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
            float even = x[2 * i], odd = x[(2 * i) + 1];
            y[i] = (float)((even * cos) - (odd * sin));
            y[i + half] = (float)((odd * cos) + (even * sin));
        }

        return y;
    }

    private float[] Norm(float[] x, float[] weight)
    {
        double meanSquare = x.Sum(v => (double)v * v) / x.Length;
        float inverse = (float)(1 / Math.Sqrt(meanSquare + _c.RmsNormEpsilon));
        return [.. x.Select((v, i) => v * inverse * weight[i])];
    }

    private float[] MatVec(float[] matrix, float[] x)
    {
        var y = new float[matrix.Length / x.Length];
        for (int r = 0; r < y.Length; r++)
        {
            y[r] = (float)Dot(matrix.AsSpan(r * x.Length, x.Length), x);
        }

        return y;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    private static void Add(float[] into, float[] x)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] += x[i];
        }
    }

    private float[] W(string name)
    {
        if (!_decoded.TryGetValue(name, out float[]? values))
        {
            WeightTensor tensor = _weights.GetTensor(name);
            values = new float[tensor.Rows * tensor.Columns];
            BlockQuantizer.Dequantize(tensor.Type, tensor.Bytes, values);
            _decoded[name] = values;
        }

        return values;
    }
}
