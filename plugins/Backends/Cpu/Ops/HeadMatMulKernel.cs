using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.HeadMatMul"/>: one <see cref="MatMulWork"/> run per head on the head's N rows of the weight, used
/// in place. With one row (decode) or one head the head's slices of x and y are plain strided matrices the matmul
/// reads and writes directly; otherwise each head's K columns of every row are gathered into a contiguous scratch
/// first and its N outputs scattered back.
/// </summary>
internal sealed unsafe class HeadMatMulKernel(MatMulWork matMul)
{
    private readonly ScratchBuffer _x = new();
    private readonly ScratchBuffer _y = new();

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

                for (int r = 0; r < rows; r++)
                {
                    Buffer.MemoryCopy(xp + ((((long)r * heads) + h) * k), xs + ((long)r * k), (long)k * sizeof(float), (long)k * sizeof(float));
                }

                matMul.Run(pool, threads, weights, w.Type, n, k, xs, rows, ys, finiteF16);
                for (int r = 0; r < rows; r++)
                {
                    Buffer.MemoryCopy(ys + ((long)r * n), yp + ((((long)r * heads) + h) * n), (long)n * sizeof(float), (long)n * sizeof(float));
                }
            }
        }
    }
}
