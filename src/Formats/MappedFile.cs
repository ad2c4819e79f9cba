using System.IO.MemoryMappedFiles;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Formats;

/// <summary>
/// A read-only memory map of a whole file. <see cref="Pointer"/> stays valid until the map is disposed;
/// nothing is read from disk until a page is touched.
/// </summary>
public sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private bool _disposed;

    private MappedFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _pointer = pointer;
    }

    /// <summary>Full path of the mapped file.</summary>
    public string Path { get; }

    /// <summary>File length in bytes (always at least 1).</summary>
    public long Length { get; }

    /// <summary>First byte of the file. Throws <see cref="ObjectDisposedException"/> once the map is disposed.</summary>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _pointer;
        }
    }

    /// <summary>
    /// Maps <paramref name="path"/> read-only. Throws <see cref="ModelLoadException"/> when the file does not exist,
    /// is empty (empty files cannot be mapped) or cannot be opened.
    /// </summary>
    public static MappedFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ModelLoadException(full, Directory.Exists(full) ? "is a folder, not a file" : "no such file");
        }

        FileStream? stream = null;
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
            long length = stream.Length;
            if (length == 0)
            {
                throw new ModelLoadException(full, "file is empty (0 bytes), nothing to read");
            }

            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            stream = null; // owned by the map now
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(full, length, map, view, pointer + view.PointerOffset);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            map?.Dispose();
            stream?.Dispose();
            throw new ModelLoadException(full, $"cannot map the file: {ex.Message}", ex);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            stream?.Dispose();
            throw;
        }
    }

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>; throws when the range leaves the file.</summary>
    public ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, {offset}+{length}) is outside the {Length}-byte file {Path}");
        }

        return new ReadOnlySpan<byte>(Pointer + offset, length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
