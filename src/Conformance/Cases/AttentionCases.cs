using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// Attention over the paged cache: GQA ratios 1, 2, 3, 4 and 8, odd head counts, head dims 8..128 (and an odd one),
/// Dk != Dv, prefills, decode tokens over cached positions, prefill chunks after a cached prefix, ragged mixes,
/// block sizes 1, 7, 16 and 64, a non-zero layer of a 3-layer cache, peaked scores and an empty step.
/// </summary>
internal static class AttentionCases
{
    private static readonly (int Hq, int Hkv, int Dk, int Dv)[] Heads =
    [
        (1, 1, 8, 8), (2, 1, 16, 16), (4, 1, 64, 64), (6, 3, 128, 128), (8, 2, 64, 64), (3, 3, 40, 40),
        (5, 5, 96, 96), (4, 2, 80, 80), (4, 4, 24, 16), (2, 2, 13, 13), (12, 4, 32, 32), (8, 1, 128, 128),
    ];

    public static void Add(CaseList cases)
    {
        foreach ((int hq, int hkv, int dk, int dv) in Heads)
        {
            foreach ((string step, SequencePlan[] plan) in Batches.AttentionSteps())
            {
                Attention(cases, hq, hkv, dk, dv, step, plan, 16, 1, 1);
            }
        }

        Attention(cases, 4, 2, 64, 64, "prefill7", [new SequencePlan(7, 0)], 16, 1, 1);
        Attention(cases, 4, 1, 32, 32, "prefill33", [new SequencePlan(33, 0)], 16, 1, 1);
        Attention(cases, 6, 3, 128, 128, "prefill33", [new SequencePlan(33, 0)], 16, 1, 1);
        Attention(cases, 8, 2, 128, 128, "decode@300x2", [new SequencePlan(1, 300), new SequencePlan(1, 257)], 16, 1, 1);
        Attention(cases, 2, 1, 8, 8, "empty", [], 16, 1, 1);
        foreach (int blockSize in new[] { 1, 7, 64 })
        {
            Attention(cases, 4, 2, 64, 64, "ragged", Batches.Ragged(), blockSize, 1, 1);
            Attention(cases, 3, 3, 40, 40, "ragged", Batches.Ragged(), blockSize, 1, 1);
            Attention(cases, 8, 2, 16, 16, "chunk9@17", [new SequencePlan(9, 17)], blockSize, 1, 1);
        }

        Attention(cases, 4, 2, 64, 64, "ragged", Batches.Ragged(), 16, 0, 1);
        Attention(cases, 4, 2, 64, 64, "ragged", Batches.Ragged(), 16, 2, 1);
        Attention(cases, 4, 2, 64, 64, "ragged", Batches.Ragged(), 16, 1, 8);
        Attention(cases, 2, 1, 128, 128, "chunk9@17", [new SequencePlan(9, 17)], 16, 1, 8);
    }

    private static void Attention(CaseList cases, int hq, int hkv, int dk, int dv, string step, SequencePlan[] plan, int blockSize, int layer, double queryScale)
    {
        string variant = Batches.CacheVariant(blockSize, layer, queryScale);
        string name = $"Attention/q{hq}kv{hkv}/dk{dk}dv{dv}/{step}{variant}";
        string description = $"{hq} query heads over {hkv} KV heads (group {hq / hkv}), Dk {dk}, Dv {dv}, step {step}, KV block size {blockSize}, layer {layer} of 3" +
            (queryScale != 1 ? $", queries scaled by {queryScale} (peaked softmax)" : "");
        cases.Add(name, OpKind.Attention, null, description, s =>
        {
            s.SetBatch(plan, new KvCacheLayout(3, [hkv * dk, hkv * dv], 4096), blockSize);
            GraphTensor q = s.Input("q", hq * dk, s.Normal(queryScale));
            GraphTensor k = s.Input("k", hkv * dk, s.Normal());
            GraphTensor v = s.Input("v", hkv * dv, s.Normal());
            s.Finish(s.Builder.Attention(q, k, v, new AttentionParams(layer, hq, hkv, dk, dv, 1 / MathF.Sqrt(dk))));
        });
    }
}
