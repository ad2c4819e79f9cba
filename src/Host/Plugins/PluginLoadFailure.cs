namespace LlmFramework.Host.Plugins;

/// <summary>A plugin folder that could not be loaded, and why.</summary>
/// <param name="Path">The folder or assembly.</param>
/// <param name="Reason">What went wrong.</param>
public sealed record PluginLoadFailure(string Path, string Reason);
