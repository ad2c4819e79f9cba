namespace LlmFramework.Host.Plugins;

/// <summary>A plugin was rebuilt and its new version is loaded.</summary>
/// <param name="Previous">What was loaded before.</param>
/// <param name="Current">The new version.</param>
public sealed record PluginReloadedEventArgs(LoadedPlugin Previous, LoadedPlugin Current);
