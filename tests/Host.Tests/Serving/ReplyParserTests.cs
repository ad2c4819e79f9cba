using System.Text;
using System.Text.Json;
using LlmFramework.Host.Serving.Parsing;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>
/// The reasoning and tool-call parsers on model replies in each family's format (data/model-output): the same result
/// whole, split in two at every position, and one character at a time (tags split across chunks).
/// </summary>
public sealed class ReplyParserTests
{
    public static TheoryData<string> Cases() => [.. LoadCases().Select(c => c.GetProperty("file").GetString()!)];

    [Fact]
    public void A_chat_reply_loses_only_its_leading_white_space()
    {
        var parser = new ReplyParser(parseReasoning: true, startsInReasoning: false, parseTools: false, trimLeadingSpace: true);
        var content = new StringBuilder();
        foreach (string piece in new[] { " ", "\n", " Hello", " there", "\n", " friend" })
        {
            content.Append(parser.Push(piece).Content);
        }

        content.Append(parser.Flush().Text.Content);
        Assert.Equal("Hello there\n friend", content.ToString());

        var untrimmed = new ReplyParser(parseReasoning: false, startsInReasoning: false, parseTools: false);
        Assert.Equal(" Hello", untrimmed.Push(" Hello").Content);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_reply_parses_the_same_however_it_is_split_into_chunks(string file)
    {
        JsonElement expected = LoadCases().Single(c => c.GetProperty("file").GetString() == file);
        string reply = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "model-output", file));
        bool tools = expected.GetProperty("tools").GetBoolean();
        var splits = new List<string[]> { new[] { reply }, reply.Select(c => c.ToString()).ToArray() };
        for (int cut = 1; cut < reply.Length; cut++)
        {
            splits.Add([reply[..cut], reply[cut..]]);
        }

        foreach (string[] chunks in splits)
        {
            (string content, string reasoning, IReadOnlyList<ParsedToolCall> calls) = Parse(chunks, tools);
            string where = $"{file} in {chunks.Length} chunks (first {chunks[0].Length} chars)";
            Assert.True(expected.GetProperty("content").GetString() == content, $"{where}: content was {JsonSerializer.Serialize(content)}");
            Assert.True(expected.GetProperty("reasoning").GetString() == reasoning, $"{where}: reasoning was {JsonSerializer.Serialize(reasoning)}");
            JsonElement[] wanted = [.. expected.GetProperty("calls").EnumerateArray()];
            Assert.True(wanted.Length == calls.Count, $"{where}: {calls.Count} calls");
            for (int i = 0; i < calls.Count; i++)
            {
                Assert.Equal(wanted[i].GetProperty("name").GetString(), calls[i].Name);
                Assert.Equal(wanted[i].GetProperty("arguments").GetString(), calls[i].Arguments);
                Assert.Matches("^call_[0-9a-f]{24}$", calls[i].Id);
            }
        }
    }

    [Fact]
    public void A_prompt_that_opened_think_starts_in_reasoning_and_text_after_the_block_is_the_answer()
    {
        var parser = new ReplyParser(parseReasoning: true, startsInReasoning: true, parseTools: false);
        ReasoningSplit a = parser.Push("Thinking about it</th");
        ReasoningSplit b = parser.Push("ink>\n\n  The answer");
        (ReasoningSplit tail, _) = parser.Flush();
        Assert.Equal("Thinking about it", a.Reasoning + b.Reasoning + tail.Reasoning);
        Assert.Equal("The answer", a.Content + b.Content + tail.Content);
    }

    [Fact]
    public void Think_after_answer_text_is_plain_text_and_an_unfinished_tool_call_is_given_back_as_text()
    {
        var parser = new ReplyParser(parseReasoning: true, startsInReasoning: false, parseTools: true);
        string shown = parser.Push("Hello <think>not reasoning</think>").Content + parser.Push(" then <tool_call>{\"name\": \"x\", \"argu").Content;
        (ReasoningSplit tail, IReadOnlyList<ParsedToolCall> calls) = parser.Flush();
        Assert.Empty(calls);
        Assert.Equal("Hello <think>not reasoning</think> then <tool_call>{\"name\": \"x\", \"argu", shown + tail.Content);
        Assert.Equal("", tail.Reasoning);
    }

    [Fact]
    public void Text_before_a_tool_call_marker_streams_out_before_the_reply_ends()
    {
        var parser = new ToolCallParser();
        Assert.Equal("I will ", parser.Push("I will <tool"));
        Assert.Equal("", parser.Push("_call>{\"name\":\"f\",\"arguments\":{}}"));
        ToolCallSplit end = parser.Flush();
        Assert.Equal("f", Assert.Single(end.ToolCalls).Name);
        Assert.Equal("{}", end.ToolCalls[0].Arguments);
    }

    private static (string Content, string Reasoning, IReadOnlyList<ParsedToolCall> Calls) Parse(IEnumerable<string> chunks, bool tools)
    {
        var parser = new ReplyParser(parseReasoning: true, startsInReasoning: false, parseTools: tools);
        var content = new StringBuilder();
        var reasoning = new StringBuilder();
        foreach (string chunk in chunks)
        {
            ReasoningSplit s = parser.Push(chunk);
            content.Append(s.Content);
            reasoning.Append(s.Reasoning);
        }

        (ReasoningSplit tail, IReadOnlyList<ParsedToolCall> calls) = parser.Flush();
        return (content.Append(tail.Content).ToString(), reasoning.Append(tail.Reasoning).ToString(), calls);
    }

    private static JsonElement[] LoadCases() =>
        [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "model-output", "cases.json"))).RootElement.EnumerateArray()];
}
