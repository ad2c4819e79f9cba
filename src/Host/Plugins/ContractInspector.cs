using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using LlmFramework.Abstractions;

namespace LlmFramework.Host.Plugins;

/// <summary>
/// Reads, without loading it, which contract version a plugin assembly was compiled against: the version of its
/// reference to LlmFramework.Abstractions (whose assembly version is the contract version).
/// </summary>
public static class ContractInspector
{
    /// <summary>The contracts assembly's simple name.</summary>
    public const string ContractsAssemblyName = "LlmFramework.Abstractions";

    /// <summary>The referenced contract version, or null when the assembly does not reference the contracts.</summary>
    public static Version? ReadReferencedContractVersion(string assemblyPath)
    {
        using FileStream stream = new(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw new BadImageFormatException($"{assemblyPath} is not a .NET assembly");
        }

        MetadataReader reader = pe.GetMetadataReader();
        foreach (AssemblyReferenceHandle handle in reader.AssemblyReferences)
        {
            AssemblyReference reference = reader.GetAssemblyReference(handle);
            if (reader.GetString(reference.Name) == ContractsAssemblyName)
            {
                return reference.Version;
            }
        }

        return null;
    }

    /// <summary>Null when the plugin at <paramref name="assemblyPath"/> may be loaded, else why not.</summary>
    public static string? CheckCompatibility(string assemblyPath)
    {
        Version? referenced;
        try
        {
            referenced = ReadReferencedContractVersion(assemblyPath);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            return $"cannot read {assemblyPath}: {ex.Message}";
        }

        if (referenced is null)
        {
            return $"{Path.GetFileName(assemblyPath)} does not reference {ContractsAssemblyName}, so it is not an LlmFramework plugin";
        }

        var contract = new Version(referenced.Major, referenced.Minor);
        return ContractVersion.IsCompatible(contract)
            ? null
            : $"{Path.GetFileName(assemblyPath)} was built against plugin contract {contract}, but this host implements contract {ContractVersion.Current} (a plugin needs the same major version and a minor version not newer than the host's); rebuild the plugin against this host's LlmFramework.Abstractions";
    }
}
