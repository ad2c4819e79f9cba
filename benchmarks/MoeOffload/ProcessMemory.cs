using System.Globalization;

namespace LlmFramework.Benchmarks.MoeOffload;

/// <summary>This process's memory from /proc/self/status (Linux), in bytes; 0 elsewhere.</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident set (VmHWM).</summary>
    public static long PeakRss => Field("VmHWM:");

    /// <summary>Resident set now (VmRSS).</summary>
    public static long Rss => Field("VmRSS:");

    /// <summary>Resident file-backed pages now (RssFile: the mapped checkpoint).</summary>
    public static long RssFile => Field("RssFile:");

    /// <summary>Resident anonymous pages now (RssAnon: the managed heap, KV cache, activations).</summary>
    public static long RssAnon => Field("RssAnon:");

    /// <summary>Resident bytes of the mappings of <paramref name="file"/> (from /proc/self/smaps).</summary>
    public static long MappedFileRss(string file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        long total = 0;
        bool inFile = false;
        string full = Path.GetFullPath(file);
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            string[] parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0].Contains('-', StringComparison.Ordinal) && parts[1].Length == 4)
            {
                inFile = line.EndsWith(full, StringComparison.Ordinal);
            }
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return total;
    }

    private static long Field(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                string kb = line[name.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
