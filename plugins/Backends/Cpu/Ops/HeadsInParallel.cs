using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// The heads of one HeadMatMul spread over the threads, each head's matmul on one thread (for decode-sized steps: a
/// head's matmul is a few thousand multiply-adds per row, so splitting it over threads costs more in synchronisation
/// than it saves, and one pool run per head adds up to a dispatch per head). With one row a head's slices of x and y
/// are used in place; otherwise each worker gathers its head's columns into its own scratch and scatters the outputs.
/// </summary>
internal sealed unsafe class HeadsInParallel : ParallelWork
{
    private readonly WorkerMatMuls _workers = new();
    private int _next;
    private WorkerPool _pool = null!;
    private WeightTensor _w = null!;
    private int _heads;
    private int _n;
    private int _k;
    private int _rows;
    private bool _finiteF16;
    private float* _x;
    private float* _y;

    /// <summary>Sets up one node's run over <paramref name="threads"/> workers.</summary>
    public void Prepare(WorkerPool pool, int threads, WeightTensor w, int heads, int n, int k, float* x, int rows, float* y, bool finiteF16)
    {
        _workers.Reserve(threads, w.Type, n, k, rows);

        (_pool, _w, _heads, _n, _k, _rows, _finiteF16) = (pool, w, heads, n, k, rows, finiteF16);
        _x = x;
        _y = y;
        _next = 0;
    }

    /// <inheritdoc />
    public override void Run(int worker, int workerCount)
    {
        bool inPlace = _rows == 1;
        float* xs = inPlace ? null : _workers.X(worker).Get((long)_rows * _k);
        float* ys = inPlace ? null : _workers.Y(worker).Get((long)_rows * _n);
        int h;
        while ((h = Interlocked.Increment(ref _next) - 1) < _heads)
        {
            byte* weights = _w.Data + ((long)h * _n * _w.RowBytes);
            if (inPlace)
            {
                // One thread: MatMulWork runs it inline without touching the pool.
                _workers.MatMul(worker).Run(_pool, 1, weights, _w.Type, _n, _k, _x + ((long)h * _k), 1, _y + ((long)h * _n), _finiteF16);
                continue;
            }

            HeadMatMulKernel.GatherHead(_x, xs, _rows, _heads, h, _k);
            _workers.MatMul(worker).Run(_pool, 1, weights, _w.Type, _n, _k, xs, _rows, ys, _finiteF16);
            HeadMatMulKernel.ScatterHead(ys, _y, _rows, _heads, h, _n);
        }
    }
}
