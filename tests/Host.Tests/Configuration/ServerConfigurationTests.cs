using LlmFramework.Host.Configuration;
using LlmFramework.Host.Serving;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Configuration;

/// <summary>LlmFramework:Server: defaults, validation naming the key, served model entries and their ids.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class ServerConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_defaults_listen_on_loopback_8080_with_a_one_mebibyte_body_limit_and_no_keys()
    {
        ServerOptions s = HostConfigurationLoader.Load(null).Options.Server;
        Assert.Equal("http://127.0.0.1:8080", s.Urls);
        Assert.Equal(1024 * 1024, s.MaxRequestBodyBytes);
        Assert.Empty(s.ApiKeys);
        Assert.Equal("", s.AdminKey);
        Assert.Equal(30, s.ShutdownTimeoutSeconds);
        Assert.Empty(s.Models);
    }

    [Theory]
    [InlineData("LlmFramework:Server:ApiKey=x", "unknown key 'LlmFramework:Server:ApiKey'", "(did you mean 'ApiKeys'?)")]
    [InlineData("LlmFramework:Server:MaxRequestBodyBytes=10", "LlmFramework:Server:MaxRequestBodyBytes must be at least 1024, got 10", null)]
    [InlineData("LlmFramework:Server:RequestTimeoutSeconds=-1", "LlmFramework:Server:RequestTimeoutSeconds must not be negative", null)]
    [InlineData("LlmFramework:Server:Urls=ftp://x", "LlmFramework:Server:Urls 'ftp://x' is not an http:// address", null)]
    [InlineData("LlmFramework:Server:ApiKeys:0= ", "LlmFramework:Server:ApiKeys must not contain empty keys", null)]
    [InlineData("LlmFramework:Server:Models:0:Id=a", "LlmFramework:Server:Models:0:Path is empty", null)]
    [InlineData("LlmFramework:Server:Models:0:Paht=a", "unknown key 'LlmFramework:Server:Models:0:Paht'", "(did you mean 'Path'?)")]
    public void Bad_server_settings_name_the_key(string setting, string fragment, string? more)
    {
        ConfigAssert.Fails(null, [setting], [fragment, .. more is null ? Array.Empty<string>() : [more]]);
    }

    [Fact]
    public void Served_model_paths_are_relative_to_the_config_file_and_ids_come_from_the_id_or_the_name()
    {
        _dir.WriteText("models/a.gguf", "x");
        _dir.CreateFolder("models", "folder-model");
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Server": { "Models": [ { "Path": "models/a.gguf" }, { "Id": "named", "Path": "models/folder-model", "ContextLength": 64 } ] } } }""");
        HostOptions o = HostConfigurationLoader.Load(file).Options;
        Assert.Equal(_dir.Combine("models", "a.gguf"), o.Server.Models[0].Path);
        Assert.Equal("a", ModelRegistry.IdOf(o.Server.Models[0]));
        Assert.Equal("named", ModelRegistry.IdOf(o.Server.Models[1]));
        Assert.Equal(64, o.Server.Models[1].ContextLength);
        Assert.Equal("default", ModelRegistry.IdOf(o.Model));
        Assert.Equal("folder-model", ModelRegistry.IdOf(new ModelOptions { Path = _dir.Combine("models", "folder-model") + Path.DirectorySeparatorChar }));
    }

    [Fact]
    public void Two_served_models_with_one_id_are_refused()
    {
        _dir.WriteText("a.gguf", "x");
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Server": { "Models": [ { "Id": "m", "Path": "a.gguf" }, { "Id": "m", "Path": "a.gguf" } ] } } }""");
        ConfigAssert.Fails(file, null, "LlmFramework:Server:Models:1:Id 'm' is used by an earlier entry");
    }
}
