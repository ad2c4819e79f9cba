using System.Runtime.Intrinsics;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Threading;
using LlmFramework.Quantization;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>Kernel building blocks: F16/BF16 widening over every bit pattern, the reductions over many lengths, the worker pool.</summary>
public sealed unsafe class KernelTests
{
    [Fact]
    public void F16_widening_is_exact_for_every_bit_pattern()
    {
        var halves = new ushort[65536 + 7];
        for (int i = 0; i < halves.Length; i++)
        {
            halves[i] = (ushort)i;
        }

        var floats = new float[halves.Length];
        fixed (ushort* h = halves)
        fixed (float* f = floats)
        {
            HalfVectors.ToSingle(h, f, halves.Length, isBf16: false);
        }

        for (int i = 0; i < halves.Length; i++)
        {
            float expected = HalfConversion.HalfToSingle(halves[i]);
            AssertSameFloat(expected, floats[i], halves[i]);
            AssertSameFloat(expected, HalfVectors.HalfToSingle(halves[i]), halves[i]);
        }
    }

    private static void AssertSameFloat(float expected, float actual, ushort half) =>
        Assert.True(
            BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)),
            $"half 0x{half:X4}: got {actual}, expected {expected}");

    [Fact]
    public void Finite_f16_dot_matches_the_general_one_and_the_scan_finds_specials()
    {
        var halves = new ushort[300];
        for (int i = 0; i < halves.Length; i++)
        {
            halves[i] = (ushort)((i * 997) & 0xFBFF); // exponent never 31
        }

        float[] x = Support.Data.Gaussian(halves.Length, seed: 4);
        fixed (ushort* h = halves)
        fixed (float* px = x)
        {
            Assert.False(HalfVectors.HasInfinityOrNaN(h, halves.Length));
            for (int n = 0; n <= halves.Length; n += 7)
            {
                Assert.Equal(HalfVectors.Dot(h, px, n, isBf16: false), HalfVectors.DotFiniteF16(h, px, n));
            }

            halves[257] = 0xFC00; // -inf
            Assert.True(HalfVectors.HasInfinityOrNaN(h, halves.Length));
            Assert.False(HalfVectors.HasInfinityOrNaN(h, 257));
            halves[257] = 0x7E01; // NaN in the scalar tail
            Assert.True(HalfVectors.HasInfinityOrNaN(h, 258));
        }
    }

    [Fact]
    public void Bf16_widening_is_a_shift()
    {
        ushort[] values = [0x3F80, 0xC049, 0x7F80, 0x0001, 0x8000, 0x4000, 0x1234, 0xABCD, 0x7FC0];
        var floats = new float[values.Length];
        fixed (ushort* h = values)
        fixed (float* f = floats)
        {
            HalfVectors.ToSingle(h, f, values.Length, isBf16: true);
        }

        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal((uint)values[i] << 16, BitConverter.SingleToUInt32Bits(floats[i]));
        }
    }

    [Fact]
    public void Reductions_match_double_loops_for_every_length_up_to_200()
    {
        for (int n = 0; n <= 200; n++)
        {
            float[] a = Support.Data.Gaussian(n, seed: n);
            float[] b = Support.Data.Gaussian(n, seed: n + 500);
            double dot = 0, magnitude = 0, max = double.NegativeInfinity, sum = 0, sumAbs = 0;
            for (int i = 0; i < n; i++)
            {
                dot += (double)a[i] * b[i];
                magnitude += Math.Abs((double)a[i] * b[i]);
                max = Math.Max(max, a[i]);
                sum += a[i];
                sumAbs += Math.Abs(a[i]);
            }

            fixed (float* pa = a)
            fixed (float* pb = b)
            {
                Assert.True(Math.Abs(Reductions.Dot(pa, pb, n) - dot) <= 1e-5 * magnitude + 1e-30, $"Dot n={n}");
                var y = (float[])b.Clone();
                fixed (float* py = y)
                {
                    Reductions.MultiplyAdd(pa, 0.5f, py, n);
                }

                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(MathF.FusedMultiplyAdd(a[i], 0.5f, b[i]), y[i], 1e-6f * (Math.Abs(a[i]) + Math.Abs(b[i])));
                }
            }

            Assert.Equal((float)max, Reductions.Max(a));
            Assert.True(Math.Abs(Reductions.Sum(a) - sum) <= 1e-5 * sumAbs + 1e-30, $"Sum n={n}");
        }
    }

    [Fact]
    public void Vector_exp_is_within_4_ulp_on_its_range_at_every_width()
    {
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.0137f)
        {
            double expected = Math.Exp(x);
            float[] got =
            [
                VectorExp.Exp(System.Runtime.Intrinsics.Vector128.Create(x)).GetElement(0),
                VectorExp.Exp(System.Runtime.Intrinsics.Vector256.Create(x)).GetElement(3),
                VectorExp.Exp(System.Runtime.Intrinsics.Vector512.Create(x)).GetElement(15),
            ];
            foreach (float g in got)
            {
                worst = Math.Max(worst, Math.Abs(g - expected) / expected);
            }
        }

        Assert.True(worst < 4.8e-7, $"worst relative error {worst:E3}");
        Assert.Equal(0f, VectorExp.Exp(System.Runtime.Intrinsics.Vector256.Create(-1000f)).GetElement(0), 1e-37f);
        Assert.True(float.IsFinite(VectorExp.Exp(System.Runtime.Intrinsics.Vector256.Create(1000f)).GetElement(0)));
    }

    [Fact]
    public void Worker_pool_runs_every_share_once_per_call_and_survives_sleeping_workers()
    {
        using var pool = new WorkerPool(3);
        var work = new CountingWork(3);
        for (int round = 0; round < 2000; round++)
        {
            pool.Run(work, 1 + (round % 3));
            if (round == 1000)
            {
                Thread.Sleep(5); // let the workers fall asleep on their semaphores
            }
        }

        Assert.Equal(2000, work.Counts[0]);
        Assert.Equal(1333, work.Counts[1]);
        Assert.Equal(666, work.Counts[2]);
    }

    [Fact]
    public void Worker_pool_reports_a_worker_failure_to_the_caller()
    {
        using var pool = new WorkerPool(2);
        var ex = Assert.Throws<AggregateException>(() => pool.Run(new FailingWork(), 2));
        Assert.IsType<InvalidOperationException>(ex.InnerException);
        pool.Run(new CountingWork(2), 2);
    }

    private sealed class CountingWork(int threads) : ParallelWork
    {
        public int[] Counts { get; } = new int[threads];

        public override void Run(int worker, int workerCount) => Interlocked.Increment(ref Counts[worker]);
    }

    private sealed class FailingWork : ParallelWork
    {
        public override void Run(int worker, int workerCount)
        {
            if (worker == 1)
            {
                throw new InvalidOperationException("boom");
            }
        }
    }
}
