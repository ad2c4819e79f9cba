using System.Collections.Immutable;
using LlmFramework.Abstractions.Plugins;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmFramework.Host.Tests.Support;

/// <summary>
/// Compiles test plugins with Roslyn, against the running framework (the process's trusted platform assemblies in the
/// shared-framework folder) and either the real contracts (LlmFramework.Abstractions) or a fake contracts
/// assembly compiled by <see cref="CompileFakeContracts"/>.
/// </summary>
public static class PluginCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(LoadFrameworkReferences);

    /// <summary>The real contracts assembly as a reference.</summary>
    public static MetadataReference RealContracts { get; } = MetadataReference.CreateFromFile(typeof(ILlmPlugin).Assembly.Location);

    /// <summary>The conformance suite (its reference ops back the stand-in cpu backend) as a reference.</summary>
    public static MetadataReference ConformanceReference { get; } = MetadataReference.CreateFromFile(typeof(LlmFramework.Conformance.ReferenceOps).Assembly.Location);

    /// <summary>Compiles <paramref name="sources"/> into a dll image; throws with every compiler error when it does not compile.</summary>
    public static byte[] Compile(string assemblyName, string source, params MetadataReference[] references)
    {
        MetadataReference[] contracts = references.Length == 0 ? [RealContracts] : references;
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            [.. FrameworkReferences.Value, .. contracts],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable, optimizationLevel: OptimizationLevel.Release, allowUnsafe: true));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        if (!result.Success)
        {
            IEnumerable<Diagnostic> errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
            throw new InvalidOperationException($"test plugin {assemblyName} does not compile:\n{string.Join("\n", errors)}");
        }

        return image.ToArray();
    }

    /// <summary>
    /// A stand-in for LlmFramework.Abstractions with assembly version <paramref name="major"/>.<paramref name="minor"/>.0.0
    /// holding only the plugin entry-point types (ILlmPlugin, IPluginRegistry, PluginManifest, PluginKind, ContractVersion).
    /// </summary>
    public static MetadataReference CompileFakeContracts(int major, int minor = 0)
    {
        string source = $$"""
            [assembly: System.Reflection.AssemblyVersion("{{major}}.{{minor}}.0.0")]
            namespace LlmFramework.Abstractions
            {
                public static class ContractVersion
                {
                    public const int Major = {{major}};
                    public const int Minor = {{minor}};
                }
            }

            namespace LlmFramework.Abstractions.Plugins
            {
                public enum PluginKind { Backend = 0, ModelFamily = 1 }

                public sealed record PluginManifest(string Name, PluginKind Kind, System.Version Version, System.Version ContractVersion, string Description);

                public interface IPluginRegistry
                {
                }

                public interface ILlmPlugin
                {
                    PluginManifest Manifest { get; }

                    void Register(IPluginRegistry registry);
                }
            }
            """;
        var compilation = CSharpCompilation.Create(
            "LlmFramework.Abstractions",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            FrameworkReferences.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        if (!result.Success)
        {
            throw new InvalidOperationException("fake contracts do not compile:\n" + string.Join("\n", result.Diagnostics));
        }

        return MetadataReference.CreateFromImage(image.ToArray());
    }

    /// <summary>Writes <paramref name="image"/> as &lt;pluginsDirectory&gt;/&lt;folder&gt;/&lt;fileName&gt;.dll (overwriting in place) and returns the path.</summary>
    public static string WritePlugin(string pluginsDirectory, string folder, string fileName, byte[] image)
    {
        string directory = Path.Combine(pluginsDirectory, folder);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, fileName + ".dll");

        // In place (not write-and-rename): the hot-reload watcher listens for writes to *.dll.
        File.WriteAllBytes(path, image);
        return path;
    }

    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string
            ?? throw new InvalidOperationException("TRUSTED_PLATFORM_ASSEMBLIES is not set");
        return [.. trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDirectory, StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }
}
