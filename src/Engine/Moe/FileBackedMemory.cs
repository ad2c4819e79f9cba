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

    /// <summary>madvise calls that failed (for diagnostics).</summary>
    public static long Failures => Interlocked.Read(ref s_failures);

    private static long s_failures;

    /// <summary>The system page size.</summary>
    public static long PageSize { get; } = Environment.SystemPageSize;

    /// <summary>The file-backed mappings of this process now: [start, end) addresses, the file offset of start, the file.</summary>
    public static IReadOnlyList<(ulong Start, ulong End, long Offset, string Path)> FileMappings()
    {
        var ranges = new List<(ulong, ulong, long, string)>();
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
                        ulong.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                        long.Parse(parts[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                        parts[5].Trim()));
        }

        return ranges;
    }

    /// <summary>
    /// The kernel's fault-around window (64 KiB by default): a page fault on a file mapping also maps the cached pages
    /// of the aligned window around it, so touching a cold expert maps the edges of its neighbours too.
    /// </summary>
    public const long FaultAroundBytes = 64 * 1024;

    /// <summary>Drops the whole pages inside [address, address + length) from this process, and nothing around them.</summary>
    public static unsafe void DropExact(byte* address, long length) => _ = Advise(address, length, MadvDontNeed);

    /// <summary>
    /// Drops [address, address + length) from this process, widened to the aligned fault-around windows it touches,
    /// so the neighbours' edge pages a fault mapped in go too (a resident neighbour just faults them in again).
    /// </summary>
    public static unsafe void Drop(byte* address, long length)
    {
        ulong start = (ulong)address & ~((ulong)FaultAroundBytes - 1);
        ulong end = ((ulong)address + (ulong)length + (ulong)FaultAroundBytes - 1) & ~((ulong)FaultAroundBytes - 1);
        _ = Advise((byte*)start, (long)(end - start), MadvDontNeed);
    }

    /// <summary>
    /// Asks for the pages of [address, address + length) ahead of use (MADV_WILLNEED: read-ahead from disk when they are
    /// not cached; the faults during the matmul then map them). Measured faster here than MADV_POPULATE_READ, which maps
    /// every page up front.
    /// </summary>
    public static unsafe void Prefetch(byte* address, long length) => _ = Advise(address, length, MadvWillNeed);

    /// <summary>
    /// Asks the kernel to read [offset, offset + length) of <paramref name="file"/> into the page cache in the background
    /// (posix_fadvise POSIX_FADV_WILLNEED); returns at once. Nothing is mapped into this process.
    /// </summary>
    public static void ReadAhead(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long length)
    {
        if (!IsSupported || length <= 0)
        {
            return;
        }

        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (posix_fadvise((int)file.DangerousGetHandle(), offset, length, PosixFadvWillNeed) != 0)
            {
                Interlocked.Increment(ref s_failures);
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    private const int PosixFadvWillNeed = 3;

    /// <summary>
    /// Fresh zeroed memory of its own mapping (mmap, anonymous), returned to the system whole by <see cref="Unmap"/>:
    /// unlike the C heap, freeing never leaves the pages behind in an arena. Linux only.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The mapping failed.</exception>
    public static unsafe byte* MapAnonymous(long bytes)
    {
        const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;
        nint address = mmap(0, (nuint)Math.Max(1, bytes), ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        return address == -1 ? throw new OutOfMemoryException($"mmap of {bytes} anonymous bytes failed") : (byte*)address;
    }

    /// <summary>Returns memory from <see cref="MapAnonymous"/> to the system.</summary>
    public static unsafe void Unmap(byte* address, long bytes)
    {
        if (munmap((nint)address, (nuint)Math.Max(1, bytes)) != 0)
        {
            Interlocked.Increment(ref s_failures);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);

    [LibraryImport("libc")]
    private static partial int posix_fadvise(int fd, long offset, long length, int advice);

    private static unsafe int Advise(byte* address, long length, int advice)
    {
        if (!IsSupported || length <= 0)
        {
            return 0;
        }

        // Only pages wholly inside the range: a page shared with a neighbouring tensor stays mapped.
        ulong start = ((ulong)address + (ulong)PageSize - 1) & ~((ulong)PageSize - 1);
        ulong end = ((ulong)address + (ulong)length) & ~((ulong)PageSize - 1);
        int rc = end > start ? madvise((nint)start, (nuint)(end - start), advice) : 0;
        if (rc != 0)
        {
            Interlocked.Increment(ref s_failures);
        }

        return rc;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);

}
