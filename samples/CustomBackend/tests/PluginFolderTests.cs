using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Contoso.LlmBackend.Tests.Support;
using LlmFramework.Abstractions;

namespace Contoso.LlmBackend.Tests;

/// <summary>What the build leaves in plugins/ContosoBackend/: the plugin and its deps.json, never a copy of the contracts.</summary>
public sealed class PluginFolderTests
{
    [Fact]
    public void The_folder_holds_the_plugin_and_its_deps_json_but_no_copy_of_the_contracts()
    {
        string folder = Path.GetDirectoryName(SamplePaths.PluginAssembly)!;
        Assert.True(File.Exists(SamplePaths.PluginAssembly), $"{SamplePaths.PluginAssembly} was not built");
        Assert.True(File.Exists(Path.Combine(folder, "Contoso.LlmBackend.deps.json")), "no deps.json: the host could not tell the main assembly");
        Assert.Equal(["Contoso.LlmBackend.dll"], Directory.GetFiles(folder, "*.dll").Select(Path.GetFileName));
    }

    [Fact]
    public void The_plugin_references_the_contract_version_it_was_built_against_and_declares_the_same()
    {
        using FileStream stream = File.OpenRead(SamplePaths.PluginAssembly);
        using var pe = new PEReader(stream);
        MetadataReader reader = pe.GetMetadataReader();
        Version referenced = reader.AssemblyReferences.Select(reader.GetAssemblyReference)
            .Single(r => reader.GetString(r.Name) == "LlmFramework.Abstractions").Version;

        Version declared = new ContosoBackendPlugin().Manifest.ContractVersion;

        Assert.Equal(new Version(ContractVersion.Major, ContractVersion.Minor), new Version(referenced.Major, referenced.Minor));
        Assert.Equal(new Version(referenced.Major, referenced.Minor), declared);
    }
}
