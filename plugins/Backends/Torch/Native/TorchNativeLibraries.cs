using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using TorchSharp;

namespace LlmFramework.Backends.Torch.Native;

/// <summary>
/// Makes TorchSharp load libtorch from the plugin's own folder, whichever way the host loaded the plugin.
/// </summary>
/// <remarks>
/// <para>
/// The host loads each plugin into its own load context (McMaster.NETCore.Plugins). With hot reload on, assemblies are
/// loaded from memory, so <c>Assembly.Location</c> is "" and nothing is searched beside them: TorchSharp's start-up
/// check (<c>NativeLibrary.TryLoad("LibTorchSharp", assembly)</c>) then fails and its fallback crashes on the empty
/// location. And were the load context to resolve the libraries itself, it would shadow-copy each one alone into a
/// fresh temporary folder (440 MB for libtorch_cpu.so, without the libraries beside it that its <c>$ORIGIN</c> run path
/// expects).
/// </para>
/// <para>
/// So, before TorchSharp starts, libLibTorchSharp is loaded by its full path in the plugin folder, which brings in
/// libtorch, libtorch_cpu, libc10 and libgomp from the same folder through <c>$ORIGIN</c>. TorchSharp's own look-ups by
/// bare name then find the loaded libraries by their sonames, and a DllImport resolver on TorchSharp's assembly (asked
/// before the load context for every P/Invoke) hands out the same handles. Each load context has its own TorchSharp
/// assembly and its own copy of this class, so a reloaded plugin installs its resolver again and the operating system
/// returns the libraries already loaded: libtorch is loaded once per process and never unloaded.
/// </para>
/// </remarks>
internal static class TorchNativeLibraries
{
    /// <summary>The library TorchSharp binds to (its DllImport name).</summary>
    public const string BindingLibrary = "LibTorchSharp";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, IntPtr> Handles = new(StringComparer.Ordinal);
    private static string? _folder;

    /// <summary>The folder the native libraries are loaded from, once <see cref="Install"/> has run.</summary>
    public static string? Folder
    {
        get
        {
            lock (Gate)
            {
                return _folder;
            }
        }
    }

    /// <summary>Loads the binding library from the plugin folder and installs the resolver (once per load context).</summary>
    /// <exception cref="InvalidOperationException">The plugin's native libraries cannot be found or do not load (the message says why).</exception>
    public static void Install()
    {
        lock (Gate)
        {
            if (_folder is not null)
            {
                return;
            }

            string folder = LocateFolder(out string searched)
                ?? throw new InvalidOperationException($"the torch backend cannot find {FileName(BindingLibrary)} (searched {searched}); rebuild plugins/Backends/Torch, which puts libtorch beside the plugin");
            // libgomp (libtorch's OpenMP) reads this when it loads. Its default, spinning at every barrier, collapses
            // when the cores are shared (with the CPU backend's workers, or other processes): measured 10 instead of 110
            // decode tokens/s with 2 threads on a busy 2-core machine. OMP_WAIT_POLICY=ACTIVE in the environment wins.
            LibC.SetDefault("OMP_WAIT_POLICY", "PASSIVE");
            try
            {
                Load(folder, BindingLibrary);
            }
            catch (DllNotFoundException ex)
            {
                // The usual cause on Debian 12: a libLibTorchSharp.so that the build did not patch (GLIBCXX_3.4.32).
                throw new InvalidOperationException($"the torch backend cannot load libtorch from {folder}: {ex.Message}", ex);
            }

            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
            _folder = folder;
        }
    }

    /// <summary>Loads <paramref name="libraryName"/> from the plugin folder ahead of TorchSharp (e.g. torch_cuda); false when it is not there.</summary>
    public static bool Preload(string libraryName)
    {
        lock (Gate)
        {
            return _folder is not null && Load(_folder, libraryName) != IntPtr.Zero;
        }
    }

    /// <summary>The platform's file name of a library: libX.so, libX.dylib or X.dll.</summary>
    public static string FileName(string libraryName) =>
        OperatingSystem.IsWindows() ? libraryName + ".dll"
        : OperatingSystem.IsMacOS() ? "lib" + libraryName + ".dylib"
        : "lib" + libraryName + ".so";

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        lock (Gate)
        {
            return Load(_folder!, libraryName);
        }
    }

    /// <summary>
    /// The handle of <paramref name="libraryName"/>: the copy already in the process if there is one (a plugin rebuilt
    /// while the host runs has a new libLibTorchSharp.so file, and loading that by path would map a second copy),
    /// else the file in the plugin folder loaded by full path, else zero for a library that is not there (system
    /// libraries, libtorch_cuda in a CPU build): zero hands the name back to the runtime.
    /// </summary>
    private static IntPtr Load(string folder, string libraryName)
    {
        if (!Handles.TryGetValue(libraryName, out IntPtr handle))
        {
            string path = Path.Combine(folder, FileName(libraryName));
            handle = LibC.LoadedLibrary(FileName(libraryName));
            if (handle == IntPtr.Zero && File.Exists(path))
            {
                handle = NativeLibrary.Load(path);
            }

            Handles[libraryName] = handle;
        }

        return handle;
    }

    /// <summary>
    /// The plugin folder: beside the plugin assembly when it was loaded from a file; otherwise the folder the load
    /// context loads the plugin from (McMaster's ManagedLoadContext keeps it in a private field, read by reflection
    /// because the library offers no public way); last, the application folder (tests, single-folder deployments).
    /// </summary>
    private static string? LocateFolder(out string searched)
    {
        Assembly self = typeof(TorchNativeLibraries).Assembly;
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(self.Location))
        {
            candidates.Add(Path.GetDirectoryName(self.Location)!);
        }

        if (LoadContextFolder(AssemblyLoadContext.GetLoadContext(self)) is { } contextFolder)
        {
            candidates.Add(contextFolder);
        }

        candidates.Add(AppContext.BaseDirectory);
        searched = string.Join(", ", candidates);
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, FileName(BindingLibrary))));
    }

    private static string? LoadContextFolder(AssemblyLoadContext? context)
    {
        for (Type? type = context?.GetType(); type is not null && type != typeof(AssemblyLoadContext); type = type.BaseType)
        {
            if (type.GetField("_basePath", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(context) is string folder && Directory.Exists(folder))
            {
                return folder;
            }
        }

        return null;
    }
}
