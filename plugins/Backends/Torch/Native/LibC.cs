using System.Runtime.InteropServices;
using System.Text;

namespace LlmFramework.Backends.Torch.Native;

/// <summary>The two C library calls the plugin needs that .NET does not offer: dlopen with RTLD_NOLOAD, and setenv.</summary>
/// <remarks>glibc only (Linux): on other systems both report that they did nothing.</remarks>
internal static unsafe class LibC
{
    private static readonly Lazy<IntPtr> Library = new(() =>
    {
        // dlopen moved into libc.so.6 in glibc 2.34; before that it lived in libdl.so.2.
        foreach (string name in (string[])["libc.so.6", "libdl.so.2"])
        {
            if (OperatingSystem.IsLinux() && NativeLibrary.TryLoad(name, out IntPtr library) && NativeLibrary.TryGetExport(library, "dlopen", out _))
            {
                return library;
            }
        }

        return IntPtr.Zero;
    });

    /// <summary>The library with soname <paramref name="fileName"/> if the process has it loaded; zero otherwise (nothing is loaded).</summary>
    public static IntPtr LoadedLibrary(string fileName)
    {
        const int RtldLazy = 0x1, RtldNoLoad = 0x4;
        if (!TryGetExport("dlopen", out IntPtr dlopen))
        {
            return IntPtr.Zero;
        }

        fixed (byte* name = Terminated(fileName))
        {
            return ((delegate* unmanaged<byte*, int, IntPtr>)dlopen)(name, RtldLazy | RtldNoLoad);
        }
    }

    /// <summary>
    /// Sets <paramref name="name"/> in the native environment (what native libraries read with getenv) unless it is set
    /// already; .NET's Environment.SetEnvironmentVariable changes only the managed copy on Unix.
    /// </summary>
    public static bool SetDefault(string name, string value)
    {
        if (!TryGetExport("setenv", out IntPtr setenv))
        {
            return false;
        }

        fixed (byte* key = Terminated(name))
        fixed (byte* text = Terminated(value))
        {
            return ((delegate* unmanaged<byte*, byte*, int, int>)setenv)(key, text, 0) == 0;
        }
    }

    private static bool TryGetExport(string name, out IntPtr address)
    {
        address = IntPtr.Zero;
        return Library.Value != IntPtr.Zero && NativeLibrary.TryGetExport(Library.Value, name, out address);
    }

    private static byte[] Terminated(string text) => Encoding.UTF8.GetBytes(text + "\0");
}
