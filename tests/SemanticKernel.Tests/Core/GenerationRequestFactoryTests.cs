using LlmFramework.Engine.Sampling;
using LlmFramework.Host.Configuration;
using LlmFramework.SemanticKernel.Core;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Tests.Core;

public sealed class GenerationRequestFactoryTests
{
    private static readonly GenerationSettings Defaults = new() { Temperature = 0.8f, TopK = 40, TopP = 0.95f, MinP = 0.05f, RepetitionPenalty = 1.1f, Seed = 5 };

    [Fact]
    public void Every_chat_option_maps_to_its_sampling_field()
    {
        var options = new ChatOptions
        {
            Temperature = 0.3f,
            TopK = 7,
            TopP = 0.5f,
            FrequencyPenalty = 0.4f,
            PresencePenalty = -0.6f,
            Seed = 1234,
            AdditionalProperties = new AdditionalPropertiesDictionary { ["min_p"] = 0.2, ["repetition_penalty"] = "1.3" },
        };
        SamplingOptions s = GenerationRequestFactory.Sampling(options, Defaults);
        Assert.Equal((0.3f, 7, 0.5f, 0.4f, -0.6f, 1234UL), (s.Temperature, s.TopK, s.TopP, s.FrequencyPenalty, s.PresencePenalty, s.Seed));
        Assert.Equal(0.2f, s.MinP);
        Assert.Equal(1.3f, s.RepetitionPenalty);
    }

    [Fact]
    public void Unset_options_take_the_configured_generation_defaults()
    {
        SamplingOptions s = GenerationRequestFactory.Sampling(new ChatOptions(), Defaults);
        Assert.Equal((0.8f, 40, 0.95f, 0.05f, 1.1f, 5UL), (s.Temperature, s.TopK, s.TopP, s.MinP, s.RepetitionPenalty, s.Seed));
        Assert.Equal((0f, 0f), (s.FrequencyPenalty, s.PresencePenalty));
        Assert.Equal(s, GenerationRequestFactory.Sampling(null, Defaults));
    }

    [Fact]
    public void A_negative_seed_is_kept_as_its_bits()
    {
        Assert.Equal(ulong.MaxValue, GenerationRequestFactory.Sampling(new ChatOptions { Seed = -1 }, Defaults).Seed);
    }

    [Fact]
    public void A_non_numeric_extra_sampling_value_is_an_error_naming_the_key()
    {
        var options = new ChatOptions { AdditionalProperties = new AdditionalPropertiesDictionary { ["min_p"] = "lots" } };
        var ex = Assert.Throws<ArgumentException>(() => GenerationRequestFactory.Sampling(options, Defaults));
        Assert.Contains("ChatOptions.AdditionalProperties[\"min_p\"] must be a number", ex.Message, StringComparison.Ordinal);
    }
}
