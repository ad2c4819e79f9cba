using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.ExpertMatMul"/>: the step's (token, slot) pairs are grouped per expert (<see cref="ExpertBatches"/>,
/// a counting sort); for each expert with pairs, their input rows (x's row of the token, or its slot's K columns)
/// are gathered into a contiguous scratch, one <see cref="MatMulWork"/> run multiplies them by the expert's N rows of
/// the stacked weight, and the outputs are scattered to y[t, s*N ..]. Experts that receive no tokens cost nothing.
/// </summary>
internal sealed unsafe class ExpertMatMulKernel(MatMulWork matMul)
{
    private readonly ExpertBatches _batches = new();
    private readonly ScratchBuffer _x = new();
    private readonly ScratchBuffer _y = new();
    private readonly ExpertsInParallel _parallel = new();

    /// <summary>Batches of at most this many rows per expert run one expert per thread instead of splitting each expert's matmul.</summary>
    private const int ExpertPerThreadRows = 4;

    /// <param name="pool">The backend's workers.</param>
    /// <param name="threads">Threads to use.</param>
    /// <param name="node">The ExpertMatMul node (its weight is bound).</param>
    /// <param name="x">x [T, K] or [T, S*K].</param>
    /// <param name="routes">Route rows [T, 2S].</param>
    /// <param name="y">y [T, S*N].</param>
    /// <param name="tokens">T.</param>
    /// <param name="finiteF16">For F16 weights: they hold no infinity or NaN.</param>
    public void Run(WorkerPool pool, int threads, GraphNode node, ReadOnlySpan<float> x, ReadOnlySpan<float> routes, Span<float> y, int tokens, bool finiteF16, IExpertWeights? experts = null)
    {
        ExpertMatMulParams p = node.GetParams<ExpertMatMulParams>();
        WeightTensor w = Weight(node);
        int s = p.ExpertsPerToken;
        int k = checked((int)w.Columns);
        int n = checked((int)(w.Rows / p.ExpertCount));
        bool xPerSlot = node.Inputs[0].Columns == (long)s * k;
        _batches.Build(routes, tokens, p.ExpertCount, s);
        if (_batches.LargestBatch == 0 || n == 0)
        {
            return;
        }

        if (threads > 1 && _batches.LargestBatch <= ExpertPerThreadRows)
        {
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                _parallel.Prepare(pool, threads, _batches, node, experts, n, k, s, xPerSlot, xp, yp, finiteF16);
                if (_parallel.ExpertsWithTokens >= threads)
                {
                    pool.Run(_parallel, threads);
                    return;
                }
            }
        }

        float* xs = _x.Get((long)_batches.LargestBatch * k);
        float* ys = _y.Get((long)_batches.LargestBatch * n);
        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            for (int e = 0; e < p.ExpertCount; e++)
            {
                ReadOnlySpan<int> entries = _batches.EntriesOf(e);
                if (entries.IsEmpty)
                {
                    continue;
                }

                Gather(entries, xp, xs, k, s, xPerSlot);

                byte* rows = ExpertRows(node, e, experts, out DType type);
                matMul.Run(pool, threads, rows, type, n, k, xs, entries.Length, ys, finiteF16 || type != DType.F16);
                Scatter(entries, ys, yp, n);
            }
        }
    }

    /// <summary>Copies the input rows of one expert's entries (token rows, or token slots) into contiguous <paramref name="xs"/>.</summary>
    internal static void Gather(ReadOnlySpan<int> entries, float* x, float* xs, int k, int s, bool xPerSlot)
    {
        for (int i = 0; i < entries.Length; i++)
        {
            long row = xPerSlot ? entries[i] : entries[i] / s;
            Buffer.MemoryCopy(x + (row * k), xs + ((long)i * k), (long)k * sizeof(float), (long)k * sizeof(float));
        }
    }

    /// <summary>Copies one expert's contiguous output rows <paramref name="ys"/> to their (token, slot) rows of <paramref name="y"/>.</summary>
    internal static void Scatter(ReadOnlySpan<int> entries, float* ys, float* y, int n)
    {
        for (int i = 0; i < entries.Length; i++)
        {
            Buffer.MemoryCopy(ys + ((long)i * n), y + ((long)entries[i] * n), (long)n * sizeof(float), (long)n * sizeof(float));
        }
    }

    /// <summary>
    /// Where the N weight rows of <paramref name="expert"/> are, and their type: the engine's expert store when the step
    /// has one (a cold expert may be in a staging copy, a resident one in a compact format), else rows e*N .. e*N+N-1 of
    /// the stacked weight, in place.
    /// </summary>
    internal static byte* ExpertRows(GraphNode node, int expert, IExpertWeights? experts, out DType type)
    {
        WeightTensor w = Weight(node);
        if (experts is not null)
        {
            return experts.LocateRows(w, node.GetParams<ExpertMatMulParams>().MoeLayer, expert, out type);
        }

        type = w.Type;
        long rowsPerExpert = w.Rows / node.GetParams<ExpertMatMulParams>().ExpertCount;
        return w.Data + (expert * rowsPerExpert * w.RowBytes);
    }

    private static WeightTensor Weight(GraphNode node) =>
        node.Inputs[2].Weight ?? throw new NotSupportedException($"ExpertMatMul: '{node.Inputs[2].Name}' is not a bound weight");
}
