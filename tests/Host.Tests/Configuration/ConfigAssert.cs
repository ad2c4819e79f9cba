using LlmFramework.Host.Configuration;

namespace LlmFramework.Host.Tests.Configuration;

internal static class ConfigAssert
{
    /// <summary>Asserts that loading fails with a <see cref="HostConfigurationException"/> whose message contains every fragment.</summary>
    public static HostConfigurationException Fails(string? configFile, IEnumerable<string>? overrides, params string[] fragments)
    {
        HostConfigurationException ex = Assert.Throws<HostConfigurationException>(() => HostConfigurationLoader.Load(configFile, overrides));
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        }

        return ex;
    }
}
