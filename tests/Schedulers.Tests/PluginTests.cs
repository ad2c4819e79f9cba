using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Schedulers.Tests.Support;

namespace LlmFramework.Schedulers.Tests;

public sealed class PluginTests
{
    [Fact]
    public void Manifest_is_an_moe_scheduler_plugin_built_against_contract_1_2_or_later()
    {
        PluginManifest manifest = new MoeSchedulersPlugin().Manifest;
        Assert.Equal("LlmFramework.Schedulers", manifest.Name);
        Assert.Equal(PluginKind.MoeScheduler, manifest.Kind);
        Assert.Equal(new Version(ContractVersion.Major, ContractVersion.Minor), manifest.ContractVersion);
        Assert.True(manifest.ContractVersion >= new Version(1, 2), $"contract {manifest.ContractVersion}");
    }

    [Fact]
    public void Registers_the_Static_LoadAware_and_Balanced_factories_and_nothing_else()
    {
        var registry = new SchedulerRegistry();
        new MoeSchedulersPlugin().Register(registry);

        Assert.Equal(["Static", "LoadAware", "Balanced"], registry.Schedulers.Select(f => f.Name));
        Assert.All(registry.Schedulers, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
    }

    [Fact]
    public void Each_factory_creates_a_scheduler_of_its_own_name()
    {
        var registry = new SchedulerRegistry();
        new MoeSchedulersPlugin().Register(registry);

        foreach (IMoeSchedulerFactory factory in registry.Schedulers)
        {
            Assert.Equal(factory.Name, factory.Create(new Dictionary<string, string>()).Name);
        }
    }
}
