using LlmFramework.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Tests.Services;

[Collection(EngineCollection.Name)]
public sealed class LlmFrameworkEmbeddingGeneratorTests(EngineFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Every_text_gets_a_unit_vector_of_the_models_hidden_size_and_usage_counts_the_tokens()
    {
        string[] texts = ["The ship sailed at dawn.", "Miss Taylor married.", "x"];
        GeneratedEmbeddings<Embedding<float>> result = await fixture.Embeddings.GenerateAsync(texts);
        Assert.Equal(3, result.Count);
        Assert.All(result, e =>
        {
            Assert.Equal(256, e.Dimensions);
            double norm = Math.Sqrt(e.Vector.ToArray().Sum(v => (double)v * v));
            Assert.InRange(norm, 0.999, 1.001);
            Assert.Equal("default", e.ModelId);
        });
        int tokens = texts.Sum(t => fixture.Engine.Runtime.Model.Tokenizer.Encode(t).Length);
        Assert.Equal(tokens, result.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task The_same_text_gets_the_same_vector()
    {
        var a = await fixture.Embeddings.GenerateAsync(["The whale rose from the sea."]);
        var b = await fixture.Embeddings.GenerateAsync(["The whale rose from the sea."]);
        Assert.Equal(a[0].Vector.ToArray(), b[0].Vector.ToArray());
    }

    [Fact]
    public async Task A_near_paraphrase_is_closer_than_an_unrelated_text()
    {
        // What holds on the default model (mean-pooled hidden states of a small LM): near-identical wording is far
        // closer than unrelated prose; it is no semantic embedding model beyond that.
        var e = await fixture.Embeddings.GenerateAsync([
            "The captain stood on the deck of the ship and looked at the sea.",
            "The captain stood on the deck of his ship and gazed at the sea.",
            "Mrs. Bennet spoke of the new neighbour and his five thousand a year.",
        ]);
        float similar = Cosine(e[0], e[1]);
        float unrelated = Cosine(e[0], e[2]);
        output.WriteLine($"cosine: paraphrase {similar:F3}, unrelated {unrelated:F3}");
        Assert.True(similar > unrelated + 0.05f, $"paraphrase {similar:F3} vs unrelated {unrelated:F3}");
    }

    [Fact]
    public async Task Metadata_gives_the_dimensions_and_a_wrong_dimension_request_is_an_error()
    {
        var metadata = Assert.IsType<EmbeddingGeneratorMetadata>(fixture.Embeddings.GetService(typeof(EmbeddingGeneratorMetadata)));
        Assert.Equal(("LlmFramework", "default", 256), (metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Embeddings.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 128 }));
        Assert.Contains("Dimensions is 128 but default embeds into 256 dimensions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_longer_than_the_context_is_an_error_naming_the_input()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Embeddings.GenerateAsync(["short", string.Join(' ', Enumerable.Repeat("word", 2000))]));
        Assert.StartsWith("values[1]: the input has", ex.Message, StringComparison.Ordinal);
        Assert.Contains("context length is 512", ex.Message, StringComparison.Ordinal);
    }

    private static float Cosine(Embedding<float> a, Embedding<float> b)
    {
        ReadOnlySpan<float> x = a.Vector.Span, y = b.Vector.Span;
        float dot = 0;
        for (int i = 0; i < x.Length; i++)
        {
            dot += x[i] * y[i];
        }

        return dot;
    }
}
