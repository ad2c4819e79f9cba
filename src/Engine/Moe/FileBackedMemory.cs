using System.Globalization;
using System.Runtime.InteropServices;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// Page-level control of memory-mapped checkpoint bytes on Linux: which address ranges are file-backed mappings
/// (read once from /proc/self/maps), dropping a range's pages from this process (madvise MADV_DONTNEED: the file's
/// page cache keeps them, so the next touch is a minor fault) and asking for read-ahead (MADV_WILLNEED). Anonymous
/// memory is never advised (DONTNEED would zero it). Elsewhere <see cref="IsSupported"/> is false and nothing is done.
/// </summary>
internal static partial class FileBackedMemory
{
    private const int MadvWillNeed = 3;
    private const int MadvDontNeed = 4;

    /// <summary>Whether page advice works here (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The system page size.</summary>
    public static long PageSize { get; } = Environment.SystemPageSize;

    /// <summary>The file-backed mappings of this process now, as [start, end) address ranges.</summary>
    public static IReadOnlyList<(ulong Start, ulong End)> FileMappings()
    {
        var ranges = new List<(ulong, ulong)>();
        if (!IsSupported)
        {
            return ranges;
        }

        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode path": a mapping with an inode other than 0 and a path is file-backed.
            string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 6 || parts[4] == "0" || !parts[5].StartsWith('/'))
            {
                continue;
            }

            int dash = parts[0].IndexOf('-', StringComparison.Ordinal);
            ranges.Add((ulong.Parse(parts[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                        ulong.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        return ranges;
    }

    /// <summary>Drops the whole pages inside [address, address + length) from this process.</summary>
    public static unsafe void Drop(byte* address, long length) => Advise(address, length, MadvDontNeed);

    /// <summary>Starts reading the pages of [address, address + length) ahead of use.</summary>
    public static unsafe void Prefetch(byte* address, long length) => Advise(address, length, MadvWillNeed);

    /// <summary>Reads one byte per page so the range is mapped in (a promotion's warm-up; runs off the step thread).</summary>
    public static unsafe long Touch(byte* address, long length)
    {
        long sum = 0;
        for (long i = 0; i < length; i += PageSize)
        {
            sum += address[i];
        }

        return sum;
    }

    private static unsafe void Advise(byte* address, long length, int advice)
    {
        if (!IsSupported || length <= 0)
        {
            return;
        }

        // Only pages wholly inside the range: a page shared with a neighbouring tensor stays mapped.
        ulong start = ((ulong)address + (ulong)PageSize - 1) & ~((ulong)PageSize - 1);
        ulong end = ((ulong)address + (ulong)length) & ~((ulong)PageSize - 1);
        if (end > start)
        {
            _ = madvise((nint)start, (nuint)(end - start), advice);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
