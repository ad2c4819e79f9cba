using System.Text;

namespace LlmFramework.Formats.Tests.Gguf;

/// <summary>Writes GGUF fields one by one, so tests can build files no correct writer would produce.</summary>
internal sealed class GgufBytes
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _w;

    public GgufBytes() => _w = new BinaryWriter(_stream);

    public long Length => _stream.Length;

    /// <summary>Magic, version and the two counts.</summary>
    public static GgufBytes Header(ulong tensorCount, ulong kvCount, uint version = 3)
    {
        var b = new GgufBytes();
        b.Raw("GGUF"u8.ToArray()).U32(version).U64(tensorCount).U64(kvCount);
        return b;
    }

    public GgufBytes Raw(byte[] bytes)
    {
        _w.Write(bytes);
        return this;
    }

    public GgufBytes U32(uint v)
    {
        _w.Write(v);
        return this;
    }

    public GgufBytes U64(ulong v)
    {
        _w.Write(v);
        return this;
    }

    public GgufBytes Str(string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        return U64((ulong)bytes.Length).Raw(bytes);
    }

    public GgufBytes KvU32(string key, uint value) => Str(key).U32(4).U32(value);

    public GgufBytes KvString(string key, string value) => Str(key).U32(8).Str(value);

    /// <summary>A tensor info; <paramref name="ne"/> innermost first, as stored.</summary>
    public GgufBytes TensorInfo(string name, ulong[] ne, uint ggmlType, ulong offset)
    {
        Str(name).U32((uint)ne.Length);
        foreach (ulong d in ne)
        {
            U64(d);
        }

        return U32(ggmlType).U64(offset);
    }

    public GgufBytes PadTo(int alignment)
    {
        while (_stream.Length % alignment != 0)
        {
            _w.Write((byte)0);
        }

        return this;
    }

    public GgufBytes Zeros(int count) => Raw(new byte[count]);

    public byte[] ToArray()
    {
        _w.Flush();
        return _stream.ToArray();
    }
}
