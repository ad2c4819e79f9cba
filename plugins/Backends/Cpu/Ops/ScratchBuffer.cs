using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// A float buffer a kernel owns: pinned (its address never moves, so kernels take pointers without <c>fixed</c>) and
/// grown when a step needs more, never shrunk, so steady-state steps allocate nothing.
/// </summary>
internal sealed unsafe class ScratchBuffer
{
    private float[] _values = [];

    /// <summary>At least <paramref name="count"/> floats (contents undefined), valid until the next call.</summary>
    public float* Get(long count)
    {
        if (_values.Length < count)
        {
            _values = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(count, 2L * _values.Length)), pinned: true);
        }

        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_values));
    }
}
