using LlmFramework.Backends.Cpu.Kernels;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// One single-threaded matmul and an input and output scratch per worker, for work that runs a whole small matmul on
/// each thread (one expert or one head per thread). Grows with the thread count, never per step.
/// </summary>
internal sealed class WorkerMatMuls
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

    /// <summary>Worker <paramref name="worker"/>'s matmul.</summary>
    public MatMulWork MatMul(int worker) => _matMuls[worker];

    /// <summary>Worker <paramref name="worker"/>'s input scratch.</summary>
    public ScratchBuffer X(int worker) => _xs[worker];

    /// <summary>Worker <paramref name="worker"/>'s output scratch.</summary>
    public ScratchBuffer Y(int worker) => _ys[worker];
}
