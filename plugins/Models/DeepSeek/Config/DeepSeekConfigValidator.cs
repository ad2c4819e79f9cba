using LlmFramework.Abstractions.Models;

namespace LlmFramework.Models.DeepSeek.Config;

/// <summary>
/// Checks a <see cref="DeepSeekConfig"/>; every error names the file and the key at fault, in the checkpoint's own
/// naming (Hugging Face config.json keys, or GGUF <c>deepseek2.*</c> keys through <paramref name="keyNames"/>).
/// </summary>
public static class DeepSeekConfigValidator
{
    /// <summary>Throws <see cref="ModelLoadException"/> for the first inconsistent value.</summary>
    /// <param name="c">The configuration.</param>
    /// <param name="path">The file it came from.</param>
    /// <param name="keyNames">Hugging Face key -> the checkpoint's key (null: the Hugging Face names).</param>
    public static void Validate(DeepSeekConfig c, string path, IReadOnlyDictionary<string, string>? keyNames = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        string K(string key) => keyNames?.GetValueOrDefault(key) ?? key;
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                throw new ModelLoadException(path, problem);
            }
        }

        Require(c.HiddenSize > 0, $"{K("hidden_size")} must be positive, got {c.HiddenSize}");
        Require(c.LayerCount > 0, $"{K("num_hidden_layers")} must be positive, got {c.LayerCount}");
        Require(c.HeadCount > 0, $"{K("num_attention_heads")} must be positive, got {c.HeadCount}");
        Require(c.VocabSize > 0, $"{K("vocab_size")} must be positive, got {c.VocabSize}");
        Require(c.MaxPositionEmbeddings > 0, $"{K("max_position_embeddings")} must be positive, got {c.MaxPositionEmbeddings}");
        Require(c.RmsNormEpsilon > 0 && float.IsFinite(c.RmsNormEpsilon), $"{K("rms_norm_eps")} must be a positive number, got {c.RmsNormEpsilon}");
        Require(c.RopeTheta > 0 && float.IsFinite(c.RopeTheta), $"{K("rope_theta")} must be a positive number, got {c.RopeTheta}");

        // MLA.
        Require(c.QLoraRank >= 0, $"{K("q_lora_rank")} must be positive (or null for a full query projection), got {c.QLoraRank}");
        Require(c.KvLoraRank > 0, $"{K("kv_lora_rank")} must be positive, got {c.KvLoraRank}");
        Require(c.QkNopeHeadDim > 0, $"{K("qk_nope_head_dim")} must be positive, got {c.QkNopeHeadDim}");
        Require(c.QkRopeHeadDim > 0 && c.QkRopeHeadDim % 2 == 0, $"{K("qk_rope_head_dim")} must be a positive even number (RoPE rotates pairs), got {c.QkRopeHeadDim}");
        Require(c.VHeadDim > 0, $"{K("v_head_dim")} must be positive, got {c.VHeadDim}");

        // Dense layers, then MoE layers.
        Require(c.DenseLayerCount >= 0 && c.DenseLayerCount <= c.LayerCount, $"{K("first_k_dense_replace")} must be in [0, {K("num_hidden_layers")} = {c.LayerCount}], got {c.DenseLayerCount}");
        Require(c.DenseLayerCount == 0 || c.IntermediateSize > 0, $"{K("intermediate_size")} must be positive for the {c.DenseLayerCount} dense layers, got {c.IntermediateSize}");
        if (c.DenseLayerCount == c.LayerCount)
        {
            return; // no MoE layer: the expert settings are unused
        }

        Require(c.RoutedExperts > 0, $"{K("n_routed_experts")} must be positive for the {c.LayerCount - c.DenseLayerCount} MoE layers, got {c.RoutedExperts}");
        Require(c.MoeIntermediateSize > 0, $"{K("moe_intermediate_size")} must be positive, got {c.MoeIntermediateSize}");
        Require(c.SharedExperts >= 0, $"{K("n_shared_experts")} must not be negative, got {c.SharedExperts}");
        Require(c.ExpertsPerToken > 0 && c.ExpertsPerToken <= c.RoutedExperts, $"{K("num_experts_per_tok")} must be in [1, {K("n_routed_experts")} = {c.RoutedExperts}], got {c.ExpertsPerToken}");
        Require(Enum.IsDefined(c.Gating), $"{K("scoring_func")} must be \"softmax\" or \"sigmoid\", got {c.Gating}");
        Require(c.RoutedScalingFactor > 0 && float.IsFinite(c.RoutedScalingFactor), $"{K("routed_scaling_factor")} must be a positive number, got {c.RoutedScalingFactor}");
        Require(c.ExpertGroups >= 1, $"{K("n_group")} must be at least 1, got {c.ExpertGroups}");
        if (c.ExpertGroups == 1)
        {
            Require(c.ExpertGroupsUsed == 1, $"{K("topk_group")} must be 1 when {K("n_group")} is 1 (no grouping), got {c.ExpertGroupsUsed}");
            return;
        }

        Require(c.RoutedExperts % c.ExpertGroups == 0, $"{K("n_group")} = {c.ExpertGroups} does not divide {K("n_routed_experts")} = {c.RoutedExperts}");
        Require(c.ExpertGroupsUsed >= 1 && c.ExpertGroupsUsed < c.ExpertGroups, $"{K("topk_group")} must be in [1, {K("n_group")} = {c.ExpertGroups}) (keeping every group is no group limit), got {c.ExpertGroupsUsed}");
        int perGroup = c.RoutedExperts / c.ExpertGroups;
        Require(perGroup >= 2, $"each of the {K("n_group")} = {c.ExpertGroups} groups needs at least 2 experts (a group is scored by its top 2), got {perGroup}");
        Require(c.ExpertsPerToken <= c.ExpertGroupsUsed * perGroup, $"{K("num_experts_per_tok")} = {c.ExpertsPerToken} cannot be chosen from {K("topk_group")} = {c.ExpertGroupsUsed} groups of {perGroup} experts");
    }
}
