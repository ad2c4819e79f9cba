using System.Buffers.Binary;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Safetensors;

/// <summary>
/// One memory-mapped .safetensors file: an 8-byte little-endian header length N, N bytes of JSON, then the data.
/// Opening validates the whole header; tensor data is never copied.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The format's own limit on header size (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly MappedFile _map;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsFile(MappedFile map, long dataOffset, List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        _map = map;
        DataOffset = dataOffset;
        Tensors = tensors.AsReadOnly();
        Metadata = metadata.AsReadOnly();
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Full path of the file.</summary>
    public string Path => _map.Path;

    /// <summary>Tensors in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The "__metadata__" strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset of the data section (8 + header length).</summary>
    public long DataOffset { get; }

    /// <summary>Maps and validates <paramref name="path"/>; throws <see cref="ModelLoadException"/> naming the file and the problem.</summary>
    public static SafetensorsFile Open(string path)
    {
        MappedFile map = MappedFile.Open(path);
        try
        {
            if (map.Length < 8)
            {
                throw new ModelLoadException(map.Path, $"file is {map.Length} bytes, shorter than the 8-byte safetensors header length");
            }

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(map.GetSpan(0, 8));
            if (headerLength > (ulong)(map.Length - 8))
            {
                throw new ModelLoadException(map.Path, $"header length {headerLength} is larger than the file ({map.Length} bytes; not a safetensors file, or truncated)");
            }

            if (headerLength > MaxHeaderBytes)
            {
                throw new ModelLoadException(map.Path, $"header length {headerLength} exceeds the safetensors limit of {MaxHeaderBytes} bytes");
            }

            long dataOffset = 8 + (long)headerLength;
            var (tensors, metadata) = SafetensorsHeaderParser.Parse(map.GetSpan(8, (int)headerLength), map.Length - dataOffset, map.Path);
            return new SafetensorsFile(map, dataOffset, tensors, metadata);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds tensor <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>; <see cref="ModelLoadException"/> when missing.</summary>
    public SafetensorsTensorInfo GetInfo(string name) =>
        _byName.TryGetValue(name, out SafetensorsTensorInfo? info) ? info : throw new ModelLoadException(Path, $"has no tensor named '{name}'");

    /// <summary>
    /// A view of tensor <paramref name="name"/> into the map. F32, F16, BF16 and I32 map to <see cref="DType"/>; any other
    /// dtype throws <see cref="ModelLoadException"/> naming the file, tensor and dtype (read those with <see cref="GetBytes"/>).
    /// </summary>
    public WeightTensor GetTensor(string name)
    {
        SafetensorsTensorInfo info = GetInfo(name);
        if (!SafetensorsDTypes.TryToDType(info.DType, out DType type))
        {
            throw new ModelLoadException(Path, $"tensor '{name}' has dtype {info.DType}, which cannot be used as a weight tensor (supported: F32, F16, BF16, I32)");
        }

        return new WeightTensor(name, type, (long[])info.Shape.Clone(), GetPointer(info), info.ByteLength);
    }

    /// <summary>Raw bytes of tensor <paramref name="name"/> of any dtype (tensors over 2 GiB: use <see cref="GetTensor"/>).</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        SafetensorsTensorInfo info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new NotSupportedException($"{Path}: tensor '{name}' is {info.ByteLength} bytes, too large for a span; use GetTensor(...).Data");
        }

        return new ReadOnlySpan<byte>(GetPointer(info), (int)info.ByteLength);
    }

    /// <summary>Pointer to the first byte of tensor <paramref name="name"/>, valid until disposal.</summary>
    public byte* GetPointer(string name) => GetPointer(GetInfo(name));

    /// <inheritdoc />
    public void Dispose() => _map.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Path} (safetensors, {Tensors.Count} tensors)";

    private byte* GetPointer(SafetensorsTensorInfo info) => _map.Pointer + DataOffset + info.Begin;
}
