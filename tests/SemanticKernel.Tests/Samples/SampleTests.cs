using System.Text.RegularExpressions;
using LlmFramework.SemanticKernel.Tests.Support;

namespace LlmFramework.SemanticKernel.Tests.Samples;

/// <summary>Each sample runs once on the default model with a small token budget; its output has the promised shape.</summary>
[Collection(EngineCollection.Name)]
public sealed partial class SampleTests(EngineFixture fixture)
{
    [Fact]
    public async Task The_semantic_kernel_chat_sample_prints_a_reply_and_the_same_reply_streamed()
    {
        (int code, string output, string error) = await SampleRunner.RunAsync("SemanticKernelChat", "--max-tokens", "12", "--topic", "a storm");
        Assert.True(code == 0, $"exit {code}: {error}");
        string[] lines = output.Split('\n');
        Assert.Equal("[in-process: the engine runs inside this process]", lines[0]);
        int whole = Array.IndexOf(lines, "[prompt function, topic: a storm]");
        int streamed = Array.IndexOf(lines, "[streaming]");
        Assert.True(whole >= 0 && streamed > whole, output);
        string wholeText = string.Join('\n', lines[(whole + 1)..streamed]).Trim();
        Match done = DoneLine().Match(output);
        Assert.True(done.Success, output);
        string streamedText = output[(output.IndexOf("[streaming]\n", StringComparison.Ordinal) + "[streaming]\n".Length)..done.Index].Trim();
        Assert.False(string.IsNullOrWhiteSpace(wholeText));
        Assert.True(int.Parse(done.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2);

        // Sampled with a fixed seed: the streamed run repeats the whole one.
        Assert.Equal(wholeText, streamedText);
    }

    [Theory]
    [InlineData("sse", "Sse")]
    [InlineData("msgpack", "MessagePack")]
    public async Task The_semantic_kernel_chat_sample_talks_to_a_remote_host_over_either_transport(string flag, string transport)
    {
        await using OpenAiTestServer server = await OpenAiTestServer.StartAsync(fixture.Chat, fixture.Embeddings, fixture.Engine.ModelId);
        (int code, string output, string error) = await SampleRunner.RunAsync("SemanticKernelChat", "--endpoint", server.Endpoint.AbsoluteUri, "--transport", flag, "--api-key", OpenAiTestServer.ApiKey, "--max-tokens", "8");
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.StartsWith($"[remote: {server.Endpoint.AbsoluteUri} over {transport}]", output, StringComparison.Ordinal);
        Assert.Matches(DoneLine(), output);
    }

    [Fact]
    public async Task The_rag_sample_cites_numbered_chunks_of_the_shipped_documents()
    {
        (int code, string output, string error) = await SampleRunner.RunAsync("Rag", "--max-tokens", "12", "--top-k", "3", "--question", "Who was Mr. Bingley?");
        Assert.True(code == 0, $"exit {code}: {error}");
        string[] docs = [.. Directory.GetFiles(Path.Combine(SampleRunner.RepositoryRoot, "samples", "Rag", "docs"), "*.txt").Select(Path.GetFileName)!];
        Assert.Matches($@"\[indexed \d+ chunks from {docs.Length} files in ", output);
        Assert.Contains("[answer] ", output, StringComparison.Ordinal);
        MatchCollection citations = Citation().Matches(output[output.IndexOf("[sources]", StringComparison.Ordinal)..]);
        Assert.Equal(["1", "2", "3"], citations.Select(c => c.Groups[1].Value));
        Assert.All(citations, c => Assert.Contains(c.Groups[2].Value, docs));

        // Measured on the default model: the chunk that announces Mr. Bingley's arrival ranks first.
        Assert.Equal("pride-and-prejudice.txt", citations[0].Groups[2].Value);
    }

    [GeneratedRegex(@"\[done: (\d+) streamed chunks\]")]
    private static partial Regex DoneLine();

    [GeneratedRegex(@"^\[(\d+)\] ([\w\-]+\.txt), chunk \d+ \(cosine [\d.\-]+\): ", RegexOptions.Multiline)]
    private static partial Regex Citation();
}
