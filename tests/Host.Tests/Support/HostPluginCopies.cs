namespace LlmFramework.Host.Tests.Support;

/// <summary>
/// Copies of the host's built plugins in a test's own folder: the test watches its copy, so a concurrent rebuild of the
/// real plugins cannot trigger a reload, and plugins the test does not name are not loaded.
/// </summary>
public static class HostPluginCopies
{
    /// <summary>Copies the plugin folders <paramref name="names"/> into a new folder under <paramref name="dir"/> and returns it.</summary>
    public static string Copy(TempDirectory dir, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(dir);
        string target = dir.CreateFolder("host-plugins");
        foreach (string name in names)
        {
            string source = Path.Combine(RepositoryPaths.HostPluginDirectory, name);
            Assert.True(Directory.Exists(source), $"the host's {name} plugin is not built at {source}; build src/Host first");
            string copy = Directory.CreateDirectory(Path.Combine(target, name)).FullName;
            foreach (string file in Directory.GetFiles(source))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }

        return target;
    }
}
