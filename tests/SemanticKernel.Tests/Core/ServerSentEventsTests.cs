using System.Text;
using LlmFramework.SemanticKernel.Core;

namespace LlmFramework.SemanticKernel.Tests.Core;

public sealed class ServerSentEventsTests
{
    [Fact]
    public async Task Data_lines_of_one_event_are_joined_comments_are_skipped_and_done_ends_the_stream()
    {
        const string wire = ": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\ndata: line one\ndata: line two\n\ndata:[DONE]\n\ndata: after\n\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(wire));
        var payloads = new List<string>();
        await foreach (string data in ServerSentEvents.ReadDataAsync(stream, CancellationToken.None))
        {
            payloads.Add(data);
        }

        Assert.Equal(["{\"a\":1}", "line one\nline two"], payloads);
    }

    [Fact]
    public async Task The_last_event_counts_when_the_stream_ends_without_a_blank_line()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("data: one\r\n\r\ndata: two"));
        var payloads = new List<string>();
        await foreach (string data in ServerSentEvents.ReadDataAsync(stream, CancellationToken.None))
        {
            payloads.Add(data);
        }

        Assert.Equal(["one", "two"], payloads);
    }
}
