using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// What one expert device sees of a step while it runs an ExpertMatMul node: the step's context, except that the
/// node's routes are this device's masked copy (entries computed on other devices set to -1) and the thread count is
/// the device's share. Everything else, the expert store included, is the step context's.
/// </summary>
internal sealed class ExpertDeviceContext(int threads) : IExecutionContext
{
    private IExecutionContext _step = null!;
    private GraphTensor? _routes;
    private float[] _masked = [];

    /// <summary>Points this context at <paramref name="step"/>, with <paramref name="masked"/> standing in for <paramref name="routes"/>.</summary>
    public void Bind(IExecutionContext step, GraphTensor routes, float[] masked)
    {
        _step = step;
        _routes = routes;
        _masked = masked;
    }

    public StepBatch Batch => _step.Batch;

    public IKvCache KvCache => _step.KvCache;

    public int ThreadCount => threads;

    public CancellationToken CancellationToken => _step.CancellationToken;

    public IExpertWeights? ExpertWeights => _step.ExpertWeights;

    public int Rows(GraphTensor tensor) => _step.Rows(tensor);

    public Span<float> GetF32(GraphTensor tensor) =>
        ReferenceEquals(tensor, _routes) ? _masked.AsSpan(0, checked(_step.Rows(tensor) * (int)tensor.Columns)) : _step.GetF32(tensor);

    public ReadOnlySpan<int> GetI32(GraphTensor tensor) => _step.GetI32(tensor);
}
