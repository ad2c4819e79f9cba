namespace LlmFramework.Clients.Tests.Support;

/// <summary>Locations in the repository the tests run from.</summary>
internal static class RepositoryPaths
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>The folder holding LlmFramework.sln, found by walking up from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The host's output folder (src/Host/bin/&lt;cfg&gt;/net10.0).</summary>
    public static string HostFolder => Path.Combine(Root, "src", "Host", "bin", Configuration, "net10.0");

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
