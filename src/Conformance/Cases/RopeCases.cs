using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Cases;

/// <summary>Rope in both styles: head counts 1..5, head dims 2..128, full and partial rotary dims, ragged positions up to 9000, attention factors.</summary>
internal static class RopeCases
{
    private static readonly (int Heads, int HeadDim, int RotaryDim)[] Heads =
        [(1, 2, 2), (2, 8, 8), (3, 64, 64), (4, 128, 128), (2, 64, 32), (3, 80, 20), (1, 96, 64), (5, 24, 24), (2, 128, 96)];

    public static void Add(CaseList cases)
    {
        foreach (RopeStyle style in new[] { RopeStyle.Interleaved, RopeStyle.NeoX })
        {
            string s0 = style == RopeStyle.Interleaved ? "interleaved" : "neox";
            foreach ((int heads, int headDim, int rotary) in Heads)
            {
                Rope(cases, $"{s0}/H{heads}xD{headDim}/rot{rotary}/ragged", style, heads, headDim, rotary, Batches.Ragged(), Frequencies.Base10000, 1f);
            }

            Rope(cases, $"{s0}/H2xD64/rot64/large-positions", style, 2, 64, 64, [new SequencePlan(1, 4095), new SequencePlan(2, 9000)], Frequencies.Base10000, 1f);
            Rope(cases, $"{s0}/H4xD64/rot64/base500000", style, 4, 64, 64, Batches.Ragged(), Frequencies.Base500000, 1f);
            Rope(cases, $"{s0}/H3xD32/rot32/scaled-frequencies", style, 3, 32, 32, Batches.Ragged(), Frequencies.Random, 1f);
            Rope(cases, $"{s0}/H2xD64/rot48/attention-factor", style, 2, 64, 48, Batches.Ragged(), Frequencies.Base10000, 1.2f);
            Rope(cases, $"{s0}/H2xD16/rot16/empty", style, 2, 16, 16, [], Frequencies.Base10000, 1f);
        }
    }

    private enum Frequencies
    {
        Base10000,
        Base500000,
        Random,
    }

    private static void Rope(CaseList cases, string shape, RopeStyle style, int heads, int headDim, int rotary, SequencePlan[] plan, Frequencies frequencies, float factor)
    {
        cases.Add($"Rope/{shape}", OpKind.Rope, null, $"{style} rope of {heads} heads of {headDim} (rotary {rotary}, {frequencies}, factor {factor}) at positions {string.Join(", ", plan.Select(p => $"{p.StartPosition}+{p.Tokens}"))}", s =>
        {
            s.SetBatch(plan);
            var inverse = new float[rotary / 2];
            for (int i = 0; i < inverse.Length; i++)
            {
                inverse[i] = frequencies switch
                {
                    Frequencies.Base10000 => (float)Math.Pow(10000, -2.0 * i / rotary),
                    Frequencies.Base500000 => (float)Math.Pow(500000, -2.0 * i / rotary),
                    _ => (float)Math.Pow(10, s.Random.Uniform(-5, 0)),
                };
            }

            var parameters = new RopeParams(heads, headDim, rotary, style, inverse, factor);
            s.Finish(s.Builder.Rope(s.Input("x", heads * headDim, s.Normal()), parameters));
        });
    }
}
