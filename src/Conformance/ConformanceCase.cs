using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Conformance.Cases;
using LlmFramework.Conformance.Checking;

namespace LlmFramework.Conformance;

/// <summary>
/// One conformance check: a small graph whose node(s) under test a backend runs, with seeded inputs, weights
/// (encoded with the reference codecs), a step batch and a starting KV cache. Every run rebuilds the same data
/// from a seed derived from <see cref="Name"/>, so results are reproducible and independent of case order.
/// </summary>
public sealed class ConformanceCase
{
    private readonly Action<CaseSetup> _build;

    internal ConformanceCase(string name, OpKind op, DType? weightType, string description, Action<CaseSetup> build)
    {
        Name = name;
        Op = op;
        WeightType = weightType;
        Description = description;
        _build = build;
    }

    /// <summary>Unique, stable name: op/dtype/shape, e.g. <c>MatMul/q4_k/R7xK512xN33</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// The op under test. Multi-node cases (a whole transformer block run as one partition, names starting with
    /// <c>Block/</c>) report <see cref="OpKind.Attention"/> (LLaMA-style), <see cref="OpKind.LatentAttention"/> (MLA) or
    /// <see cref="OpKind.ExpertMatMul"/> (MoE); every node of such a case is checked with its own op's tolerance.
    /// </summary>
    public OpKind Op { get; }

    /// <summary>
    /// The dtype of the case's weight operand (the MatMul, HeadMatMul or ExpertMatMul weight, the GetRows table, the
    /// RmsNorm weight, the MoeRoute bias), or null when it has none.
    /// </summary>
    public DType? WeightType { get; }

    /// <summary>What the case exercises, in words.</summary>
    public string Description { get; }

    /// <summary>
    /// The relative tolerance of <see cref="Op"/> with <see cref="WeightType"/>: a value passes when
    /// |backend - reference| is at most this times the op's magnitude m (plus a tiny absolute floor). See
    /// <see cref="ConformanceResult.MaxRelError"/> and docs/conformance.md for m per op.
    /// </summary>
    public double RelativeTolerance => ToleranceModel.For(Op, WeightType).Relative;

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Builds this case's graph and data; the caller disposes it (it owns the weights' native memory).</summary>
    internal CaseSetup CreateSetup()
    {
        var setup = new CaseSetup(SeededRandom.SeedOf(Name));
        try
        {
            _build(setup);
            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }
}
