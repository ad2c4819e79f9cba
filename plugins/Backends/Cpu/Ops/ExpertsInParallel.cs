using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// The experts of one ExpertMatMul spread over the threads, each expert's matmul on one thread with its own scratch
/// (for decode-sized batches: a few rows per expert, where splitting one small matmul over threads costs more in
/// synchronisation than it saves). Each (token, slot) entry belongs to one expert, so workers write disjoint rows.
/// Each worker asks the step's <see cref="IExpertWeights"/> for its expert's rows itself, so the copies of cold experts
/// from storage spread over the threads and overlap other experts' matmuls; those experts are queued first, so a long
/// copy does not end the node on one thread while the others wait.
/// </summary>
internal sealed unsafe class ExpertsInParallel : ParallelWork
{
    private readonly WorkerMatMuls _workers = new();
    private int[] _experts = [];
    private int _expertCount;
    private int _next;
    private ExpertBatches _batches = null!;
    private GraphNode _node = null!;
    private IExpertWeights? _source;
    private WorkerPool _pool = null!;
    private int _n;
    private int _k;
    private int _s;
    private bool _xPerSlot;
    private bool _finiteF16;
    private float* _x;
    private float* _y;

    /// <summary>The experts with tokens in <paramref name="batches"/>: those whose rows must first be copied from storage, then the rest.</summary>
    public void Prepare(WorkerPool pool, int threads, ExpertBatches batches, GraphNode node, IExpertWeights? source, int n, int k, int s, bool xPerSlot, float* x, float* y, bool finiteF16)
    {
        int expertCount = node.GetParams<ExpertMatMulParams>().ExpertCount;
        // Stored rows, or a compact copy (block-quantised: Q8 activations as for Q8_0).
        WeightTensor stored = node.Inputs[2].Weight!;
        _workers.Reserve(threads, stored.Type, n, k, batches.LargestBatch);
        _workers.Reserve(threads, DType.Q8_0, n, k, batches.LargestBatch);

        if (_experts.Length < expertCount)
        {
            _experts = new int[expertCount];
        }

        _expertCount = 0;
        WeightTensor? stacked = source is null ? null : node.Inputs[2].Weight;
        int moeLayer = node.GetParams<ExpertMatMulParams>().MoeLayer;
        for (int pass = stacked is null ? 1 : 0; pass < 2; pass++)
        {
            for (int e = 0; e < expertCount; e++)
            {
                if (batches.CountOf(e) > 0 && (stacked is null || source!.NeedsLoad(stacked, moeLayer, e) == (pass == 0)))
                {
                    _experts[_expertCount++] = e;
                }
            }
        }

        _batches = batches;
        _node = node;
        _source = source;
        _pool = pool;
        _n = n;
        _k = k;
        _s = s;
        _xPerSlot = xPerSlot;
        _x = x;
        _y = y;
        _finiteF16 = finiteF16;
        _next = 0;
    }

    /// <summary>Experts that have tokens this step.</summary>
    public int ExpertsWithTokens => _expertCount;

    /// <inheritdoc />
    public override void Run(int worker, int workerCount)
    {
        float* xs = _workers.X(worker).Get((long)_batches.LargestBatch * _k);
        float* ys = _workers.Y(worker).Get((long)_batches.LargestBatch * _n);
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _expertCount)
        {
            ReadOnlySpan<int> entries = _batches.EntriesOf(_experts[i]);
            byte* rows = ExpertMatMulKernel.ExpertRows(_node, _experts[i], _source, out DType type);
            ExpertMatMulKernel.Gather(entries, _x, xs, _k, _s, _xPerSlot);

            // One thread: MatMulWork runs it inline without touching the pool.
            _workers.MatMul(worker).Run(_pool, 1, rows, type, _n, _k, xs, entries.Length, ys, _finiteF16 || type != DType.F16);
            ExpertMatMulKernel.Scatter(entries, ys, _y, _n);
        }
    }
}
