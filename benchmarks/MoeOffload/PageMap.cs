using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Benchmarks.MoeOffload;

/// <summary>Which virtual pages of this process are mapped in (the present bit of /proc/self/pagemap, Linux).</summary>
internal static unsafe class PageMap
{
    /// <summary>Bytes of <paramref name="w"/>'s expert <paramref name="expert"/> (of <paramref name="experts"/>) whose pages are present.</summary>
    public static long PresentBytes(FileStream pagemap, WeightTensor w, int experts, int expert)
    {
        long bytes = w.ByteLength / experts;
        ulong start = (ulong)(w.Data + (expert * bytes));
        long page = Environment.SystemPageSize;
        long first = (long)(start / (ulong)page), last = (long)((start + (ulong)bytes - 1) / (ulong)page);
        var buffer = new byte[(last - first + 1) * 8];
        pagemap.Seek(first * 8, SeekOrigin.Begin);
        pagemap.ReadExactly(buffer);
        long present = 0;
        for (int i = 0; i < buffer.Length; i += 8)
        {
            if ((BitConverter.ToUInt64(buffer, i) & (1UL << 63)) != 0)
            {
                present += page;
            }
        }

        return present;
    }
}
