using LlmFramework.Backends.Cpu.Kernels;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// One single-threaded matmul and an input and output scratch per worker, for work that runs a whole small matmul on
/// each thread (one expert or one head per thread). Grows with the thread count, never per step.
/// </summary>
internal sealed unsafe class WorkerMatMuls
{
    private MatMulWork[] _matMuls = [];
    private ScratchBuffer[] _xs = [];
    private ScratchBuffer[] _ys = [];

    /// <summary>Makes sure there is a set for each of <paramref name="threads"/> workers.</summary>
    public void Ensure(int threads)
    {
        if (_matMuls.Length < threads)
        {
            _matMuls = [.. Enumerable.Range(0, threads).Select(_ => new MatMulWork())];
            _xs = [.. Enumerable.Range(0, threads).Select(_ => new ScratchBuffer())];
            _ys = [.. Enumerable.Range(0, threads).Select(_ => new ScratchBuffer())];
        }
    }

    /// <summary>
    /// Grows every worker's matmul and scratches for single-threaded runs of up to <paramref name="rows"/> rows of K =
    /// <paramref name="k"/> into N = <paramref name="n"/> with <paramref name="type"/> weights, on the calling thread: any
    /// worker may take any head or expert, so each is ready for all of them and steady steps allocate nothing.
    /// </summary>
    public void Reserve(int threads, Abstractions.Tensors.DType type, int n, int k, int rows)
    {
        Ensure(threads);
        for (int w = 0; w < threads; w++)
        {
            _matMuls[w].Reserve(type, k, rows);
            _ = _xs[w].Get((long)rows * k);
            _ = _ys[w].Get((long)rows * n);
        }
    }

    /// <summary>Worker <paramref name="worker"/>'s matmul.</summary>
    public MatMulWork MatMul(int worker) => _matMuls[worker];

    /// <summary>Worker <paramref name="worker"/>'s input scratch.</summary>
    public ScratchBuffer X(int worker) => _xs[worker];

    /// <summary>Worker <paramref name="worker"/>'s output scratch.</summary>
    public ScratchBuffer Y(int worker) => _ys[worker];
}
