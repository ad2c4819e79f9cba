namespace LlmFramework.Abstractions.Tests;

public sealed class ContractVersionTests
{
    [Fact]
    public void Same_major_and_older_or_equal_minor_is_compatible()
    {
        Assert.True(ContractVersion.IsCompatible(new Version(ContractVersion.Major, 0)));
        Assert.True(ContractVersion.IsCompatible(ContractVersion.Current));
    }

    [Fact]
    public void Other_major_or_newer_minor_is_refused()
    {
        Assert.False(ContractVersion.IsCompatible(new Version(ContractVersion.Major + 1, 0)));
        Assert.False(ContractVersion.IsCompatible(new Version(ContractVersion.Major - 1, 0)));
        Assert.False(ContractVersion.IsCompatible(new Version(ContractVersion.Major, ContractVersion.Minor + 1)));
    }

    [Fact]
    public void Assembly_version_is_the_contract_version()
    {
        Version v = typeof(ContractVersion).Assembly.GetName().Version!;
        Assert.Equal(ContractVersion.Major, v.Major);
        Assert.Equal(ContractVersion.Minor, v.Minor);
    }
}
