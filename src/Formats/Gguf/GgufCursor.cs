using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Formats.Gguf;

/// <summary>Bounds-checked little-endian reads straight from a mapped GGUF file; every failure names the file and offset.</summary>
internal unsafe ref struct GgufCursor
{
    private readonly byte* _start;
    private readonly long _length;
    private readonly string _path;

    public GgufCursor(byte* start, long length, string path)
    {
        _start = start;
        _length = length;
        _path = path;
        Position = 0;
    }

    public long Position { get; private set; }

    public readonly long Remaining => _length - Position;

    public readonly ModelLoadException Fail(string problem) => new(_path, problem);

    public uint ReadUInt32(string what) => Read<uint>(what);

    public ulong ReadUInt64(string what) => Read<ulong>(what);

    public T Read<T>(string what)
        where T : unmanaged
    {
        Need(sizeof(T), what);
        T value = Unsafe.ReadUnaligned<T>(_start + Position);
        Position += sizeof(T);
        return value;
    }

    public string ReadString(string what)
    {
        long at = Position;
        ulong length = ReadUInt64(what);
        if (length > (ulong)Remaining)
        {
            throw Fail($"{what} at offset {at} claims {length} bytes but only {Remaining} remain in the file (truncated or corrupt)");
        }

        if (length > int.MaxValue)
        {
            throw Fail($"{what} at offset {at} is {length} bytes long, more than a string can hold");
        }

        string s = Encoding.UTF8.GetString(_start + Position, (int)length);
        Position += (long)length;
        return s;
    }

    /// <summary>Copies <paramref name="count"/> fixed-size values into a new array (count already checked against the remaining bytes).</summary>
    public T[] ReadBlock<T>(long count, string what)
        where T : unmanaged
    {
        long bytes = count * sizeof(T);
        Need(bytes, what);
        var values = new T[count];
        new ReadOnlySpan<byte>(_start + Position, checked((int)bytes)).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        Position += bytes;
        return values;
    }

    public void Skip(long bytes, string what)
    {
        Need(bytes, what);
        Position += bytes;
    }

    private readonly void Need(long bytes, string what)
    {
        if (bytes > Remaining)
        {
            throw Fail($"{what} at offset {Position} needs {bytes} bytes but only {Remaining} remain in the file (truncated or corrupt)");
        }
    }
}
