using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// F16 → F32 for every one of the 65536 bit patterns (256 KiB, allocated once per process). Block scales of the
/// quantised types are F16; .NET exposes no F16C conversion, so a table lookup (as ggml does without F16C) is the
/// cheapest scalar conversion, and the scales of one tensor touch only a few cache lines of it.
/// </summary>
internal static unsafe class HalfTable
{
    /// <summary>
    /// The table. Kernels copy this pointer into a local before their loops: reading the static inside a loop keeps a
    /// class-initialisation check there, which makes the JIT spill vector registers around it.
    /// </summary>
    public static readonly float* Values = Build();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => Values[bits];

    private static float* Build()
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int i = 0; i < 65536; i++)
        {
            table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        }

        return table;
    }
}
