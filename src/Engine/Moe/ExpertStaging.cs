using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// The staging area cold experts are read into: one slot per expert a token chooses (S x the bytes of one expert's
/// matrices), filled from the checkpoint file with positioned reads (the page cache serves them: a copy, with no page
/// faults or unmapping in this process). A slot is assigned on the step thread when the router chooses a cold expert;
/// each matrix is read on the first <see cref="Locate"/> for it, on whichever backend thread runs that expert, so the
/// copies of different experts run concurrently. Slots are freed after the layer's last expert matmul.
/// </summary>
internal sealed unsafe class ExpertStaging : IDisposable
{
    private readonly MoeModelShape _shape;
    private readonly WeightTensor[][] _weights;
    private readonly ILogger? _logger;
    private readonly (SafeFileHandle File, long Offset)[][] _files;
    private readonly long[][] _matrixOffset;
    private readonly int[][] _slotOf;
    private readonly int _matricesPerExpert;
    private readonly int[] _state;
    private readonly bool[] _fellBack;
    private byte* _area;
    private int _slotsUsed;
    private long _stagedMatrices;
    private long _ticks;

    /// <summary>Opens the checkpoint files <paramref name="weights"/> ([MoE layer][matrix], stacked) are mapped from.</summary>
    public ExpertStaging(MoeModelShape shape, WeightTensor[][] weights, IReadOnlyList<(ulong Start, ulong End, long Offset, string Path)> mappings, ILogger? logger)
    {
        _shape = shape;
        _weights = weights;
        _logger = logger;
        _matricesPerExpert = weights.Max(w => w.Length);
        _state = new int[shape.ExpertsPerToken * _matricesPerExpert];
        _fellBack = new bool[shape.ExpertsPerToken];
        _slotOf = [.. weights.Select(_ => Enumerable.Repeat(-1, shape.ExpertCount).ToArray())];
        _matrixOffset = new long[weights.Length][];
        _files = new (SafeFileHandle, long)[weights.Length][];
        var handles = new Dictionary<string, SafeFileHandle>(StringComparer.Ordinal);
        for (int l = 0; l < weights.Length; l++)
        {
            _matrixOffset[l] = new long[weights[l].Length];
            _files[l] = new (SafeFileHandle, long)[weights[l].Length];
            for (int j = 0; j < weights[l].Length; j++)
            {
                _matrixOffset[l][j] = j == 0 ? 0 : _matrixOffset[l][j - 1] + MatrixBytes(l, j - 1);
                ulong address = (ulong)weights[l][j].Data;
                (ulong start, _, long offset, string path) = mappings.First(m => address >= m.Start && address < m.End);
                if (!handles.TryGetValue(path, out SafeFileHandle? handle))
                {
                    handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    handles.Add(path, handle);
                }

                _files[l][j] = (handle, offset + (long)(address - start));
            }
        }
    }

    /// <summary>Bytes of the staging area (allocated on first use).</summary>
    public long Bytes => (long)_shape.ExpertsPerToken * _shape.ExpertBytes;

    /// <summary>Cold experts served from the staging area (at least one matrix read from the file).</summary>
    public long StagedReads { get; private set; }

    /// <summary>Expert matrices read into the staging area.</summary>
    public long StagedMatrices => Interlocked.Read(ref _stagedMatrices);

    /// <summary>Seconds spent reading, summed over the threads that read.</summary>
    public double Seconds => (double)Interlocked.Read(ref _ticks) / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Gives cold <paramref name="expert"/> a free slot for this layer; false when none is free.</summary>
    public bool AssignSlot(int moeLayer, int expert)
    {
        if (_slotsUsed >= _shape.ExpertsPerToken)
        {
            return false;
        }

        if (_area is null)
        {
            _area = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)Math.Max(1, Bytes), 64);
        }

        int slot = _slotsUsed++;
        Array.Clear(_state, slot * _matricesPerExpert, _matricesPerExpert);
        _fellBack[slot] = false;
        _slotOf[moeLayer][expert] = slot;
        return true;
    }

    private const int Empty = 0;
    private const int Reading = 1;
    private const int Loaded = 2;
    private const int Failed = 3;

    /// <summary>
    /// Matrix <paramref name="j"/> of a staged expert, read from the file on the first call; null when the expert has no
    /// slot or its read failed (the caller reads it in place). Safe to call from several threads at once: the first
    /// reads, the others for the same matrix (an expert replicated on two expert devices) wait for that read.
    /// </summary>
    public byte* Locate(int moeLayer, int j, int expert)
    {
        int slot = _slotOf[moeLayer][expert];
        if (slot < 0 || Volatile.Read(ref _fellBack[slot]))
        {
            return null;
        }

        byte* staged = _area + ((long)slot * _shape.ExpertBytes) + _matrixOffset[moeLayer][j];
        ref int state = ref _state[(slot * _matricesPerExpert) + j];
        int seen = Interlocked.CompareExchange(ref state, Reading, Empty);
        if (seen == Empty)
        {
            bool ok = Read(moeLayer, expert, j, staged);
            if (!ok)
            {
                Volatile.Write(ref _fellBack[slot], true);
            }

            Volatile.Write(ref state, ok ? Loaded : Failed);
            return ok ? staged : null;
        }

        var wait = default(SpinWait);
        while ((seen = Volatile.Read(ref state)) == Reading)
        {
            wait.SpinOnce();
        }

        return seen == Loaded ? staged : null;
    }

    /// <summary>Whether <see cref="Locate"/> for this matrix will read it from the file first.</summary>
    public bool NeedsLoad(int moeLayer, int j, int expert)
    {
        int slot = _slotOf[moeLayer][expert];
        return slot >= 0 && !_fellBack[slot] && Volatile.Read(ref _state[(slot * _matricesPerExpert) + j]) == Empty;
    }

    /// <summary>
    /// Frees <paramref name="expert"/>'s slot after its layer; true when every one of its matrices came from the slot
    /// (none was read in place, so none of its pages was mapped), false when it had no slot or some matrix was mapped.
    /// </summary>
    public bool Release(int moeLayer, int expert)
    {
        int slot = _slotOf[moeLayer][expert];
        if (slot < 0)
        {
            return false;
        }

        _slotOf[moeLayer][expert] = -1;
        int loaded = 0;
        for (int j = 0; j < _weights[moeLayer].Length; j++)
        {
            loaded += _state[(slot * _matricesPerExpert) + j] == Loaded ? 1 : 0;
        }

        StagedReads += loaded > 0 ? 1 : 0;
        return loaded == _weights[moeLayer].Length && !_fellBack[slot];
    }

    /// <summary>Frees every slot (after a layer's last expert matmul).</summary>
    public void EndLayer() => _slotsUsed = 0;

    /// <summary>Asks the kernel to bring <paramref name="expert"/>'s bytes into the page cache in the background.</summary>
    public void ReadAhead(int moeLayer, int expert)
    {
        for (int j = 0; j < _weights[moeLayer].Length; j++)
        {
            long bytes = MatrixBytes(moeLayer, j);
            FileBackedMemory.ReadAhead(_files[moeLayer][j].File, _files[moeLayer][j].Offset + (expert * bytes), bytes);
        }
    }

    /// <summary>Closes the files and frees the area.</summary>
    public void Dispose()
    {
        foreach (SafeFileHandle handle in _files.SelectMany(f => f).Select(f => f.File).Distinct())
        {
            handle.Dispose();
        }

        if (_area is not null)
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(_area);
            _area = null;
        }
    }

    private long MatrixBytes(int moeLayer, int j) => _weights[moeLayer][j].ByteLength / _shape.ExpertCount;

    private bool Read(int moeLayer, int expert, int j, byte* destination)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long bytes = MatrixBytes(moeLayer, j);
        (SafeFileHandle file, long offset) = _files[moeLayer][j];
        var span = new Span<byte>(destination, checked((int)bytes));
        long at = offset + (expert * bytes);
        try
        {
            for (int done = 0; done < span.Length;)
            {
                int n = RandomAccess.Read(file, span[done..], at + done);
                done += n > 0 ? n : throw new EndOfStreamException($"the checkpoint ends inside expert {expert} of MoE layer {moeLayer}");
            }
        }
        catch (IOException ex)
        {
            _logger?.LogError(ex, "reading expert {Expert} of MoE layer {Layer} from the checkpoint failed; reading it through the memory map", expert, moeLayer);
            return false;
        }

        Interlocked.Increment(ref _stagedMatrices);
        Interlocked.Add(ref _ticks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        return true;
    }
}
