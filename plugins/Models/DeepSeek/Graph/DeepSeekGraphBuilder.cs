using LlmFramework.Abstractions.Graph;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Models.DeepSeek.Loading;

namespace LlmFramework.Models.DeepSeek.Graph;

/// <summary>
/// The DeepSeek-V2/V3 forward pass as a step graph, with MLA in the absorbed form for every token (the cache holds only
/// the latent c and the shared rope key) and the MoE layers as route -> per-expert matmuls -> weighted sum.
/// T = tokens, E = hidden, H = heads, C = kv_lora_rank, Rd = rope dims, Dn = nope dims, Dv = value dims,
/// S = experts per token, Fe = expert width.
/// </summary>
public static class DeepSeekGraphBuilder
{
    /// <summary>Builds the step graph of <paramref name="config"/> over <paramref name="weights"/>.</summary>
    public static ComputeGraph Build(DeepSeekConfig config, DeepSeekWeights weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var g = new GraphBuilder();
        int h = config.HeadCount, c = config.KvLoraRank, rd = config.QkRopeHeadDim, dn = config.QkNopeHeadDim;
        float eps = config.RmsNormEpsilon;
        (float[] frequencies, float attentionFactor) = DeepSeekRope.Compute(config);
        var ropeQ = new RopeParams(h, rd, rd, RopeStyle.Interleaved, frequencies, attentionFactor);
        var ropeK = ropeQ with { HeadCount = 1 };
        float scale = (float)config.SoftmaxScale;

        GraphTensor x = g.GetRows(g.Weight(weights.TokenEmbedding), g.TokenIds, "embd");                 // (T, E)
        int moeLayer = 0;
        for (int l = 0; l < config.LayerCount; l++)
        {
            DeepSeekAttentionWeights a = weights.Attention[l];
            GraphTensor hidden = g.RmsNorm(x, g.Weight(a.Norm), eps, $"attn_norm.{l}");
            GraphTensor q = a.QueryA is { } qa
                ? g.MatMul(g.RmsNorm(g.MatMul(hidden, g.Weight(qa), $"q_a.{l}"), g.Weight(a.QueryANorm!), eps, $"q_a_norm.{l}"), g.Weight(a.Query), $"q_b.{l}")
                : g.MatMul(hidden, g.Weight(a.Query), $"q.{l}");                                          // (T, H*(Dn+Rd))
            GraphTensor qNope = g.SliceColumns(q, h, 0, dn, $"q_nope.{l}");                               // (T, H*Dn)
            GraphTensor qRope = g.Rope(g.SliceColumns(q, h, dn, rd, $"q_pe.{l}"), ropeQ, $"q_rope.{l}"); // (T, H*Rd)
            GraphTensor kva = g.MatMul(hidden, g.Weight(a.KvA), $"kv_a.{l}");                             // (T, C+Rd)
            GraphTensor latent = g.RmsNorm(g.SliceColumns(kva, 1, 0, c, $"kv_c.{l}"), g.Weight(a.KvANorm), eps, $"kv_norm.{l}"); // (T, C)
            GraphTensor kRope = g.Rope(g.SliceColumns(kva, 1, c, rd, $"k_pe.{l}"), ropeK, $"k_rope.{l}"); // (T, Rd)
            GraphTensor qLatent = g.HeadMatMul(qNope, g.Weight(a.KeyB), h, $"q_absorbed.{l}");            // (T, H*C)
            GraphTensor qFull = g.ConcatColumns(qLatent, qRope, h, $"q_mla.{l}");                         // (T, H*(C+Rd))
            GraphTensor oLatent = g.LatentAttention(qFull, latent, kRope, new LatentAttentionParams(l, h, c, rd, scale), $"mla.{l}"); // (T, H*C)
            GraphTensor o = g.HeadMatMul(oLatent, g.Weight(a.ValueB), h, $"attn_v.{l}");                   // (T, H*Dv)
            x = g.Add(x, g.MatMul(o, g.Weight(a.Output), $"attn_out.{l}"), $"attn_residual.{l}");

            DeepSeekFeedForwardWeights f = weights.FeedForward[l];
            hidden = g.RmsNorm(x, g.Weight(f.Norm), eps, $"ffn_norm.{l}");
            GraphTensor y = f.IsMoe
                ? Moe(g, config, f, hidden, moeLayer++, l)
                : Mlp(g, hidden, f.Gate!, f.Up!, f.Down!, $"ffn.{l}");
            x = g.Add(x, y, $"ffn_residual.{l}");
        }

        x = g.SelectOutputRows(x, "output_rows");
        x = g.RmsNorm(x, g.Weight(weights.OutputNorm), eps, "output_norm");
        return g.Build(g.MatMul(x, g.Weight(weights.Output), "logits"));
    }

    /// <summary>Routed experts (each token's S choices, grouped per expert by the backend) plus the shared experts.</summary>
    private static GraphTensor Moe(GraphBuilder g, DeepSeekConfig config, DeepSeekFeedForwardWeights f, GraphTensor hidden, int moeLayer, int layer)
    {
        int s = config.ExpertsPerToken, n = config.RoutedExperts;
        MoeRouteParams routing = RouteParams(config, moeLayer);
        GraphTensor logits = g.MatMul(hidden, g.Weight(f.Router!), $"router.{layer}");                                        // (T, N)
        GraphTensor routes = g.MoeRoute(logits, f.RouterBias is { } b ? g.Weight(b) : null, routing, $"routes.{layer}");       // (T, 2S)
        var experts = new ExpertMatMulParams(moeLayer, n, s);
        GraphTensor gate = g.ExpertMatMul(hidden, routes, g.Weight(f.ExpertGate!), experts, $"exp_gate.{layer}");              // (T, S*Fe)
        GraphTensor up = g.ExpertMatMul(hidden, routes, g.Weight(f.ExpertUp!), experts, $"exp_up.{layer}");                    // (T, S*Fe)
        GraphTensor act = g.SwiGlu(gate, up, $"exp_swiglu.{layer}");
        GraphTensor down = g.ExpertMatMul(act, routes, g.Weight(f.ExpertDown!), experts, $"exp_down.{layer}");                 // (T, S*E)
        GraphTensor y = g.MoeCombine(down, routes, s, $"moe_combine.{layer}");                                                  // (T, E)
        return f.SharedGate is { } sharedGate
            ? g.Add(y, Mlp(g, hidden, sharedGate, f.SharedUp!, f.SharedDown!, $"shexp.{layer}"), $"moe_out.{layer}")
            : y;
    }

    /// <summary>The routing op's parameters for MoE layer <paramref name="moeLayer"/> of <paramref name="config"/>.</summary>
    public static MoeRouteParams RouteParams(DeepSeekConfig config, int moeLayer)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new MoeRouteParams(
            moeLayer,
            config.RoutedExperts,
            config.ExpertsPerToken,
            config.Gating == ExpertGating.Sigmoid ? MoeScoring.Sigmoid : MoeScoring.Softmax,
            config.ExpertGroups,
            config.ExpertGroupsUsed,
            config.NormalizeTopKWeights,
            config.RoutedScalingFactor);
    }

    private static GraphTensor Mlp(GraphBuilder g, GraphTensor hidden, Abstractions.Tensors.WeightTensor gate, Abstractions.Tensors.WeightTensor up, Abstractions.Tensors.WeightTensor down, string name)
    {
        GraphTensor gated = g.SwiGlu(g.MatMul(hidden, g.Weight(gate), name + ".gate"), g.MatMul(hidden, g.Weight(up), name + ".up"), name + ".swiglu");
        return g.MatMul(gated, g.Weight(down), name + ".down");
    }
}
