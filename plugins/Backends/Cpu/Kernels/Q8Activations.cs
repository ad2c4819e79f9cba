using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// Activation rows quantised to 8 bits in blocks of 32 (as ggml quantises x to Q8 before a quantised matmul):
/// per block a scale d = max|x|/127 rounded to F16 (ggml stores the activation's Q8_0 scale as F16; matching it keeps
/// results close to llama.cpp's), 32 signed levels round(x·127/max) to nearest even, and the sum of the quantised values
/// d·Σlevels (the Q4_0 offset and Q4_K mins are applied to it, so they cancel exactly as in the signed form). Buffers are pinned, owned by the backend and grown on demand.
/// </summary>
internal sealed unsafe class Q8Activations
{
    private sbyte[] _levels = [];
    private float[] _scales = [];
    private float[] _sums = [];

    /// <summary>Levels, row-major (row r starts at r * K).</summary>
    public sbyte* Levels { get; private set; }

    /// <summary>Block scales (row r starts at r * K / 32).</summary>
    public float* Scales { get; private set; }

    /// <summary>Block sums of the quantised values (d·Σlevels), laid out as <see cref="Scales"/>.</summary>
    public float* Sums { get; private set; }

    /// <summary>Grows the buffers to hold <paramref name="rows"/> rows of <paramref name="k"/> values now, so a later <see cref="Quantize"/> of that size allocates nothing.</summary>
    public void Reserve(int rows, int k) => Ensure(rows * (k / 32));

    /// <summary>Quantises <paramref name="rows"/> rows of <paramref name="k"/> values (k a multiple of 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Quantize(float* x, int rows, int k)
    {
        int blocks = rows * (k / 32);
        Ensure(blocks);
        for (int b = 0; b < blocks; b++)
        {
            QuantizeBlock(x + (b * 32), Levels + (b * 32), out Scales[b], out Sums[b]);
        }
    }

    private static void QuantizeBlock(float* x, sbyte* q, out float scale, out float sum)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> v0 = Vector256.Load(x), v1 = Vector256.Load(x + 8), v2 = Vector256.Load(x + 16), v3 = Vector256.Load(x + 24);
            Vector256<float> amax = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
            float max = 0;
            for (int j = 0; j < 8; j++)
            {
                max = MathF.Max(max, amax.GetElement(j));
            }

            scale = (float)(Half)(max / 127f);
            var inverse = Vector256.Create(max != 0 ? 127f / max : 0f);
            Vector256<int> i0 = Vector256.ConvertToInt32(Vector256.Round(v0 * inverse));
            Vector256<int> i1 = Vector256.ConvertToInt32(Vector256.Round(v1 * inverse));
            Vector256<int> i2 = Vector256.ConvertToInt32(Vector256.Round(v2 * inverse));
            Vector256<int> i3 = Vector256.ConvertToInt32(Vector256.Round(v3 * inverse));
            Vector256<short> s01 = Vector256.Narrow(i0, i1);
            Vector256<short> s23 = Vector256.Narrow(i2, i3);
            Vector256.Narrow(s01, s23).Store(q);
            sum = scale * Vector256.Sum((i0 + i1) + (i2 + i3));
            return;
        }

        float m = 0;
        for (int j = 0; j < 32; j++)
        {
            m = MathF.Max(m, MathF.Abs(x[j]));
        }

        float id = m != 0 ? 127f / m : 0f;
        int levels = 0;
        for (int j = 0; j < 32; j++)
        {
            q[j] = (sbyte)(int)MathF.Round(x[j] * id);
            levels += q[j];
        }

        scale = (float)(Half)(m / 127f);
        sum = scale * levels;
    }

    private void Ensure(int blocks)
    {
        if (_scales.Length >= blocks)
        {
            return;
        }

        int capacity = Math.Max(blocks, _scales.Length * 2);
        _levels = GC.AllocateUninitializedArray<sbyte>(capacity * 32, pinned: true);
        _scales = GC.AllocateUninitializedArray<float>(capacity, pinned: true);
        _sums = GC.AllocateUninitializedArray<float>(capacity, pinned: true);
        fixed (sbyte* l = _levels)
        {
            Levels = l;
        }

        fixed (float* s = _scales)
        {
            Scales = s;
        }

        fixed (float* s = _sums)
        {
            Sums = s;
        }
    }
}
