using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// Resident experts held in a compact format a scheduler chose (<see cref="ExpertPlacement.Format"/>): each matrix of
/// the expert converted once from the mapped checkpoint (decoded row by row and re-encoded in the format) into memory
/// of its own, which backends compute from directly (<c>IExpertWeights.LocateRows</c>). A placement's conversions are
/// made ahead on a worker thread (<see cref="Prepare"/>, while steps run) and taken over between steps
/// (<see cref="Hold"/>); lookups during a step only read what is held.
/// </summary>
internal sealed unsafe class CompactExperts : IDisposable
{
    /// <summary>Formats offered, most compact last.</summary>
    private static readonly DType[] Candidates = [DType.Q8_0, DType.Q4_0];

    /// <summary>Stored types that can be decoded for conversion.</summary>
    private static readonly DType[] Decodable = [DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K];

    private readonly MoeModelShape _shape;
    private readonly WeightTensor[][] _weights;
    private readonly (DType Type, nint[] Matrices)?[] _held;
    private readonly (DType Type, nint[] Matrices)?[] _prepared;
    private long _ticks;
    private long _conversions;

    /// <summary>Compact copies of <paramref name="weights"/> ([MoE layer][matrix], stacked, file-backed) on demand.</summary>
    public CompactExperts(MoeModelShape shape, WeightTensor[][] weights)
    {
        _shape = shape;
        _weights = weights;
        _held = new (DType, nint[])?[shape.MoeLayerCount * shape.ExpertCount];
        _prepared = new (DType, nint[])?[shape.MoeLayerCount * shape.ExpertCount];
        Offered = Offer(shape, weights);
    }

    /// <summary>The formats these experts can be held in, with the bytes of one expert in each (its largest layer).</summary>
    public IReadOnlyDictionary<DType, long> Offered { get; }

    /// <summary>Experts held in a compact format now.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of the compact copies held now.</summary>
    public long Bytes { get; private set; }

    /// <summary>Experts converted so far.</summary>
    public long Conversions => Interlocked.Read(ref _conversions);

    /// <summary>Seconds spent converting (on worker threads, or between steps for the first placement).</summary>
    public double ConversionSeconds => (double)Interlocked.Read(ref _ticks) / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Whether <paramref name="expert"/> of <paramref name="moeLayer"/> is held compact, and matrix <paramref name="j"/>'s rows and format.</summary>
    public bool TryGet(int moeLayer, int j, int expert, out byte* rows, out DType type)
    {
        if (_held[(moeLayer * _shape.ExpertCount) + expert] is { } held)
        {
            rows = (byte*)held.Matrices[j];
            type = held.Type;
            return true;
        }

        rows = null;
        type = default;
        return false;
    }

    /// <summary>Whether holding <paramref name="placement"/> needs conversions not made yet.</summary>
    public bool NeedsConversions(ExpertPlacement placement)
    {
        for (int cell = 0; cell < _held.Length; cell++)
        {
            if (placement.Format(cell / _shape.ExpertCount, cell % _shape.ExpertCount) is { } f && _held[cell]?.Type != f && _prepared[cell]?.Type != f)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Converts every expert <paramref name="placement"/> holds compact and that is not held or prepared in its format
    /// yet, into copies <see cref="Hold"/> takes over. Runs on a worker thread while steps run: it only reads the
    /// mapped checkpoint and writes copies no step sees; never concurrently with <see cref="Hold"/> or itself.
    /// </summary>
    public void Prepare(ExpertPlacement placement)
    {
        for (int cell = 0; cell < _held.Length; cell++)
        {
            if (placement.Format(cell / _shape.ExpertCount, cell % _shape.ExpertCount) is { } f && _held[cell]?.Type != f && _prepared[cell]?.Type != f)
            {
                Free(_prepared[cell], cell / _shape.ExpertCount);
                _prepared[cell] = (f, Convert(cell / _shape.ExpertCount, cell % _shape.ExpertCount, f));
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="expert"/> in <paramref name="format"/>: nothing to do when it already is, the prepared copy
    /// when there is one, else a conversion now; between steps only.
    /// </summary>
    public void Hold(int moeLayer, int expert, DType format)
    {
        int cell = (moeLayer * _shape.ExpertCount) + expert;
        if (_held[cell] is { } held && held.Type == format)
        {
            return;
        }

        Release(moeLayer, expert);
        nint[] matrices;
        if (_prepared[cell] is { } ready && ready.Type == format)
        {
            matrices = ready.Matrices;
            _prepared[cell] = null;
        }
        else
        {
            matrices = Convert(moeLayer, expert, format);
        }

        _held[cell] = (format, matrices);
        Count++;
        Bytes += BytesOf(moeLayer, format);
    }

    /// <summary>Frees the prepared copies no placement took over (a refused plan's).</summary>
    public void DropPrepared()
    {
        for (int cell = 0; cell < _prepared.Length; cell++)
        {
            Free(_prepared[cell], cell / _shape.ExpertCount);
            _prepared[cell] = null;
        }
    }

    private long BytesOf(int moeLayer, DType format) => ExpertBytes(_weights[moeLayer], _shape.ExpertCount, format);

    /// <summary>Bytes of one expert of a layer's stacked <paramref name="matrices"/> in <paramref name="format"/>.</summary>
    private static long ExpertBytes(WeightTensor[] matrices, int experts, DType format) =>
        matrices.Sum(w => w.Rows / experts * DTypeInfo.RowBytes(format, w.Columns));

    /// <summary>Unmaps a copy: its matrices lie in one mapping, starting at the first.</summary>
    private void Free((DType Type, nint[] Matrices)? copy, int moeLayer)
    {
        if (copy is { } c)
        {
            FileBackedMemory.Unmap((byte*)c.Matrices[0], BytesOf(moeLayer, c.Type));
        }
    }

    private nint[] Convert(int moeLayer, int expert, DType format)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        WeightTensor[] weights = _weights[moeLayer];
        var matrices = new nint[weights.Length];
        byte* block = FileBackedMemory.MapAnonymous(BytesOf(moeLayer, format));
        long offset = 0;
        for (int j = 0; j < weights.Length; j++)
        {
            WeightTensor w = weights[j];
            long rows = w.Rows / _shape.ExpertCount;
            int columns = checked((int)w.Columns);
            long rowBytes = DTypeInfo.RowBytes(format, columns);
            byte* destination = block + offset;
            offset += rows * rowBytes;
            var values = new float[columns];
            for (long r = 0; r < rows; r++)
            {
                BlockQuantizer.Dequantize(w.Type, w.Row((expert * rows) + r), values);
                BlockQuantizer.Quantize(format, values, new Span<byte>(destination + (r * rowBytes), checked((int)rowBytes)));
            }

            matrices[j] = (nint)destination;
        }

        // Reading the stored rows mapped them into this process, and the expert is held compact from now on: drop them
        // at once, so conversions add no peak. (Should a step still read it stored meanwhile, it faults them in again.)
        foreach (WeightTensor w in weights)
        {
            long bytes = w.ByteLength / _shape.ExpertCount;
            FileBackedMemory.DropExact(w.Data + (expert * bytes), bytes);
        }

        Interlocked.Increment(ref _conversions);
        Interlocked.Add(ref _ticks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        return matrices;
    }

    /// <summary>Frees <paramref name="expert"/>'s compact copy, if any; between steps only.</summary>
    public void Release(int moeLayer, int expert)
    {
        int cell = (moeLayer * _shape.ExpertCount) + expert;
        if (_held[cell] is not { } held)
        {
            return;
        }

        Bytes -= BytesOf(moeLayer, held.Type);
        Free(held, moeLayer);
        _held[cell] = null;
        Count--;
    }

    /// <summary>Frees every copy.</summary>
    public void Dispose()
    {
        for (int cell = 0; cell < _held.Length; cell++)
        {
            Release(cell / _shape.ExpertCount, cell % _shape.ExpertCount);
        }

        DropPrepared();
    }

    /// <summary>
    /// The compact formats worth offering: smaller per row than every stored matrix, whose blocks divide every matrix's
    /// columns, from stored types that can be decoded; with one expert's bytes in each (the largest layer's).
    /// </summary>
    private static Dictionary<DType, long> Offer(MoeModelShape shape, WeightTensor[][] weights)
    {
        var offered = new Dictionary<DType, long>();
        foreach (DType format in Candidates)
        {
            bool fits = weights.All(layer => layer.All(w =>
                Decodable.Contains(w.Type) && w.Columns % DTypeInfo.BlockSize(format) == 0 && DTypeInfo.RowBytes(format, w.Columns) < DTypeInfo.RowBytes(w.Type, w.Columns)));
            if (fits)
            {
                offered[format] = weights.Max(layer => ExpertBytes(layer, shape.ExpertCount, format));
            }
        }

        return offered;
    }
}
