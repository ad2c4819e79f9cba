using LlmFramework.Abstractions.Models;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Formats;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>The LoRA factors of one projection of one layer: A (r, in) and B (out, r), row-major, in Hugging Face row order.</summary>
internal sealed record LoraFactor(int Layer, LlamaProjection Projection, int Rank, int Inputs, int Outputs, float[] A, float[] B)
{
    /// <summary>The PEFT tensor name prefix: base_model.model.model.layers.N.self_attn.q_proj.</summary>
    public string TensorPrefix => $"base_model.model.model.layers.{Layer}.{LoraAdapter.ModuleName(Projection)}";

    /// <summary>The base weight's Hugging Face name: model.layers.N.self_attn.q_proj.weight.</summary>
    public string BaseName => $"model.layers.{Layer}.{LoraAdapter.ModuleName(Projection)}.weight";

    /// <summary>
    /// Seeded random factors for <paramref name="projection"/> of a model of <paramref name="spec"/>: A with std
    /// 1/sqrt(in), B with std <paramref name="bStd"/> (0 gives an adapter that changes nothing).
    /// </summary>
    public static LoraFactor Random(TestModelSpec spec, int layer, LlamaProjection projection, int rank, int seed, float bStd = 0.25f)
    {
        (int outputs, int inputs) = Shape(spec, projection);
        var rng = new SeededRandom(seed * 1000 + (layer * 10) + (int)projection);
        var a = new float[rank * inputs];
        var b = new float[outputs * rank];
        rng.Fill(a, 0f, 1f / MathF.Sqrt(inputs));
        rng.Fill(b, 0f, bStd);
        return new LoraFactor(layer, projection, rank, inputs, outputs, a, b);
    }

    /// <summary>(out, in) of a projection's weight in a model of <paramref name="spec"/>.</summary>
    public static (int Outputs, int Inputs) Shape(TestModelSpec spec, LlamaProjection projection)
    {
        int headDim = spec.Dim / spec.Heads, q = spec.Heads * headDim, kv = spec.KvHeads * headDim;
        return projection switch
        {
            LlamaProjection.Query => (q, spec.Dim),
            LlamaProjection.Key or LlamaProjection.Value => (kv, spec.Dim),
            LlamaProjection.Output => (spec.Dim, q),
            LlamaProjection.Gate or LlamaProjection.Up => (spec.FeedForward, spec.Dim),
            _ => (spec.Dim, spec.FeedForward),
        };
    }
}
