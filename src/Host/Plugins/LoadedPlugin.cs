using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Host.Plugins;

/// <summary>A plugin the host has loaded, with what it registered.</summary>
/// <param name="Manifest">The plugin's manifest.</param>
/// <param name="AssemblyPath">The plugin's main assembly.</param>
/// <param name="Backends">Backend factories it registered.</param>
/// <param name="Families">Model families it registered.</param>
/// <param name="MoeSchedulers">MoE scheduler factories it registered (contract 1.2).</param>
/// <param name="LoadCount">1 for the first load, +1 for every hot reload.</param>
public sealed record LoadedPlugin(PluginManifest Manifest, string AssemblyPath, IReadOnlyList<IBackendFactory> Backends, IReadOnlyList<IModelFamily> Families, IReadOnlyList<IMoeSchedulerFactory> MoeSchedulers, int LoadCount);
