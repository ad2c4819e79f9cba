using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Quantization;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.DeepSeek.TestModels;

/// <summary>
/// Writes random-weight DeepSeek models (make-test-model --arch deepseek2) as a GGUF file (deepseek2) or a Hugging
/// Face folder (DeepseekV3ForCausalLM with sigmoid gating, DeepseekV2ForCausalLM with softmax). The weights are drawn
/// once in Hugging Face layout and converted as llama.cpp's converter does, so both forms of one spec and seed hold
/// the same model; same spec and seed give the same bytes. The DeepSeek settings come from
/// <see cref="TestModelSpec.Extra"/> (q-lora-rank, kv-lora-rank, qk-rope-dim, qk-nope-dim, v-head-dim, experts,
/// experts-per-token, shared-experts, expert-ffn, dense-layers, expert-groups, expert-groups-used, gating,
/// routed-scaling-factor, norm-topk-prob, and YaRN's rope-scaling-factor, rope-original-context, rope-mscale-all-dim);
/// <see cref="TestModelSpec.KvHeads"/> does not apply (MLA has one latent).
/// </summary>
/// <remarks>
/// GGUF storage: norms, exp_probs_b.bias and the router ffn_gate_inp are F32; a matrix whose GGUF rows (the innermost
/// dimension: E for most, nope for attn_k_b, kv_lora for attn_v_b, q_lora for attn_q_b, H*v for attn_output, F for
/// ffn_down, the expert width for ffn_down_exps and ffn_down_shexp) do not divide into the chosen type's blocks is F16;
/// every other matrix is the chosen type. llama.cpp (the build LLamaSharp 0.30 ships; see tests/Parity.Tests) takes a
/// deepseek2 file of 26 or 27 layers for V2-Lite (attn_q, no q low-rank path) and any other layer count for a q
/// low-rank one, so it loads a q-lora-rank 0 model only at 26 or 27 layers; it also requires at least one shared expert.
/// </remarks>
public static class DeepSeekTestModelWriter
{
    /// <summary>Writes <paramref name="spec"/> as a GGUF file or a Hugging Face folder at <paramref name="outputPath"/>.</summary>
    /// <exception cref="ArgumentException">The spec is inconsistent or names an unknown setting; the message names the flag.</exception>
    /// <exception cref="NotSupportedException">A Hugging Face folder in a quantised type.</exception>
    public static void Write(TestModelSpec spec, CheckpointFormat format, string outputPath) => WriteReportingFallbacks(spec, format, outputPath);

    /// <summary>
    /// <see cref="Write"/>, returning the GGUF matrices stored as F16 because their rows do not divide into the type's
    /// blocks (none for a folder, or for F32/F16/BF16).
    /// </summary>
    internal static IReadOnlyList<string> WriteReportingFallbacks(TestModelSpec spec, CheckpointFormat format, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        DeepSeekConfig config = DeepSeekTestSettings.ToConfig(spec);
        if (spec.DType == DType.I32)
        {
            throw new ArgumentException("test model spec: i32 is not a weight type", nameof(spec));
        }

        if (format == CheckpointFormat.HuggingFaceFolder && spec.DType is not (DType.F32 or DType.F16 or DType.BF16))
        {
            throw new NotSupportedException($"HF folders hold float weights; use --format gguf for quantised types ({DTypeInfo.Name(spec.DType)})");
        }

        DeepSeekTestWeights weights = DeepSeekTestWeights.Generate(config, spec.Seed, spec.DType);
        if (format == CheckpointFormat.Gguf)
        {
            return WriteGguf(config, spec, weights, outputPath);
        }

        WriteFolder(config, spec.DType, weights, outputPath);
        return [];
    }

    private static List<string> WriteGguf(DeepSeekConfig c, TestModelSpec spec, DeepSeekTestWeights weights, string path)
    {
        const string P = DeepSeekGgufConfigReader.Architecture + ".";
        var w = new GgufWriter();
        w.AddString("general.architecture", DeepSeekGgufConfigReader.Architecture);
        w.AddString("general.name", $"random deepseek2 {c.HiddenSize}x{c.LayerCount} seed {spec.Seed}");
        w.AddUInt32("general.file_type", GgufFileType.Of(spec.DType));
        w.AddUInt32("general.quantization_version", 2);
        List<(string Key, int Value)> counts =
        [
            ("vocab_size", c.VocabSize),
            ("context_length", c.MaxPositionEmbeddings),
            ("embedding_length", c.HiddenSize),
            ("block_count", c.LayerCount),
            ("feed_forward_length", c.IntermediateSize),
            ("leading_dense_block_count", c.DenseLayerCount),
            ("attention.head_count", c.HeadCount),
            ("attention.head_count_kv", 1),                                   // MLA: one latent shared by all heads
            ("rope.dimension_count", c.QkRopeHeadDim),
            ("attention.kv_lora_rank", c.KvLoraRank),
            ("attention.key_length", c.KvLoraRank + c.QkRopeHeadDim),         // the absorbed cache's key: c and k_pe
            ("attention.value_length", c.KvLoraRank),
            ("attention.key_length_mla", c.QkHeadDim),                        // per head: nope + rope
            ("attention.value_length_mla", c.VHeadDim),
            ("expert_feed_forward_length", c.MoeIntermediateSize),
            ("expert_count", c.RoutedExperts),
            ("expert_used_count", c.ExpertsPerToken),
            ("expert_shared_count", c.SharedExperts),
            ("expert_gating_func", (int)c.Gating),                            // 1 softmax, 2 sigmoid
            ("expert_group_count", c.ExpertGroups),
            ("expert_group_used_count", c.ExpertGroupsUsed),
        ];
        if (c.QLoraRank > 0)
        {
            counts.Add(("attention.q_lora_rank", c.QLoraRank));               // absent: a full query projection
        }

        foreach ((string key, int value) in counts)
        {
            w.AddUInt32(P + key, checked((uint)value));
        }

        w.AddFloat32(P + "attention.layer_norm_rms_epsilon", c.RmsNormEpsilon);
        w.AddFloat32(P + "rope.freq_base", c.RopeTheta);
        w.AddFloat32(P + "expert_weights_scale", c.RoutedScalingFactor);
        w.AddBool(P + "expert_weights_norm", c.NormalizeTopKWeights);
        if (c.RopeScaling is { } yarn)
        {
            // As convert_hf_to_gguf.py writes DeepSeek's rope_scaling: beta_fast / beta_slow are not stored (llama.cpp
            // assumes 32 and 1), and 0.1 * mscale_all_dim becomes yarn_log_multiplier.
            w.AddString(P + "rope.scaling.type", "yarn");
            w.AddFloat32(P + "rope.scaling.factor", yarn.Factor);
            w.AddUInt32(P + "rope.scaling.original_context_length", checked((uint)yarn.OriginalMaxPositionEmbeddings));
            w.AddFloat32(P + "rope.scaling.yarn_log_multiplier", 0.1f * yarn.MScaleAllDim);
        }

        GgufVocabularyMetadata.AddTo(w, TestVocabulary.Create(c.VocabSize));

        var fallbacks = new List<string>();
        foreach ((string name, long[] shape, float[] values) in DeepSeekGgufTensors.FromHuggingFace(c, weights))
        {
            DType type = DeepSeekGgufTensors.StorageType(name, shape, spec.DType);
            if (shape.Length > 1 && type == DType.F16 && spec.DType != DType.F16)
            {
                fallbacks.Add(name);
            }

            w.AddTensor(name, type, shape, BlockQuantizer.Quantize(type, values));
        }

        w.WriteToAtomically(path);
        return fallbacks;
    }

    private static void WriteFolder(DeepSeekConfig c, DType type, DeepSeekTestWeights weights, string folder)
    {
        Directory.CreateDirectory(folder);
        var st = new SafetensorsWriter();
        foreach ((string name, long[] shape, float[] values) in weights.Tensors)
        {
            st.Add(name, type, shape, BlockQuantizer.Quantize(type, values));
        }

        st.WriteTo(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName));
        DeepSeekConfigJson.Write(Path.Combine(folder, "config.json"), c, type);
        TestVocabularyFiles.WriteHuggingFaceFiles(folder, c.VocabSize);
    }
}
