namespace LlmFramework.Conformance.Cases;

/// <summary>Step shapes shared by the case groups.</summary>
internal static class Batches
{
    /// <summary>One sequence of <paramref name="rows"/> tokens from position 0, or an empty step for 0.</summary>
    public static SequencePlan[] Rows(int rows) => rows == 0 ? [] : [new SequencePlan(rows)];

    /// <summary>Four sequences (10 tokens) of which three want logits: 3 output rows.</summary>
    public static SequencePlan[] ThreeOutputs() =>
        [new SequencePlan(5, 0), new SequencePlan(1, 9), new SequencePlan(3, 4, WantLogits: false), new SequencePlan(1, 30)];

    /// <summary>A ragged mix: a prefill from 0, a decode token, a chunk after a cached prefix, a short decode.</summary>
    public static SequencePlan[] Ragged() =>
        [new SequencePlan(7, 0), new SequencePlan(1, 40), new SequencePlan(5, 12), new SequencePlan(1, 3)];

    /// <summary>
    /// The steps every attention shape is tried with: a first token, a decode token over 40 cached positions, a chunk
    /// after a cached prefix, the ragged mix, and six decode tokens at positions 0..129.
    /// </summary>
    public static (string Name, SequencePlan[] Plan)[] AttentionSteps() =>
    [
        ("prefill1", [new SequencePlan(1, 0)]),
        ("decode@40", [new SequencePlan(1, 40)]),
        ("chunk9@17", [new SequencePlan(9, 17)]),
        ("ragged", Ragged()),
        ("decode-many", [new SequencePlan(1, 0), new SequencePlan(1, 5), new SequencePlan(1, 16), new SequencePlan(1, 31), new SequencePlan(1, 64), new SequencePlan(1, 129)]),
    ];

    /// <summary>The name suffix of an attention case off the defaults (block size 16, layer 1 of 3, unscaled queries).</summary>
    public static string CacheVariant(int blockSize, int layer, double queryScale) =>
        (blockSize != 16 ? $"/bs{blockSize}" : "") + (layer != 1 ? $"/layer{layer}" : "") + (queryScale != 1 ? "/peaked" : "");
}
