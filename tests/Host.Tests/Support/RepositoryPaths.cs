namespace LlmFramework.Host.Tests.Support;

/// <summary>Locations in the repository the tests run from.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding LlmFramework.sln, found by walking up from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of this test assembly (the host is built with the same one).</summary>
    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>Where the plugin projects build to: src/Host/bin/&lt;Configuration&gt;/net10.0/plugins.</summary>
    public static string HostPluginDirectory => Path.Combine(Root, "src", "Host", "bin", Configuration, "net10.0", "plugins");

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
