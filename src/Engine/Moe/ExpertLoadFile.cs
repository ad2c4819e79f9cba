using System.Buffers;
using LlmFramework.Abstractions.Moe;
using MessagePack;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// Routing statistics saved as MessagePack so a restarted engine starts warm: a map with "format"
/// ("llmf-expert-load"), "version" (1), "layers", "experts", "window_steps", and the row-major [layer, expert]
/// arrays "window" and "total" of counts. Written to a temporary file and renamed, so a crash never leaves half a file.
/// </summary>
public static class ExpertLoadFile
{
    private const string Format = "llmf-expert-load";
    private const int Version = 1;

    /// <summary>Writes <paramref name="load"/> to <paramref name="path"/>.</summary>
    public static void Save(ExpertLoad load, string path)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteMapHeader(7);
        w.Write("format");
        w.Write(Format);
        w.Write("version");
        w.Write(Version);
        w.Write("layers");
        w.Write(load.MoeLayerCount);
        w.Write("experts");
        w.Write(load.ExpertCount);
        w.Write("window_steps");
        w.Write(load.WindowSteps);
        w.Write("window");
        WriteCounts(ref w, load, window: true);
        w.Write("total");
        WriteCounts(ref w, load, window: false);
        w.Flush();
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, buffer.WrittenSpan.ToArray());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads statistics saved by <see cref="Save"/>; a damaged or foreign file is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static ExpertLoad Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            var r = new MessagePackReader(bytes);
            int entries = r.ReadMapHeader();
            string? format = null;
            int version = 0, layers = -1, experts = -1, windowSteps = 0;
            long[]? window = null, total = null;
            for (int i = 0; i < entries; i++)
            {
                string key = r.ReadString() ?? "";
                switch (key)
                {
                    case "format": format = r.ReadString(); break;
                    case "version": version = r.ReadInt32(); break;
                    case "layers": layers = r.ReadInt32(); break;
                    case "experts": experts = r.ReadInt32(); break;
                    case "window_steps": windowSteps = r.ReadInt32(); break;
                    case "window": window = ReadCounts(ref r); break;
                    case "total": total = ReadCounts(ref r); break;
                    default: r.Skip(); break;
                }
            }

            if (format != Format || version != Version)
            {
                throw new InvalidDataException($"{path}: not an expert statistics file (format '{format}', version {version}; expected '{Format}' version {Version})");
            }

            if (window is null || total is null || layers < 0 || experts < 0)
            {
                throw new InvalidDataException($"{path}: expert statistics without layers, experts, window or total");
            }

            return new ExpertLoad(layers, experts, window, total, windowSteps);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{path}: damaged expert statistics file: {e.Message}", e);
        }
    }

    private static void WriteCounts(ref MessagePackWriter w, ExpertLoad load, bool window)
    {
        w.WriteArrayHeader(load.MoeLayerCount * load.ExpertCount);
        for (int l = 0; l < load.MoeLayerCount; l++)
        {
            foreach (long c in window ? load.WindowOfLayer(l) : load.TotalOfLayer(l))
            {
                w.Write(c);
            }
        }
    }

    private static long[] ReadCounts(ref MessagePackReader r)
    {
        var counts = new long[r.ReadArrayHeader()];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = r.ReadInt64();
        }

        return counts;
    }
}
