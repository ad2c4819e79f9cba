using System.Runtime.CompilerServices;

namespace LlmFramework.Quantization;

/// <summary>
/// The scale searches of ggml's reference k-quant quantisers (make_qkx2_quants for the scale+min types,
/// make_qx_quants for the symmetric ones), written from the published algorithm. All arithmetic is in
/// single precision in the same order as the reference so the chosen levels match it.
/// </summary>
internal static class QuantSearch
{
    /// <summary>Below this magnitude a group is treated as all zeros.</summary>
    public const float GroupMaxEps = 1e-15f;

    /// <summary>Round to nearest, ties to even (what ggml's nearest_int computes with its 1.5*2^23 trick).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float value) => (int)MathF.Round(value, MidpointRounding.ToEven);

    /// <summary>
    /// Fits x ≈ scale * L - min with L in [0, nmax] minimising the weighted squared error, trying
    /// <paramref name="steps"/>+1 candidate inverse scales around nmax/(max-min). Returns the scale; writes
    /// the (non-negative) min to <paramref name="theMin"/> and the levels to <paramref name="levels"/>.
    /// </summary>
    public static float MakeQkx2Quants(
        int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<byte> levels, out float theMin,
        Span<byte> scratch, float rmin, float rdelta, int steps)
    {
        int n = x.Length;
        float min = x[0];
        float max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            if (x[i] < min)
            {
                min = x[i];
            }

            if (x[i] > max)
            {
                max = x[i];
            }

            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }

        if (min > 0)
        {
            min = 0;
        }

        if (max == min)
        {
            levels[..n].Clear();
            theMin = -min;
            return 0;
        }

        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = NearestInt(iscale * (x[i] - min));
            levels[i] = (byte)Math.Clamp(l, 0, nmax);
            float diff = (scale * levels[i]) + min - x[i];
            bestError += weights[i] * (diff * diff);
        }

        for (int step = 0; step <= steps; step++)
        {
            iscale = (rmin + (rdelta * step) + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
                scratch[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }

            float det = (sumW * sumL2) - (sumL * sumL);
            if (det > 0)
            {
                float thisScale = ((sumW * sumXL) - (sumX * sumL)) / det;
                float thisMin = ((sumL2 * sumX) - (sumL * sumXL)) / det;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }

                float error = 0;
                for (int i = 0; i < n; i++)
                {
                    float diff = (thisScale * scratch[i]) + thisMin - x[i];
                    error += weights[i] * (diff * diff);
                }

                if (error < bestError)
                {
                    scratch[..n].CopyTo(levels);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }

        theMin = -min;
        return scale;
    }

    /// <summary>
    /// Fits x ≈ scale * (L - nmax) with L - nmax in [-nmax, nmax-1], weights x² (ggml rmse_type 1), trying inverse
    /// scales -(nmax + 0.1*k)/max for k in -9..9. Writes the biased levels (0..2*nmax-1) and returns the scale
    /// (negative when the largest-magnitude value is positive, as in the reference).
    /// </summary>
    public static float MakeQxQuants(int nmax, ReadOnlySpan<float> x, Span<byte> levels)
    {
        int n = x.Length;
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax)
            {
                amax = ax;
                max = x[i];
            }
        }

        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0;
        }

        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
            levels[i] = (byte)(l + nmax);
            float w = x[i] * x[i];
            sumLX += w * x[i] * l;
            sumL2 += w * l * l;
        }

        float scale = sumL2 != 0 ? sumLX / sumL2 : 0;
        float best = scale * sumLX;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0)
            {
                continue;
            }

            iscale = -(nmax + (0.1f * step)) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
                float w = x[i] * x[i];
                sumLX += w * x[i] * l;
                sumL2 += w * l * l;
            }

            if (sumL2 > 0 && sumLX * sumLX > best * sumL2)
            {
                for (int i = 0; i < n; i++)
                {
                    int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
                    levels[i] = (byte)(l + nmax);
                }

                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }

        return scale;
    }
}
