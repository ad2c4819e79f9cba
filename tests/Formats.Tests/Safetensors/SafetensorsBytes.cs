using System.Buffers.Binary;
using System.Text;

namespace LlmFramework.Formats.Tests.Safetensors;

internal static class SafetensorsBytes
{
    /// <summary>8-byte length, the header text as given, then <paramref name="dataBytes"/> bytes of data.</summary>
    public static byte[] Build(string header, int dataBytes, ulong? claimedHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }
}
