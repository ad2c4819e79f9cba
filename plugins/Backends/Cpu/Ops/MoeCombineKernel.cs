using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Kernels;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary><see cref="OpKind.MoeCombine"/>: out[t] = Σ_s routes[t, S + s] · y[t, s*D ..], one vector scale and S - 1 vector multiply-adds per token.</summary>
internal static unsafe class MoeCombineKernel
{
    /// <param name="s">Slots S per token.</param>
    /// <param name="y">Expert outputs [T, S*D].</param>
    /// <param name="routes">Route rows [T, 2S] (the weights are columns S..2S-1).</param>
    /// <param name="output">[T, D].</param>
    /// <param name="d">D.</param>
    /// <param name="tokens">T.</param>
    public static void Run(int s, ReadOnlySpan<float> y, ReadOnlySpan<float> routes, Span<float> output, int d, int tokens)
    {
        fixed (float* yp = y)
        fixed (float* outp = output)
        {
            for (int t = 0; t < tokens; t++)
            {
                float* row = outp + ((long)t * d);
                float* slots = yp + ((long)t * s * d);
                ReadOnlySpan<float> weights = routes.Slice((t * 2 * s) + s, s);
                ElementwiseOps.WithScalar<MultiplyOp>(new ReadOnlySpan<float>(slots, d), weights[0], new Span<float>(row, d));
                for (int slot = 1; slot < s; slot++)
                {
                    Reductions.MultiplyAdd(slots + ((long)slot * d), weights[slot], row, d);
                }
            }
        }
    }
}
