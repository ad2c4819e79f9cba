using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.Rope"/>: copies x, then rotates the first RotaryDim values of every head. cos/sin of p·f_i
/// (computed in double, as the reference does, then scaled by the attention factor) are tabulated per token and
/// kept: every layer of a step rotates the same positions with the same frequencies, so the table is built once per
/// step. NeoX pairs (i, i + d/2) rotate with plain vectors; interleaved pairs (2i, 2i+1) use duplicated cos and
/// sign-alternating sin tables with a pair swap.
/// </summary>
internal sealed class RopeKernel
{
    private float[] _cos = [];
    private float[] _sin = [];
    private float[] _cosPairs = [];
    private float[] _sinPairs = [];
    private int[] _positions = [];
    private int _tokens = -1;
    private float[]? _frequencies;
    private float _factor;
    private int _half;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(RopeParams p, ReadOnlySpan<float> x, ReadOnlySpan<int> positions, Span<float> y, int tokens)
    {
        int half = p.RotaryDim / 2;
        int cols = p.HeadCount * p.HeadDim;
        EnsureTables(p, positions[..tokens], half);
        x[..(tokens * cols)].CopyTo(y);
        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                int head = (t * cols) + (h * p.HeadDim);
                if (p.Style == RopeStyle.NeoX)
                {
                    RotateHalves(x.Slice(head, p.RotaryDim), y.Slice(head, p.RotaryDim), _cos.AsSpan(t * half, half), _sin.AsSpan(t * half, half));
                }
                else
                {
                    RotatePairs(x.Slice(head, p.RotaryDim), y.Slice(head, p.RotaryDim), _cosPairs.AsSpan(t * 2 * half, 2 * half), _sinPairs.AsSpan(t * 2 * half, 2 * half));
                }
            }
        }
    }

    /// <summary>y[i] = x[i]·cos − x[i+h]·sin, y[i+h] = x[i]·sin + x[i+h]·cos.</summary>
    private static void RotateHalves(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = cos.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= half - 8; i += 8)
            {
                var x0 = Vector256.Create(x.Slice(i, 8));
                var x1 = Vector256.Create(x.Slice(i + half, 8));
                var c = Vector256.Create(cos.Slice(i, 8));
                var s = Vector256.Create(sin.Slice(i, 8));
                ((x0 * c) - (x1 * s)).CopyTo(y.Slice(i, 8));
                ((x0 * s) + (x1 * c)).CopyTo(y.Slice(i + half, 8));
            }
        }

        for (; i < half; i++)
        {
            float x0 = x[i], x1 = x[i + half];
            y[i] = (x0 * cos[i]) - (x1 * sin[i]);
            y[i + half] = (x0 * sin[i]) + (x1 * cos[i]);
        }
    }

    /// <summary>y = x·[c0,c0,c1,c1,..] + swap(x)·[−s0,s0,−s1,s1,..], swap exchanging the members of each pair.</summary>
    private static void RotatePairs(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> cosPairs, ReadOnlySpan<float> sinPairs)
    {
        int n = cosPairs.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Create(x.Slice(i, 8));
                ((v * Vector256.Create(cosPairs.Slice(i, 8))) + (Vector256.Shuffle(v, swap) * Vector256.Create(sinPairs.Slice(i, 8)))).CopyTo(y.Slice(i, 8));
            }
        }

        for (; i < n; i += 2)
        {
            float x0 = x[i], x1 = x[i + 1];
            y[i] = (x0 * cosPairs[i]) + (x1 * sinPairs[i]);
            y[i + 1] = (x1 * cosPairs[i + 1]) + (x0 * sinPairs[i + 1]);
        }
    }

    private void EnsureTables(RopeParams p, ReadOnlySpan<int> positions, int half)
    {
        int tokens = positions.Length;
        if (ReferenceEquals(_frequencies, p.InverseFrequencies) && _factor == p.AttentionFactor && _half == half
            && _tokens == tokens && positions.SequenceEqual(_positions.AsSpan(0, tokens)))
        {
            return;
        }

        if (_cos.Length < tokens * half)
        {
            int capacity = Math.Max(tokens * half, _cos.Length * 2);
            _cos = new float[capacity];
            _sin = new float[capacity];
            _cosPairs = new float[2 * capacity];
            _sinPairs = new float[2 * capacity];
        }

        if (_positions.Length < tokens)
        {
            _positions = new int[Math.Max(tokens, _positions.Length * 2)];
        }

        for (int t = 0; t < tokens; t++)
        {
            for (int i = 0; i < half; i++)
            {
                (double sin, double cos) = Math.SinCos(positions[t] * (double)p.InverseFrequencies[i]);
                float c = (float)(cos * p.AttentionFactor), s = (float)(sin * p.AttentionFactor);
                int k = (t * half) + i;
                _cos[k] = c;
                _sin[k] = s;
                _cosPairs[2 * k] = c;
                _cosPairs[(2 * k) + 1] = c;
                _sinPairs[2 * k] = -s;
                _sinPairs[(2 * k) + 1] = s;
            }
        }

        positions.CopyTo(_positions);
        _tokens = tokens;
        _frequencies = p.InverseFrequencies;
        _factor = p.AttentionFactor;
        _half = half;
    }
}
