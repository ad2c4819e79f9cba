using LlmFramework.Abstractions;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Plugins;

/// <summary>Reading a plugin's contract version from its metadata, without loading it.</summary>
public sealed class ContractInspectorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_plugin_built_against_these_contracts_references_their_version_and_is_compatible()
    {
        string dll = Write("Ok", TestPluginSources.Minimal("ok"));
        Assert.Equal(new Version(ContractVersion.Major, ContractVersion.Minor, 0, 0), ContractInspector.ReadReferencedContractVersion(dll));
        Assert.Null(ContractInspector.CheckCompatibility(dll));
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(1, 99)]
    [InlineData(0, 9)]
    public void A_plugin_built_against_other_contracts_is_refused_naming_both_versions(int major, int minor)
    {
        string dll = Write("Other", TestPluginSources.AgainstFakeContracts("other"), PluginCompiler.CompileFakeContracts(major, minor));
        Assert.Equal(new Version(major, minor, 0, 0), ContractInspector.ReadReferencedContractVersion(dll));
        string? reason = ContractInspector.CheckCompatibility(dll);
        Assert.NotNull(reason);
        Assert.Contains($"Other.dll was built against plugin contract {major}.{minor}", reason, StringComparison.Ordinal);
        Assert.Contains($"this host implements contract {ContractVersion.Major}.{ContractVersion.Minor}", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_without_the_contracts_reference_reads_as_null()
    {
        string dll = Write("Plain", TestPluginSources.PlainLibrary());
        Assert.Null(ContractInspector.ReadReferencedContractVersion(dll));
        Assert.Contains("does not reference LlmFramework.Abstractions", ContractInspector.CheckCompatibility(dll), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_an_assembly_is_a_bad_image()
    {
        string path = _dir.Combine("text.dll");
        File.WriteAllText(path, "this is not a portable executable, just text long enough to have a header");
        Assert.Throws<BadImageFormatException>(() => ContractInspector.ReadReferencedContractVersion(path));
        Assert.Contains($"cannot read {path}", ContractInspector.CheckCompatibility(path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_reported_not_thrown()
    {
        string path = _dir.Combine("absent.dll");
        Assert.Contains($"cannot read {path}", ContractInspector.CheckCompatibility(path), StringComparison.Ordinal);
    }

    private string Write(string name, string source, params Microsoft.CodeAnalysis.MetadataReference[] contracts)
    {
        string path = _dir.Combine(name + ".dll");
        File.WriteAllBytes(path, PluginCompiler.Compile(name, source, contracts));
        return path;
    }
}
