using LlmFramework.SemanticKernel.Core;

namespace LlmFramework.SemanticKernel.Tests.Core;

public sealed class ReasoningTextSplitterTests
{
    [Fact]
    public void Text_between_think_tags_is_reasoning_even_when_the_tags_arrive_split()
    {
        var splitter = new ReasoningTextSplitter();
        string answer = "", reasoning = "";
        foreach (string piece in new[] { "<th", "ink>plan ", "it</", "think>", " Hello", " <", "b> world" })
        {
            (string a, string r) = splitter.Push(piece);
            answer += a;
            reasoning += r;
        }

        (string lastAnswer, string lastReasoning) = splitter.Flush();
        Assert.Equal("plan it", reasoning + lastReasoning);
        Assert.Equal("Hello <b> world", answer + lastAnswer);
    }

    [Fact]
    public void A_possible_tag_start_is_held_back_until_the_next_piece_decides()
    {
        var splitter = new ReasoningTextSplitter();
        Assert.Equal(("Once", ""), splitter.Push(" Once<thi"));
        Assert.Equal(("<thin air", ""), splitter.Push("n air"));
        Assert.Equal(("", ""), splitter.Flush());
    }

    [Fact]
    public void Leading_white_space_of_the_answer_is_dropped_but_not_later_white_space()
    {
        var splitter = new ReasoningTextSplitter();
        Assert.Equal(("", ""), splitter.Push("  \n"));
        Assert.Equal(("It was", ""), splitter.Push(" It was"));
        Assert.Equal((" dark", ""), splitter.Push(" dark"));
    }
}
