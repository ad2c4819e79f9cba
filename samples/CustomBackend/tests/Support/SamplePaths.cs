namespace Contoso.LlmBackend.Tests.Support;

/// <summary>Where the sample, its config, its built plugin and the host are, found from the test's output folder.</summary>
internal static class SamplePaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string SampleFolder => Path.Combine(RepositoryRoot, "samples", "CustomBackend");

    public static string ConfigFile => Path.Combine(SampleFolder, "contoso.json");

    public static string PluginAssembly => Path.Combine(SampleFolder, "plugins", "ContosoBackend", "Contoso.LlmBackend.dll");

    /// <summary>The host built in this test assembly's configuration (the project reference builds it first).</summary>
    public static string HostAssembly => Path.Combine(RepositoryRoot, "src", "Host", "bin", Configuration, "net10.0", "LlmFramework.Host.dll");

    private static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmFramework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LlmFramework.sln not found above {AppContext.BaseDirectory}");
    }
}
