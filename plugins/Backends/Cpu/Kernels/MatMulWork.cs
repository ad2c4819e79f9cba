using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// y [R, N] = x [R, K] · wᵀ with w [N, K] read in place. Threads claim chunks of output rows from a shared counter;
/// within a chunk, x is walked in blocks of <see cref="RowBlock"/> rows so each weight row is read from memory once
/// per block (F16/BF16 rows are widened once per block into a per-thread scratch row). Quantised weights use x
/// quantised to Q8 blocks once per matmul (<see cref="Q8Activations"/>). With several activation rows (prefill,
/// batched decode) float weights go through the 4x4 and 2x4 <see cref="FloatTile"/>s (the next weight rows prefetched
/// meanwhile), Q8_0 from <see cref="Q8FloatTileRows"/> rows too (dequantised once per row block), and Q8_0/Q4_K/Q6_K
/// with fewer rows through 1x4 integer tiles.
/// </summary>
internal sealed unsafe class MatMulWork : ParallelWork
{
    /// <summary>Activation rows processed together against one weight row.</summary>
    public const int RowBlock = 8;

    /// <summary>
    /// Activation rows processed together against one widened pair of F16/BF16 (or F32) weight rows by the 2x4 tile:
    /// larger than <see cref="RowBlock"/> so that the widening of each weight row (half as costly as the tile's FMAs at
    /// 8 rows) is paid once per 64 rows; a step of up to 64 decode rows widens every weight row once. 64 rows of x
    /// (192-512 KiB at K = 768-2048) stay in L2.
    /// </summary>
    public const int TiledRowBlock = 64;

    /// <summary>
    /// From this many activation rows on, Q8_0 weight rows are dequantised to floats once per row block and go through
    /// the float tiles (exact float activations, 0.5 loads per FMA) instead of the 1x4 integer tile, whose per-row
    /// sign/multiply-add/convert work does not shrink with the batch.
    /// </summary>
    public const int Q8FloatTileRows = 16;

    private readonly Q8Activations _q8 = new();
    private float[][] _scratch = [];
    private byte* _w;
    private DType _type;
    private long _rowBytes;
    private int _n;
    private int _k;
    private int _rows;
    private float* _x;
    private float* _y;
    private int _chunk;
    private int _chunkCount;
    private int _nextChunk;
    private bool _finiteF16;

    /// <summary>Runs the matmul on <paramref name="threads"/> threads of <paramref name="pool"/>.</summary>
    /// <param name="finiteF16">For F16 weights: the caller checked that they hold no infinity or NaN (faster widening).</param>
    /// <summary>
    /// Grows this matmul's buffers for a single-threaded run of <paramref name="rows"/> rows of <paramref name="k"/>
    /// values with <paramref name="type"/> weights, so such a run allocates nothing. For per-thread matmuls (one head or
    /// expert per thread): which thread runs which shape varies between steps, so each is grown up front.
    /// </summary>
    public void Reserve(DType type, int k, int rows)
    {
        if (DTypeInfo.IsQuantized(type))
        {
            _q8.Reserve(rows, k);
        }

        if ((type is DType.F16 or DType.BF16 && rows > 1) || (type == DType.Q8_0 && rows >= Q8FloatTileRows))
        {
            EnsureScratch(1, k);
        }
    }

    public void Run(WorkerPool pool, int threads, byte* w, DType type, int n, int k, float* x, int rows, float* y, bool finiteF16 = false)
    {
        if (rows == 0 || n == 0)
        {
            return;
        }

        _w = w;
        _type = type;
        _rowBytes = DTypeInfo.RowBytes(type, k);
        _n = n;
        _k = k;
        _rows = rows;
        _x = x;
        _y = y;
        _finiteF16 = finiteF16;
        if (DTypeInfo.IsQuantized(type))
        {
            _q8.Quantize(x, rows, k);
        }

        // Widened (F16/BF16) or dequantised (Q8_0 through the float tiles) weight rows need per-thread scratch.
        if ((type is DType.F16 or DType.BF16 && rows > 1) || (type == DType.Q8_0 && rows >= Q8FloatTileRows))
        {
            EnsureScratch(threads, k);
        }

        _chunk = Math.Clamp(n / (threads * 8), 4, 64);
        _chunkCount = (n + _chunk - 1) / _chunk;
        _nextChunk = 0;
        pool.Run(this, Math.Min(threads, _chunkCount));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int worker, int workerCount)
    {
        bool tiled = (_rows >= 4 && _type is DType.F32 or DType.F16 or DType.BF16) || (_rows >= Q8FloatTileRows && _type == DType.Q8_0);
        int chunk;
        while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunkCount)
        {
            int n0 = chunk * _chunk;
            int n1 = Math.Min(_n, n0 + _chunk);
            int block = tiled ? TiledRowBlock : RowBlock;
            for (int r0 = 0; r0 < _rows; r0 += block)
            {
                int r1 = Math.Min(_rows, r0 + block);
                int n = n0;
                if (tiled && r1 - r0 >= 4)
                {
                    for (; n + 3 < n1; n += 4)
                    {
                        FourRowsTimesBlock(worker, n, r0, r1);
                    }

                    for (; n + 1 < n1; n += 2)
                    {
                        TwoRowsTimesBlock(worker, n, r0, r1);
                    }
                }

                for (; n < n1; n++)
                {
                    RowTimesBlock(worker, n, r0, r1);
                }
            }
        }
    }

    /// <summary>Weight rows n..n+3 against activation rows r0..r1 (at least 4) with the 4x4 float tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FourRowsTimesBlock(int worker, int n, int r0, int r1)
    {
        int k = _k;
        fixed (float* scratch = _scratch.Length > worker ? _scratch[worker] : null)
        {
            float* w = scratch;
            if (_type == DType.F32 && _rowBytes == (long)k * sizeof(float))
            {
                w = (float*)(_w + (n * _rowBytes)); // four consecutive rows, k floats apart
            }
            else
            {
                for (int j = 0; j < 4; j++)
                {
                    Widen((ushort*)(_w + ((n + j) * _rowBytes)), scratch + ((long)j * k), k);
                }

                // The tile below touches no weight memory, so the hardware prefetcher idles: ask for the next four
                // rows now, and their widening finds them in cache instead of waiting on DRAM.
                PrefetchRows(n + 4, 4);
            }

            int r = r0;
            for (; r + 3 < r1; r += 4)
            {
                FloatTile.Dot4x4(w, _x + ((long)r * k), k, _y + ((long)r * _n) + n, _n);
            }

            for (; r < r1; r++)
            {
                for (int j = 0; j < 4; j++)
                {
                    _y[((long)r * _n) + n + j] = Reductions.Dot(w + ((long)j * k), _x + ((long)r * k), k);
                }
            }
        }
    }

    /// <summary>Weight rows n and n+1 against activation rows r0..r1 (at least 4) with the 2x4 float tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TwoRowsTimesBlock(int worker, int n, int r0, int r1)
    {
        int k = _k;
        fixed (float* scratch = _scratch.Length > worker ? _scratch[worker] : null)
        {
            float* w0, w1;
            if (_type == DType.F32)
            {
                w0 = (float*)(_w + (n * _rowBytes));
                w1 = (float*)(_w + ((n + 1) * _rowBytes));
            }
            else
            {
                w0 = scratch;
                w1 = scratch + k;
                Widen((ushort*)(_w + (n * _rowBytes)), w0, k);
                Widen((ushort*)(_w + ((n + 1) * _rowBytes)), w1, k);
            }

            int r = r0;
            for (; r + 3 < r1; r += 4)
            {
                FloatTile.Dot2x4(w0, w1, _x + ((long)r * k), k, _y + ((long)r * _n) + n, _n);
            }

            for (; r < r1; r++)
            {
                _y[((long)r * _n) + n] = Reductions.Dot(w0, _x + ((long)r * k), k);
                _y[((long)r * _n) + n + 1] = Reductions.Dot(w1, _x + ((long)r * k), k);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RowTimesBlock(int worker, int n, int r0, int r1)
    {
        byte* w = _w + (n * _rowBytes);
        int k = _k;
        switch (_type)
        {
            case DType.F32:
                for (int r = r0; r < r1; r++)
                {
                    _y[((long)r * _n) + n] = Reductions.Dot((float*)w, _x + ((long)r * k), k);
                }

                break;
            case DType.F16:
            case DType.BF16:
                bool isBf16 = _type == DType.BF16;
                if (r1 - r0 == 1)
                {
                    _y[((long)r0 * _n) + n] = _finiteF16 && !isBf16
                        ? HalfVectors.DotFiniteF16((ushort*)w, _x + ((long)r0 * k), k)
                        : HalfVectors.Dot((ushort*)w, _x + ((long)r0 * k), k, isBf16);
                    break;
                }

                fixed (float* row = _scratch[worker])
                {
                    Widen((ushort*)w, row, k);
                    for (int r = r0; r < r1; r++)
                    {
                        _y[((long)r * _n) + n] = Reductions.Dot(row, _x + ((long)r * k), k);
                    }
                }

                break;
            case DType.Q8_0:
                if (Avx2.IsSupported)
                {
                    for (; r0 + 3 < r1; r0 += 4)
                    {
                        long b4 = (long)r0 * (k / 32);
                        QuantDots.DotQ8_0x4(w, _q8.Levels + (b4 * 32), _q8.Scales + b4, k / 32, k / 32, _y + ((long)r0 * _n) + n, _n);
                    }
                }

                for (int r = r0; r < r1; r++)
                {
                    long b = (long)r * (k / 32);
                    _y[((long)r * _n) + n] = QuantDots.DotQ8_0(w, _q8.Levels + (b * 32), _q8.Scales + b, k / 32);
                }

                break;
            case DType.Q4_0:
                for (int r = r0; r < r1; r++)
                {
                    long b = (long)r * (k / 32);
                    _y[((long)r * _n) + n] = QuantDots.DotQ4_0(w, _q8.Levels + (b * 32), _q8.Scales + b, _q8.Sums + b, k / 32);
                }

                break;
            case DType.Q4_K:
                if (Avx2.IsSupported)
                {
                    for (; r0 + 3 < r1; r0 += 4)
                    {
                        long b4 = (long)r0 * (k / 32);
                        KQuantDots.DotQ4Kx4(w, _q8.Levels + (b4 * 32), _q8.Scales + b4, _q8.Sums + b4, k / 256, k / 32, _y + ((long)r0 * _n) + n, _n);
                    }
                }

                for (int r = r0; r < r1; r++)
                {
                    long b = (long)r * (k / 32);
                    _y[((long)r * _n) + n] = KQuantDots.DotQ4K(w, _q8.Levels + (b * 32), _q8.Scales + b, _q8.Sums + b, k / 256);
                }

                break;
            case DType.Q6_K:
                if (Avx2.IsSupported)
                {
                    for (; r0 + 3 < r1; r0 += 4)
                    {
                        long b4 = (long)r0 * (k / 32);
                        KQuantDots.DotQ6Kx4(w, _q8.Levels + (b4 * 32), _q8.Scales + b4, k / 256, k / 32, _y + ((long)r0 * _n) + n, _n);
                    }
                }

                for (int r = r0; r < r1; r++)
                {
                    long b = (long)r * (k / 32);
                    _y[((long)r * _n) + n] = KQuantDots.DotQ6K(w, _q8.Levels + (b * 32), _q8.Scales + b, k / 256);
                }

                break;
            default:
                throw new NotSupportedException($"CPU MatMul has no kernel for {_type} weights.");
        }
    }

    /// <summary>One F16/BF16 weight row to floats, with the cheaper widening when the weights are known finite.</summary>
    /// <summary>Asks for weight rows first..first+count-1 to be brought into L2 (when they exist).</summary>
    private void PrefetchRows(int first, int count)
    {
        if (!Sse.IsSupported || first + count > _n)
        {
            return;
        }

        byte* start = _w + (first * _rowBytes);
        long bytes = count * _rowBytes;
        for (long offset = 0; offset < bytes; offset += 64)
        {
            Sse.Prefetch1(start + offset);
        }
    }

    private void Widen(ushort* source, float* destination, int k)
    {
        if (_type == DType.Q8_0)
        {
            QuantDots.DequantizeQ8_0((byte*)source, destination, k / 32);
        }
        else if (_finiteF16 && _type == DType.F16)
        {
            HalfVectors.ToSingleFiniteF16(source, destination, k);
        }
        else
        {
            HalfVectors.ToSingle(source, destination, k, _type == DType.BF16);
        }
    }

    private void EnsureScratch(int threads, int k)
    {
        if (_scratch.Length < threads)
        {
            Array.Resize(ref _scratch, threads);
        }

        for (int i = 0; i < threads; i++)
        {
            if (_scratch[i] is null || _scratch[i].Length < 4 * k)
            {
                _scratch[i] = GC.AllocateUninitializedArray<float>(Math.Max(4 * k, 64), pinned: true);
            }
        }
    }
}
