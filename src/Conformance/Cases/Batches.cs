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
}
