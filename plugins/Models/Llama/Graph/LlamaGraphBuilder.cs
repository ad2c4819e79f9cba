using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Loading;

namespace LlmFramework.Models.Llama.Graph;

/// <summary>
/// The LLaMA forward pass as a step graph, read top to bottom like llama2.c's run.c. T = tokens in the step,
/// O = output rows, D = hidden size, H/Hkv = query/KV heads, Dh = head dim, F = feed-forward size, V = vocabulary.
/// </summary>
public static class LlamaGraphBuilder
{
    /// <summary>
    /// Builds the step graph. <paramref name="ropeStyle"/> is <see cref="RopeStyle.Interleaved"/> for GGUF checkpoints
    /// (llama.cpp's converter permutes the q/k rows so adjacent pairs rotate) and <see cref="RopeStyle.NeoX"/> for
    /// Hugging Face checkpoints (rotate_half).
    /// </summary>
    public static ComputeGraph Build(LlamaConfig config, LlamaWeights weights, RopeStyle ropeStyle)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var g = new GraphBuilder();
        (float[] inverseFrequencies, float attentionFactor) = RopeFrequencies.Compute(config);
        var ropeQ = new RopeParams(config.HeadCount, config.HeadDim, config.RotaryDim, ropeStyle, inverseFrequencies, attentionFactor);
        var ropeK = ropeQ with { HeadCount = config.KvHeadCount };
        float eps = config.RmsNormEpsilon;
        float attentionScale = 1f / MathF.Sqrt(config.HeadDim);

        GraphTensor x = g.GetRows(g.Weight(weights.TokenEmbedding), g.TokenIds, "embd");       // (T, D)
        for (int l = 0; l < weights.Layers.Count; l++)
        {
            LlamaLayerWeights w = weights.Layers[l];

            // attention block
            GraphTensor h = g.RmsNorm(x, g.Weight(w.AttentionNorm), eps, $"attn_norm.{l}");     // (T, D)
            GraphTensor q = Linear(g, h, w, LlamaProjection.Query, $"q.{l}");                  // (T, H * Dh)
            GraphTensor k = Linear(g, h, w, LlamaProjection.Key, $"k.{l}");                    // (T, Hkv * Dh)
            GraphTensor v = Linear(g, h, w, LlamaProjection.Value, $"v.{l}");                  // (T, Hkv * Dh)
            q = g.Rope(q, ropeQ, $"q_rope.{l}");
            k = g.Rope(k, ropeK, $"k_rope.{l}");
            GraphTensor a = g.Attention(q, k, v, new AttentionParams(l, config.HeadCount, config.KvHeadCount, config.HeadDim, config.HeadDim, attentionScale), $"attn.{l}"); // (T, H * Dh)
            GraphTensor o = Linear(g, a, w, LlamaProjection.Output, $"attn_out.{l}");          // (T, D)
            x = g.Add(x, o, $"attn_residual.{l}");

            // feed-forward block (SwiGLU)
            h = g.RmsNorm(x, g.Weight(w.FeedForwardNorm), eps, $"ffn_norm.{l}");               // (T, D)
            GraphTensor gate = Linear(g, h, w, LlamaProjection.Gate, $"ffn_gate.{l}");         // (T, F)
            GraphTensor up = Linear(g, h, w, LlamaProjection.Up, $"ffn_up.{l}");               // (T, F)
            GraphTensor down = Linear(g, g.SwiGlu(gate, up, $"ffn_swiglu.{l}"), w, LlamaProjection.Down, $"ffn_down.{l}"); // (T, D)
            x = g.Add(x, down, $"ffn_residual.{l}");
        }

        // Only the rows whose logits are wanted go through the final norm and the LM head.
        x = g.SelectOutputRows(x, "output_rows");                                               // (O, D)
        x = g.RmsNorm(x, g.Weight(weights.OutputNorm), eps, "output_norm");                     // (O, D)
        GraphTensor logits = g.MatMul(x, g.Weight(weights.Output), "logits");                   // (O, V), tied: the embedding table
        return g.Build(logits);
    }

    /// <summary>x W^T for one projection, plus scale * (x A^T) B^T for each unmerged LoRA adapter on it.</summary>
    private static GraphTensor Linear(GraphBuilder g, GraphTensor x, LlamaLayerWeights w, LlamaProjection projection, string name)
    {
        GraphTensor y = g.MatMul(x, g.Weight(w.Projection(projection)), name);
        if (!w.Adapters.TryGetValue(projection, out IReadOnlyList<LowRankDelta>? deltas))
        {
            return y;
        }

        for (int i = 0; i < deltas.Count; i++)
        {
            GraphTensor low = g.MatMul(x, g.Weight(deltas[i].A), $"{name}.lora{i}.a");       // (T, r)
            GraphTensor delta = g.MatMul(low, g.Weight(deltas[i].B), $"{name}.lora{i}.b");   // (T, out)
            y = g.Add(y, g.Scale(delta, deltas[i].Scale, $"{name}.lora{i}.scale"), $"{name}.lora{i}");
        }

        return y;
    }

    /// <summary>The KV cache a model with <paramref name="config"/> needs: per layer, keys and values of Hkv * Dh each.</summary>
    public static KvCacheLayout CacheLayout(LlamaConfig config, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new KvCacheLayout(config.LayerCount, [config.KvWidth, config.KvWidth], contextLength);
    }
}
