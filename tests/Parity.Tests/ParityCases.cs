using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// The model shapes compared against llama.cpp. Quantised types store 32-element blocks along a row, so every
/// matrix's column count (dim for Q/K/V/O/gate/up and the output, FFN for down) must be a multiple of 32: the
/// quantisable cases use dim 64/96/128 and FFN 128/160/256; "odd" (dim 80, FFN 200, 5 heads, MQA) is F32/F16 only.
/// Vocabulary sizes (rows) need no alignment and are deliberately odd in places.
/// </summary>
public static class ParityCases
{
    private static readonly Dictionary<string, TestModelSpec> s_cases = new(StringComparer.Ordinal)
    {
        // Multi-head attention, separate output matrix.
        ["mha-untied"] = new() { Dim = 64, Layers = 2, Heads = 4, KvHeads = 4, FeedForward = 128, VocabSize = 320, TiedEmbeddings = false, ContextLength = 512, Seed = 11 },

        // Grouped-query attention (4 query heads per KV head), output tied to the embedding, 3 layers.
        ["gqa-tied"] = new() { Dim = 128, Layers = 3, Heads = 8, KvHeads = 2, FeedForward = 256, VocabSize = 512, TiedEmbeddings = true, ContextLength = 512, Seed = 12 },

        // GQA 3:1, head size 16, an odd (prime) vocabulary.
        ["gqa-untied-v997"] = new() { Dim = 96, Layers = 2, Heads = 6, KvHeads = 2, FeedForward = 160, VocabSize = 997, TiedEmbeddings = false, ContextLength = 512, Seed = 13 },

        // Sizes no SIMD width divides: dim 80, FFN 200, 5 heads of 16, a single KV head (MQA), vocab 301.
        ["odd"] = new() { Dim = 80, Layers = 2, Heads = 5, KvHeads = 1, FeedForward = 200, VocabSize = 301, TiedEmbeddings = true, ContextLength = 512, Seed = 14 },
    };

    /// <summary>Cases whose matrices all have column counts that are multiples of 32.</summary>
    public static readonly string[] Quantisable = ["mha-untied", "gqa-tied", "gqa-untied-v997"];

    /// <summary>Every case.</summary>
    public static IEnumerable<string> All => s_cases.Keys;

    /// <summary>The spec of <paramref name="name"/> with weights stored as <paramref name="dtype"/>.</summary>
    public static TestModelSpec Get(string name, DType dtype) => s_cases[name] with { DType = dtype };

    /// <summary>(case, dtype) pairs: every case in F32 and F16, the quantisable ones also in Q8_0 and Q4_0.</summary>
    public static TheoryData<string, DType> CasesAndDTypes()
    {
        var data = new TheoryData<string, DType>();
        foreach (string name in s_cases.Keys)
        {
            data.Add(name, DType.F32);
            data.Add(name, DType.F16);
            if (Quantisable.Contains(name))
            {
                data.Add(name, DType.Q8_0);
                data.Add(name, DType.Q4_0);
            }
        }

        return data;
    }

    /// <summary>
    /// Largest accepted max|ours - llama.cpp| over the logits, relative to the standard deviation of llama.cpp's logits.
    /// F32: both sides compute in F32 and differ only by summation order (measured ~1e-6) — 1e-3. F16: llama.cpp
    /// rounds activations to F16 before each F16 matmul, we keep them in F32 (measured ~1.5e-3) — 1e-2.
    /// Q8_0/Q4_0: both engines round every activation row to 8 bits in 32-element blocks before the integer dot, but
    /// ggml stores the block scale as F16 and we keep F32; the tiny scale difference moves later layers' inputs across
    /// rounding boundaries, so after a layer the two roundings behave as independent draws. Each engine's RMS error
    /// against the same weights decoded to F32 is ~1-1.4% of the logit std (<see cref="QuantisationErrorTests"/>),
    /// their difference ~1.5-2%, and its maximum over 300-1000 logits ~3x that (measured up to 4.8%) — 8e-2.
    /// </summary>
    public static double Tolerance(DType dtype) => dtype switch
    {
        DType.F32 => 1e-3,
        DType.F16 => 1e-2,
        DType.Q8_0 or DType.Q4_0 => 8e-2,
        _ => throw new NotSupportedException($"no parity tolerance defined for {dtype}"),
    };

    /// <summary>A reproducible prompt of <paramref name="length"/> ids drawn from the whole vocabulary.</summary>
    public static int[] Prompt(int length, int vocabSize, int seed)
    {
        var random = new Random(seed);
        var ids = new int[length];
        for (int i = 0; i < length; i++)
        {
            ids[i] = random.Next(vocabSize);
        }

        return ids;
    }
}
