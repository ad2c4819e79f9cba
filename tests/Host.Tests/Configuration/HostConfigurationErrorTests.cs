using LlmFramework.Host.Configuration;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Configuration;

/// <summary>Every configuration error names the key (and the file when there is one) and says what is wrong.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class HostConfigurationErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Typo_in_a_key_names_the_key_the_file_and_suggests_the_nearest_known_key()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Modle": { "Path": "x.gguf" } } }""");
        HostConfigurationException ex = ConfigAssert.Fails(file, null, "unknown key 'LlmFramework:Modle'", "(did you mean 'Model'?)", file);
        Assert.Contains("Backends", ex.Message, StringComparison.Ordinal); // lists the known keys
    }

    [Fact]
    public void Typo_in_a_nested_key_suggests_the_nearest_sibling()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Engine": { "MaxBatchTokns": 8 } } }""");
        ConfigAssert.Fails(file, null, "unknown key 'LlmFramework:Engine:MaxBatchTokns'", "(did you mean 'MaxBatchTokens'?)", "known keys under 'LlmFramework:Engine'");
    }

    [Fact]
    public void Typo_in_a_set_override_is_reported_too()
    {
        ConfigAssert.Fails(null, ["LlmFramework:Backends:Thread=2"], "unknown key 'LlmFramework:Backends:Thread'", "(did you mean 'Threads'?)");
    }

    [Fact]
    public void A_key_with_nothing_close_gets_no_suggestion()
    {
        HostConfigurationException ex = ConfigAssert.Fails(null, ["LlmFramework:Zzzzzzzzzzzz=1"], "unknown key 'LlmFramework:Zzzzzzzzzzzz'");
        Assert.DoesNotContain("did you mean", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_top_level_section_is_named_with_a_suggestion_and_the_known_sections()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramwork": { "Backends": { "Threads": 2 } } }""");
        ConfigAssert.Fails(file, null, file, "unknown section 'LlmFramwork'", "(did you mean 'LlmFramework'?)", "known sections: LlmFramework, Logging");
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        string file = _dir.WriteText("broken.json", """{ "LlmFramework": { "Backends": { "Threads": 2 """);
        ConfigAssert.Fails(file, null, file, "not valid JSON");
    }

    [Fact]
    public void Top_level_that_is_not_an_object_names_the_file()
    {
        string file = _dir.WriteText("array.json", "[ 1, 2 ]");
        ConfigAssert.Fails(file, null, file, "top level must be a JSON object");
    }

    [Fact]
    public void A_string_where_a_number_is_expected_names_the_key_and_the_value()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Backends": { "Threads": "two" } } }""");
        ConfigAssert.Fails(file, null, file, "LlmFramework:Backends:Threads", "'two'");
    }

    [Fact]
    public void A_section_where_a_single_value_is_expected_names_the_key()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Backends": { "Threads": { "Count": 2 } } } }""");
        ConfigAssert.Fails(file, null, file, "'LlmFramework:Backends:Threads' must be a single value, not a section");
    }

    [Fact]
    public void Missing_config_file_is_named()
    {
        string file = _dir.Combine("absent.json");
        ConfigAssert.Fails(file, null, $"config file '{file}' does not exist");
    }

    [Fact]
    public void Override_without_an_equals_sign_is_named()
    {
        ConfigAssert.Fails(null, ["LlmFramework:Backends:Threads"], "override 'LlmFramework:Backends:Threads' must look like Section:Key=Value");
    }

    [Theory]
    [InlineData("Backends:Threads", "-1", "must be between 0 (one per core) and 1024, got -1")]
    [InlineData("Backends:Threads", "1025", "must be between 0 (one per core) and 1024, got 1025")]
    [InlineData("Backends:Preferred:5", " ", "must not contain empty names")]
    [InlineData("Engine:MaxBatchTokens", "0", "must be in [1, 65536], got 0")]
    [InlineData("Engine:MaxBatchTokens", "65537", "must be in [1, 65536], got 65537")]
    [InlineData("Engine:MaxSequences", "0", "must be in [1, 4096], got 0")]
    [InlineData("Engine:MaxSequences", "4097", "must be in [1, 4096], got 4097")]
    [InlineData("Engine:KvBlockSize", "0", "must be in [1, 1024], got 0")]
    [InlineData("Engine:KvBlockSize", "1025", "must be in [1, 1024], got 1025")]
    [InlineData("Engine:KvCacheTokens", "-1", "must not be negative, got -1")]
    [InlineData("Engine:KvCacheMemoryMiB", "-2", "must be a finite number >= 0 (0 = size by KvCacheTokens), got -2")]
    [InlineData("Engine:MaxQueuedRequests", "-1", "must not be negative (0 = no limit), got -1")]
    [InlineData("Engine:SchedulingPolicy", "lifo", "must be \"fcfs\" or \"priority\", got \"lifo\"")]
    [InlineData("Model:ContextLength", "-5", "must not be negative, got -5")]
    [InlineData("Generation:MaxTokens", "0", "must be at least 1, got 0")]
    [InlineData("Generation:Temperature", "-0.5", "must be a finite number >= 0, got -0.5")]
    [InlineData("Generation:Temperature", "NaN", "must be a finite number >= 0, got NaN")]
    [InlineData("Generation:TopP", "0", "must be in (0, 1], got 0")]
    [InlineData("Generation:TopP", "1.5", "must be in (0, 1], got 1.5")]
    [InlineData("Generation:MinP", "-0.1", "must be in [0, 1], got -0.1")]
    [InlineData("Generation:MinP", "1.1", "must be in [0, 1], got 1.1")]
    [InlineData("Generation:TopK", "-1", "must not be negative, got -1")]
    [InlineData("Generation:RepetitionPenalty", "0", "must be > 0, got 0")]
    public void Each_range_check_names_the_key_and_the_bad_value(string key, string value, string problem)
    {
        ConfigAssert.Fails(null, [$"LlmFramework:{key}={value}"], $"LlmFramework:{key.Split(':')[0]}:{key.Split(':')[1]} {problem}");
    }

    [Fact]
    public void A_kv_memory_budget_and_a_kv_token_count_together_are_refused()
    {
        ConfigAssert.Fails(null, ["LlmFramework:Engine:KvCacheMemoryMiB=64", "LlmFramework:Engine:KvCacheTokens=1024"], "LlmFramework:Engine:KvCacheMemoryMiB and Engine:KvCacheTokens are both set (64 MiB, 1024 tokens); set one");
    }

    [Fact]
    public void Range_errors_from_a_file_name_the_file()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Engine": { "KvBlockSize": 4096 } } }""");
        ConfigAssert.Fails(file, null, $"{file}: LlmFramework:Engine:KvBlockSize must be in [1, 1024], got 4096");
    }

    [Fact]
    public void Model_path_that_does_not_exist_is_named()
    {
        string file = _dir.WriteText(Path.Combine("configs", "host.json"), """{ "LlmFramework": { "Model": { "Path": "../models/absent.gguf" } } }""");
        string resolved = _dir.Combine("models", "absent.gguf");
        ConfigAssert.Fails(file, null, file, $"LlmFramework:Model:Path '{resolved}' does not exist");
    }

    [Fact]
    public void Plugin_directory_that_does_not_exist_is_named()
    {
        string missing = _dir.Combine("no-plugins-here");
        ConfigAssert.Fails(null, [$"LlmFramework:Plugins:Directories:0={missing}"], $"LlmFramework:Plugins:Directories '{missing}' does not exist");
    }

    [Theory]
    [InlineData("Backends", "Preferred", "torch")]
    [InlineData("Generation", "Stop", "###")]
    [InlineData("Plugins", "Directories", "/tmp")]
    public void A_single_value_where_a_list_is_expected_names_the_key(string section, string key, string value)
    {
        string file = _dir.WriteText("host.json", $$"""{ "LlmFramework": { "{{section}}": { "{{key}}": "{{value}}" } } }""");
        ConfigAssert.Fails(file, null, file, $"LlmFramework:{section}:{key}");
    }

    [Fact]
    public void A_negative_seed_names_the_key()
    {
        ConfigAssert.Fails(null, ["LlmFramework:Generation:Seed=-1"], "LlmFramework:Generation:Seed", "'-1'");
    }
}
