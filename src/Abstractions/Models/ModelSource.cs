namespace LlmFramework.Abstractions.Models;

/// <summary>Where a checkpoint is and in which form.</summary>
public sealed record ModelSource
{
    private ModelSource(string path, CheckpointFormat format)
    {
        Path = path;
        Format = format;
    }

    /// <summary>Full path of the GGUF file or the Hugging Face folder.</summary>
    public string Path { get; }

    /// <summary>The form.</summary>
    public CheckpointFormat Format { get; }

    /// <summary>
    /// Identifies the checkpoint at <paramref name="path"/>: a folder with config.json is a Hugging Face folder, a
    /// file starting with the bytes "GGUF" is GGUF. Throws <see cref="ModelLoadException"/> naming the path otherwise.
    /// </summary>
    public static ModelSource Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            if (!File.Exists(System.IO.Path.Combine(full, "config.json")))
            {
                throw new ModelLoadException(full, "folder has no config.json (expected a Hugging Face model folder)");
            }

            return new ModelSource(full, CheckpointFormat.HuggingFaceFolder);
        }

        if (!File.Exists(full))
        {
            throw new ModelLoadException(full, "no such file or folder");
        }

        Span<byte> magic = stackalloc byte[4];
        using (FileStream fs = File.OpenRead(full))
        {
            if (fs.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
            {
                throw new ModelLoadException(full, $"file is {fs.Length} bytes, too short to be a model");
            }
        }

        if (magic.SequenceEqual("GGUF"u8))
        {
            return new ModelSource(full, CheckpointFormat.Gguf);
        }

        throw new ModelLoadException(full, "not a GGUF file (magic is not 'GGUF') and not a Hugging Face folder");
    }
}
