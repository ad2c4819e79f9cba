using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// MLA attention over the paged cache (latent stream 0, rope-key stream 1): 1..16 heads, latent widths 8..512 (an
/// odd one), rope widths 4..64, DeepSeek's own 512 + 64; prefills, decode over cached positions, a chunk after a
/// cached prefix, ragged mixes of prefill and decode, block sizes 1, 7, 16 and 64, layers 0..2 of 3, peaked scores,
/// an empty step.
/// </summary>
internal static class LatentAttentionCases
{
    private static readonly (int Heads, int Latent, int Rope)[] Shapes =
        [(1, 8, 4), (2, 16, 8), (4, 64, 16), (3, 40, 8), (5, 33, 7), (8, 128, 32), (16, 512, 64)];

    public static void Add(CaseList cases)
    {
        foreach ((int heads, int latent, int rope) in Shapes)
        {
            foreach ((string step, SequencePlan[] plan) in Batches.AttentionSteps())
            {
                LatentAttention(cases, heads, latent, rope, step, plan, 16, 1, 1);
            }
        }

        LatentAttention(cases, 4, 64, 16, "prefill33", [new SequencePlan(33, 0)], 16, 1, 1);
        LatentAttention(cases, 16, 512, 64, "prefill+decode", [new SequencePlan(12, 0), new SequencePlan(1, 70), new SequencePlan(1, 3)], 16, 1, 1);
        LatentAttention(cases, 2, 16, 8, "empty", [], 16, 1, 1);
        foreach (int blockSize in new[] { 1, 7, 64 })
        {
            LatentAttention(cases, 4, 64, 16, "ragged", Batches.Ragged(), blockSize, 1, 1);
            LatentAttention(cases, 5, 33, 7, "chunk9@17", [new SequencePlan(9, 17)], blockSize, 1, 1);
        }

        LatentAttention(cases, 4, 64, 16, "ragged", Batches.Ragged(), 16, 0, 1);
        LatentAttention(cases, 4, 64, 16, "ragged", Batches.Ragged(), 16, 2, 1);
        LatentAttention(cases, 4, 64, 16, "ragged", Batches.Ragged(), 16, 1, 8);
        LatentAttention(cases, 8, 128, 32, "chunk9@17", [new SequencePlan(9, 17)], 16, 1, 8);
    }

    private static void LatentAttention(CaseList cases, int heads, int latent, int rope, string step, SequencePlan[] plan, int blockSize, int layer, double queryScale)
    {
        string variant = Batches.CacheVariant(blockSize, layer, queryScale);
        string name = $"LatentAttention/h{heads}/c{latent}r{rope}/{step}{variant}";
        string description = $"{heads} heads over a latent of {latent} and a rope key of {rope}, step {step}, KV block size {blockSize}, layer {layer} of 3" +
            (queryScale != 1 ? $", queries scaled by {queryScale} (peaked softmax)" : "");
        cases.Add(name, OpKind.LatentAttention, null, description, s =>
        {
            s.SetBatch(plan, new KvCacheLayout(3, [latent, rope], 4096), blockSize);
            GraphTensor q = s.Input("q", heads * (latent + rope), s.Normal(queryScale));
            GraphTensor c = s.Input("latent", latent, s.Normal());
            GraphTensor kr = s.Input("rope_key", rope, s.Normal());
            var parameters = new LatentAttentionParams(layer, heads, latent, rope, 1 / MathF.Sqrt(latent + rope));
            s.Finish(s.Builder.LatentAttention(q, c, kr, parameters));
        });
    }
}
