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
