using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.HeadMatMul"/>: one <see cref="MatMulWork"/> run per head on the head's N rows of the weight, used
/// in place. With one row (decode) or one head the head's slices of x and y are plain strided matrices the matmul
/// reads and writes directly; otherwise each head's K columns of every row are gathered into a contiguous scratch
/// first and its N outputs scattered back. Decode-sized steps with at least as many heads as threads run one head per
/// thread instead (<see cref="HeadsInParallel"/>).
/// </summary>
internal sealed unsafe class HeadMatMulKernel(MatMulWork matMul)
{
    private readonly ScratchBuffer _x = new();
    private readonly ScratchBuffer _y = new();
    private readonly HeadsInParallel _parallel = new();

    /// <summary>Steps of at most this many rows run one head per thread instead of splitting each head's matmul.</summary>
    private const int HeadPerThreadRows = 4;

    /// <param name="pool">The backend's workers.</param>
    /// <param name="threads">Threads to use.</param>
    /// <param name="node">The HeadMatMul node (its weight is bound).</param>
    /// <param name="x">x [R, H*K].</param>
    /// <param name="y">y [R, H*N].</param>
    /// <param name="rows">R.</param>
    /// <param name="finiteF16">For F16 weights: they hold no infinity or NaN.</param>
    public void Run(WorkerPool pool, int threads, GraphNode node, ReadOnlySpan<float> x, Span<float> y, int rows, bool finiteF16)
    {
        int heads = node.GetParams<HeadMatMulParams>().HeadCount;
        WeightTensor w = node.Inputs[1].Weight ?? throw new NotSupportedException($"HeadMatMul: '{node.Inputs[1].Name}' is not a bound weight");
        int k = checked((int)w.Columns);
        int n = checked((int)(w.Rows / heads));
        if (node.Inputs[0].Columns != (long)heads * k || w.Rows % heads != 0)
        {
            throw new InvalidOperationException($"HeadMatMul: x has {node.Inputs[0].Columns} columns and '{w.Name}' is [{w.Rows}, {k}]; {heads} heads do not fit");
        }

        if (rows == 0)
        {
            return;
        }

        if (threads > 1 && heads >= threads && rows <= HeadPerThreadRows)
        {
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                _parallel.Prepare(pool, threads, w, heads, n, k, xp, rows, yp, finiteF16);
                pool.Run(_parallel, threads);
            }

            return;
        }

        bool inPlace = rows == 1 || heads == 1;
        float* xs = inPlace ? null : _x.Get((long)rows * k);
        float* ys = inPlace ? null : _y.Get((long)rows * n);
        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            for (int h = 0; h < heads; h++)
            {
                byte* weights = w.Data + ((long)h * n * w.RowBytes);
                if (inPlace)
                {
                    matMul.Run(pool, threads, weights, w.Type, n, k, xp + ((long)h * k), rows, yp + ((long)h * n), finiteF16);
                    continue;
                }

                GatherHead(xp, xs, rows, heads, h, k);
                matMul.Run(pool, threads, weights, w.Type, n, k, xs, rows, ys, finiteF16);
                ScatterHead(ys, yp, rows, heads, h, n);
            }
        }
    }

    /// <summary>Copies head <paramref name="h"/>'s K columns of every row of x [R, H*K] into contiguous <paramref name="xs"/> [R, K].</summary>
    internal static void GatherHead(float* x, float* xs, int rows, int heads, int h, int k)
    {
        for (int r = 0; r < rows; r++)
        {
            Buffer.MemoryCopy(x + ((((long)r * heads) + h) * k), xs + ((long)r * k), (long)k * sizeof(float), (long)k * sizeof(float));
        }
    }

    /// <summary>Copies contiguous <paramref name="ys"/> [R, N] into head <paramref name="h"/>'s N columns of y [R, H*N].</summary>
    internal static void ScatterHead(float* ys, float* y, int rows, int heads, int h, int n)
    {
        for (int r = 0; r < rows; r++)
        {
            Buffer.MemoryCopy(ys + ((long)r * n), y + ((((long)r * heads) + h) * n), (long)n * sizeof(float), (long)n * sizeof(float));
        }
    }
}
