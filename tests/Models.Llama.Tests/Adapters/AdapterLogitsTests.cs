using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Models.Llama.Tests.Support;
using LlmFramework.Quantization;
using Xunit.Abstractions;

namespace LlmFramework.Models.Llama.Tests.Adapters;

/// <summary>
/// LoRA adapters applied at load change the logits exactly as W + s * B A would, whether merged or unmerged, on either
/// form (HF folder or GGUF) of a model. The models are small random GQA LLaMAs (dim 64, 4 heads / 2 KV heads, 2 layers);
/// the adapters' deltas are about as large as the base weights, so a wrong row order or scale moves the logits by
/// whole units (their spread is about 1).
/// </summary>
public sealed class AdapterLogitsTests(ITestOutputHelper output) : IDisposable
{
    private const int Rank = 4;
    private const double Alpha = 8; // s = alpha / r = 2
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static TestModelSpec Spec(DType type = DType.F32) => TestModelFiles.SmallSpec(type);

    private static int[] Prompt => EngineLogits.Prompt(300);

    /// <summary>Every projection of layer 0 and q/k of layer 1.</summary>
    private static List<LoraFactor> Factors(TestModelSpec spec, int seed = 1, int rank = Rank, float bStd = 0.25f) =>
    [
        .. Enum.GetValues<LlamaProjection>().Select(p => LoraFactor.Random(spec, 0, p, rank, seed, bStd)),
        LoraFactor.Random(spec, 1, LlamaProjection.Query, rank, seed, bStd),
        LoraFactor.Random(spec, 1, LlamaProjection.Key, rank, seed, bStd),
    ];

    private string Model(TestModelSpec spec, CheckpointFormat format) =>
        TestModelFiles.Write(_folder, spec, format, $"{spec.DType}-{format}{(format == CheckpointFormat.Gguf ? ".gguf" : "")}");

    private string Adapter(string name, IReadOnlyList<LoraFactor> factors, double alpha = Alpha, Action<System.Text.Json.Nodes.JsonObject>? edit = null, DType type = DType.F32) =>
        PeftAdapterFolder.Write(_folder.File(name), factors, alpha, type, edit);

    /// <summary>The independent reference: the HF form of <paramref name="spec"/> with W + s B A written out in float64, loaded without adapters.</summary>
    private float[] ReferenceLogits(TestModelSpec spec, params (IReadOnlyList<LoraFactor> Factors, double Scale)[] adapters) =>
        EngineLogits.Of(MergedReference.Write(Model(spec, CheckpointFormat.HuggingFaceFolder), _folder.File("reference"), adapters), Prompt);

    /// <summary>The model of <paramref name="spec"/> in <paramref name="format"/> with <paramref name="adapters"/> gives <paramref name="expected"/> (F32 weights: within 1e-4).</summary>
    private void AssertAdaptedLogits(float[] expected, string what, TestModelSpec spec, CheckpointFormat format, params AdapterSpec[] adapters) =>
        Assert.True(Report(what, expected, EngineLogits.Of(Model(spec, format), Prompt, adapters)) < 1e-4);

    private double Report(string what, float[] expected, float[] actual)
    {
        double diff = EngineLogits.MaxDiff(expected, actual);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |diff| {diff:G3} (logit std {ReferenceForward.StandardDeviation(expected):G3})"));
        return diff;
    }

    [Theory]
    [InlineData(DType.F32, CheckpointFormat.HuggingFaceFolder, AdapterMode.Merged)]
    [InlineData(DType.F32, CheckpointFormat.HuggingFaceFolder, AdapterMode.Unmerged)]
    [InlineData(DType.F32, CheckpointFormat.Gguf, AdapterMode.Merged)]
    [InlineData(DType.F32, CheckpointFormat.Gguf, AdapterMode.Unmerged)]
    [InlineData(DType.F16, CheckpointFormat.HuggingFaceFolder, AdapterMode.Unmerged)]
    [InlineData(DType.Q8_0, CheckpointFormat.Gguf, AdapterMode.Unmerged)]
    public void An_adapter_whose_B_is_zero_gives_exactly_the_base_logits(DType type, CheckpointFormat format, AdapterMode mode)
    {
        TestModelSpec spec = Spec(type);
        string model = Model(spec, format);
        string adapter = Adapter("zero", Factors(spec, bStd: 0f));
        float[] plain = EngineLogits.Of(model, Prompt);
        float[] adapted = EngineLogits.Of(model, Prompt, new AdapterSpec(adapter, mode));
        Assert.Equal(plain, adapted);
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.Q8_0)]
    public void A_zero_adapter_merged_into_a_non_f32_base_changes_the_logits_only_by_the_f32_copy(DType type)
    {
        // Merging stores the adapted matrices as F32 (the dequantised base plus the delta), so the matrix products
        // run on F32 weights instead of F16 / Q8_0 ones: the same values, a different kernel. Measured: F16 0 (the CPU
        // backend widens F16 weights to F32 exactly), Q8_0 0.034 (its Q8_0 kernel quantises the activations too).
        TestModelSpec spec = Spec(type);
        string model = Model(spec, type == DType.Q8_0 ? CheckpointFormat.Gguf : CheckpointFormat.HuggingFaceFolder);
        float[] plain = EngineLogits.Of(model, Prompt);
        float[] merged = EngineLogits.Of(model, Prompt, new AdapterSpec(Adapter("zero", Factors(spec, bStd: 0f)), AdapterMode.Merged));
        Assert.True(Report($"{type} zero adapter merged vs base", plain, merged) < (type == DType.Q8_0 ? 0.1 : 1e-4));
    }

    [Theory]
    [InlineData(DType.F32, CheckpointFormat.HuggingFaceFolder, 1e-4)]
    [InlineData(DType.F32, CheckpointFormat.Gguf, 1e-4)]
    [InlineData(DType.F16, CheckpointFormat.HuggingFaceFolder, 1e-4)]
    [InlineData(DType.BF16, CheckpointFormat.HuggingFaceFolder, 1e-4)]
    [InlineData(DType.Q8_0, CheckpointFormat.Gguf, 0.1)] // merged runs on the dequantised F32 weights, unmerged on Q8_0: measured 0.046
    public void Merged_and_unmerged_give_the_same_logits(DType type, CheckpointFormat format, double tolerance)
    {
        TestModelSpec spec = Spec(type);
        string model = Model(spec, format);
        string adapter = Adapter("a", Factors(spec));
        float[] plain = EngineLogits.Of(model, Prompt);
        float[] merged = EngineLogits.Of(model, Prompt, new AdapterSpec(adapter, AdapterMode.Merged));
        float[] unmerged = EngineLogits.Of(model, Prompt, new AdapterSpec(adapter, AdapterMode.Unmerged));
        Assert.True(EngineLogits.MaxDiff(plain, merged) > 0.5, "the adapter should move the logits");
        Assert.True(Report($"{type} {format} merged vs unmerged", merged, unmerged) < tolerance);
    }

    [Theory]
    [InlineData(AdapterMode.Merged)]
    [InlineData(AdapterMode.Unmerged)]
    public void Hf_and_gguf_forms_of_a_gqa_model_take_the_same_q_and_k_adapter(AdapterMode mode)
    {
        // The GGUF form's q/k rows are permuted for interleaved RoPE; the adapter's B rows must be permuted the same way.
        TestModelSpec spec = Spec();
        Assert.True(spec.KvHeads < spec.Heads);
        LoraFactor[] factors = [.. new[] { 0, 1 }.SelectMany(l => new[] { LlamaProjection.Query, LlamaProjection.Key }.Select(p => LoraFactor.Random(spec, l, p, Rank, seed: 3)))];
        string adapter = Adapter("qk", factors);
        float[] hf = EngineLogits.Of(Model(spec, CheckpointFormat.HuggingFaceFolder), Prompt, new AdapterSpec(adapter, mode));
        float[] gguf = EngineLogits.Of(Model(spec, CheckpointFormat.Gguf), Prompt, new AdapterSpec(adapter, mode));
        float[] plain = EngineLogits.Of(Model(spec, CheckpointFormat.Gguf), Prompt);
        Assert.True(EngineLogits.MaxDiff(plain, gguf) > 0.5, "the adapter should move the logits");
        Assert.True(Report($"HF vs GGUF, q/k adapter {mode}", hf, gguf) < 1e-4);
    }

    [Theory]
    [InlineData(CheckpointFormat.HuggingFaceFolder, AdapterMode.Merged)]
    [InlineData(CheckpointFormat.HuggingFaceFolder, AdapterMode.Unmerged)]
    [InlineData(CheckpointFormat.Gguf, AdapterMode.Merged)]
    [InlineData(CheckpointFormat.Gguf, AdapterMode.Unmerged)]
    public void Adapted_logits_match_a_merged_copy_of_the_weights_written_independently(CheckpointFormat format, AdapterMode mode)
    {
        TestModelSpec spec = Spec();
        List<LoraFactor> factors = Factors(spec);
        float[] expected = ReferenceLogits(spec, (factors, Alpha / Rank));
        AssertAdaptedLogits(expected, $"{format} {mode} vs reference", spec, format, new AdapterSpec(Adapter("a", factors), mode));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    public void Adapters_of_small_and_odd_ranks_match_the_reference(int rank)
    {
        // The unmerged path multiplies by (r, in) and (out, r) matrices: r = 1 and odd r run the kernels' tails.
        TestModelSpec spec = Spec();
        List<LoraFactor> factors = Factors(spec, rank: rank);
        float[] expected = ReferenceLogits(spec, (factors, 2.0));
        string adapter = Adapter("a", factors, alpha: 2.0 * rank);
        foreach (AdapterMode mode in Enum.GetValues<AdapterMode>())
        {
            AssertAdaptedLogits(expected, $"rank {rank} {mode}", spec, CheckpointFormat.Gguf, new AdapterSpec(adapter, mode));
        }
    }

    [Theory]
    [InlineData(16.0, false, 1f, 4.0)]   // alpha / r
    [InlineData(16.0, true, 1f, 8.0)]    // rsLoRA: alpha / sqrt(r)
    [InlineData(null, false, 1f, 2.0)]   // lora_alpha missing: PEFT's default 8
    [InlineData(16.0, false, 0.5f, 2.0)] // AdapterSpec.Scale multiplies
    [InlineData(16.0, true, -0.25f, -2.0)]
    public void The_delta_is_scaled_by_alpha_over_r_or_sqrt_r_and_the_spec_scale(double? alpha, bool rsLora, float specScale, double expectedScale)
    {
        TestModelSpec spec = Spec();
        List<LoraFactor> factors = Factors(spec);
        string adapter = Adapter("a", factors, alpha ?? 0, edit: c =>
        {
            c["use_rslora"] = rsLora;
            if (alpha is null)
            {
                c.Remove("lora_alpha");
            }
        });
        Assert.Equal(expectedScale / specScale, LoraAdapter.Read(adapter).Scale, 6);
        float[] expected = ReferenceLogits(spec, (factors, expectedScale));
        foreach (AdapterMode mode in Enum.GetValues<AdapterMode>())
        {
            AssertAdaptedLogits(expected, $"scale {expectedScale} {mode}", spec, CheckpointFormat.HuggingFaceFolder, new AdapterSpec(adapter, mode, specScale));
        }
    }

    [Theory]
    [InlineData(AdapterMode.Merged, AdapterMode.Merged)]
    [InlineData(AdapterMode.Merged, AdapterMode.Unmerged)]
    [InlineData(AdapterMode.Unmerged, AdapterMode.Merged)]
    [InlineData(AdapterMode.Unmerged, AdapterMode.Unmerged)]
    public void Two_adapters_both_apply_on_shared_and_separate_projections(AdapterMode first, AdapterMode second)
    {
        TestModelSpec spec = Spec();
        List<LoraFactor> one = Factors(spec, seed: 1);
        LoraFactor[] two = [LoraFactor.Random(spec, 0, LlamaProjection.Query, 2, seed: 2), LoraFactor.Random(spec, 1, LlamaProjection.Down, 2, seed: 2), LoraFactor.Random(spec, 1, LlamaProjection.Value, 2, seed: 2)];
        string a = Adapter("one", one), b = Adapter("two", two, alpha: 4);
        float[] expected = ReferenceLogits(spec, (one, Alpha / Rank), (two, 0.5 * 4 / 2));
        foreach (CheckpointFormat format in new[] { CheckpointFormat.HuggingFaceFolder, CheckpointFormat.Gguf })
        {
            AssertAdaptedLogits(expected, $"{first} then {second} on {format}", spec, format, new AdapterSpec(a, first), new AdapterSpec(b, second, 0.5f));
        }
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Factors_stored_as_f16_or_bf16_apply_as_their_float_values(DType type)
    {
        TestModelSpec spec = Spec();
        List<LoraFactor> rounded = [.. Factors(spec).Select(f => f with { A = Round(type, f.A), B = Round(type, f.B) })];
        string model = Model(spec, CheckpointFormat.HuggingFaceFolder);
        float[] fromF32 = EngineLogits.Of(model, Prompt, new AdapterSpec(Adapter("f32", rounded)));
        float[] fromHalf = EngineLogits.Of(model, Prompt, new AdapterSpec(Adapter("half", rounded, type: type)));
        Assert.Equal(fromF32, fromHalf);
    }

    [Fact]
    public void The_model_description_names_each_adapter_its_mode_and_scale()
    {
        TestModelSpec spec = Spec();
        string a = Adapter("style", Factors(spec)), b = Adapter("topic", Factors(spec, seed: 2));
        var options = new ModelLoadOptions { Adapters = [new AdapterSpec(a), new AdapterSpec(b + Path.DirectorySeparatorChar, AdapterMode.Unmerged, 0.5f)] };
        using IModel model = new LlamaFamily().Load(ModelSource.Open(Model(spec, CheckpointFormat.Gguf)), options);
        Assert.EndsWith("; GGUF F32; LoRA style (merged), topic (unmerged x0.5)", model.Info.Description, StringComparison.Ordinal);
    }

    private static float[] Round(DType type, float[] values)
    {
        var rounded = new float[values.Length];
        BlockQuantizer.Dequantize(type, BlockQuantizer.Quantize(type, values), rounded);
        return rounded;
    }
}
