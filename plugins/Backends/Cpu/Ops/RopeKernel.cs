using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.Rope"/>: copies x, then rotates the first RotaryDim values of every head. cos/sin of
/// p·f_i are computed once per token (in double, as the reference) into a scratch table and shared by all heads.
/// </summary>
internal sealed class RopeKernel
{
    private float[] _cos = [];
    private float[] _sin = [];

    public void Run(RopeParams p, ReadOnlySpan<float> x, ReadOnlySpan<int> positions, Span<float> y, int tokens)
    {
        int half = p.RotaryDim / 2;
        if (_cos.Length < half)
        {
            _cos = new float[half];
            _sin = new float[half];
        }

        int cols = p.HeadCount * p.HeadDim;
        x[..(tokens * cols)].CopyTo(y);
        for (int t = 0; t < tokens; t++)
        {
            for (int i = 0; i < half; i++)
            {
                (double sin, double cos) = Math.SinCos(positions[t] * (double)p.InverseFrequencies[i]);
                _cos[i] = (float)(cos * p.AttentionFactor);
                _sin[i] = (float)(sin * p.AttentionFactor);
            }

            for (int h = 0; h < p.HeadCount; h++)
            {
                int head = (t * cols) + (h * p.HeadDim);
                if (p.Style == RopeStyle.Interleaved)
                {
                    for (int i = 0; i < half; i++)
                    {
                        float x0 = x[head + (2 * i)], x1 = x[head + (2 * i) + 1];
                        y[head + (2 * i)] = (x0 * _cos[i]) - (x1 * _sin[i]);
                        y[head + (2 * i) + 1] = (x0 * _sin[i]) + (x1 * _cos[i]);
                    }
                }
                else
                {
                    for (int i = 0; i < half; i++)
                    {
                        float x0 = x[head + i], x1 = x[head + i + half];
                        y[head + i] = (x0 * _cos[i]) - (x1 * _sin[i]);
                        y[head + i + half] = (x0 * _sin[i]) + (x1 * _cos[i]);
                    }
                }
            }
        }
    }
}
