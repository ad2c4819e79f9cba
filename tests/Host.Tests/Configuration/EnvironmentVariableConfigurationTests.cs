using LlmFramework.Host.Configuration;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Configuration;

/// <summary>LLMF_ environment variables sit between the file and the --set overrides.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class EnvironmentVariableConfigurationTests : IDisposable
{
    private const string ThreadsVariable = "LLMF_LlmFramework__Backends__Threads";
    private readonly TempDirectory _dir = new();
    private readonly List<string> _variables = [];

    public void Dispose()
    {
        foreach (string name in _variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        _dir.Dispose();
    }

    [Fact]
    public void Precedence_is_file_then_environment_then_set()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Backends": { "Threads": 3 }, "Engine": { "MaxSequences": 4, "KvBlockSize": 8 } } }""");
        Assert.Equal(3, HostConfigurationLoader.Load(file).Options.Backends.Threads);

        Set(ThreadsVariable, "5");
        Set("LLMF_LlmFramework__Engine__MaxSequences", "6");
        HostOptions fromEnvironment = HostConfigurationLoader.Load(file).Options;
        Assert.Equal(5, fromEnvironment.Backends.Threads);
        Assert.Equal(6, fromEnvironment.Engine.MaxSequences);
        Assert.Equal(8, fromEnvironment.Engine.KvBlockSize);

        HostOptions fromSet = HostConfigurationLoader.Load(file, ["LlmFramework:Backends:Threads=7"]).Options;
        Assert.Equal(7, fromSet.Backends.Threads);
        Assert.Equal(6, fromSet.Engine.MaxSequences);
    }

    [Fact]
    public void Variables_without_the_prefix_are_ignored()
    {
        Set("LlmFramework__Backends__Threads", "9");
        Assert.Equal(0, HostConfigurationLoader.Load(null).Options.Backends.Threads);
    }

    [Fact]
    public void Typo_in_an_environment_variable_names_the_key()
    {
        Set("LLMF_LlmFramework__Backends__Thread", "2");
        ConfigAssert.Fails(null, null, "unknown key 'LlmFramework:Backends:Thread'", "(did you mean 'Threads'?)");
    }

    [Fact]
    public void Bad_value_in_an_environment_variable_names_the_key()
    {
        Set(ThreadsVariable, "two");
        ConfigAssert.Fails(null, null, "LlmFramework:Backends:Threads", "'two'");
    }

    [Fact]
    public void Range_error_from_an_environment_variable_names_the_key()
    {
        Set(ThreadsVariable, "-3");
        ConfigAssert.Fails(null, null, "LlmFramework:Backends:Threads must be between 0 (one per core) and 1024, got -3");
    }

    private void Set(string name, string value)
    {
        _variables.Add(name);
        Environment.SetEnvironmentVariable(name, value);
    }
}
