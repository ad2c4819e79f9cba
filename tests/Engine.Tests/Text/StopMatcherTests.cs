using LlmFramework.Engine.Text;

namespace LlmFramework.Engine.Tests.Text;

public sealed class StopMatcherTests
{
    [Fact]
    public void Empty_list_passes_text_through()
    {
        var matcher = new StopMatcher([]);

        Assert.Equal(new StopResult("Hello", false, null), matcher.Push("Hello"));
        Assert.Equal(new StopResult(" <", false, null), matcher.Push(" <"));
        Assert.Equal(string.Empty, matcher.Flush());
    }

    [Fact]
    public void Stop_in_one_push_emits_the_text_before_it()
    {
        var matcher = new StopMatcher(["</s>"]);

        StopResult result = matcher.Push("Hello</s>ignored");

        Assert.Equal(new StopResult("Hello", true, "</s>"), result);
        Assert.Equal(string.Empty, matcher.Flush());
    }

    [Fact]
    public void Stop_split_across_many_pushes_is_never_emitted()
    {
        var matcher = new StopMatcher(["<|end|>"]);
        var emitted = new List<string>();

        foreach (string piece in new[] { "Hi", " <", "|", "en", "d", "|>", "more" })
        {
            StopResult result = matcher.Push(piece);
            emitted.Add(result.Emit);
            if (result.Stopped)
            {
                Assert.Equal("<|end|>", result.MatchedStop);
                break;
            }
        }

        Assert.Equal(["Hi", " ", "", "", "", ""], emitted);
        Assert.True(matcher.Stopped);
        Assert.Equal(string.Empty, matcher.Flush());
    }

    [Fact]
    public void Text_that_stops_looking_like_a_stop_is_released()
    {
        var matcher = new StopMatcher(["<|end|>"]);

        Assert.Equal("a ", matcher.Push("a <|e").Emit);
        Assert.Equal("<|ex", matcher.Push("x").Emit);
        Assert.Equal(0, matcher.HeldLength);
    }

    [Fact]
    public void Stop_that_never_completes_is_released_by_flush()
    {
        var matcher = new StopMatcher(["###"]);

        Assert.Equal(new StopResult("answer ", false, null), matcher.Push("answer #"));
        Assert.Equal(new StopResult(string.Empty, false, null), matcher.Push("#"));
        Assert.Equal("##", matcher.Flush());
        Assert.Equal(string.Empty, matcher.Flush());
    }

    [Fact]
    public void Several_stops_each_match()
    {
        string[] stops = ["\n\n", "User:", "<|im_end|>"];

        Assert.Equal(new StopResult("a", true, "\n\n"), new StopMatcher(stops).Push("a\n\nb"));
        Assert.Equal(new StopResult("b ", true, "User:"), new StopMatcher(stops).Push("b User: hi"));
        Assert.Equal(new StopResult("c", true, "<|im_end|>"), new StopMatcher(stops).Push("c<|im_end|>"));
    }

    [Fact]
    public void First_completed_stop_wins_when_several_occur()
    {
        var matcher = new StopMatcher(["bbb", "ab"]);

        // "ab" ends at 3, "bbb" (starting earlier at 1) ends at 4: "ab" completes first.
        Assert.Equal(new StopResult("xb", true, "ab"), matcher.Push("xbabbb"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(100)]
    public void Overlapping_prefixes_give_the_same_result_for_any_push_size(int chunk)
    {
        // "abc" and "abd" share a prefix; "bcx" overlaps the tail of "abc". The text contains "ab", "abd".
        string[] stops = ["abc", "abd", "bcx"];
        const string Text = "xxabyabzab abd tail";
        var matcher = new StopMatcher(stops);
        string emitted = string.Empty;
        StopResult result = default;
        for (int i = 0; i < Text.Length && !result.Stopped; i += chunk)
        {
            result = matcher.Push(Text.Substring(i, Math.Min(chunk, Text.Length - i)));
            emitted += result.Emit;
        }

        Assert.True(result.Stopped);
        Assert.Equal("abd", result.MatchedStop);
        Assert.Equal("xxabyabzab ", emitted);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Shorter_stop_inside_a_longer_one_wins_when_it_completes_first(int chunk)
    {
        // Streaming a character at a time, "ab" completes before "abc" can: the result must not depend on chunking.
        var matcher = new StopMatcher(["abc", "ab"]);
        const string Text = "zzabc";
        string emitted = string.Empty;
        StopResult result = default;
        for (int i = 0; i < Text.Length && !result.Stopped; i += chunk)
        {
            result = matcher.Push(Text.Substring(i, Math.Min(chunk, Text.Length - i)));
            emitted += result.Emit;
        }

        Assert.Equal("ab", result.MatchedStop);
        Assert.Equal("zz", emitted);
    }

    [Fact]
    public void Held_text_is_the_longest_possible_stop_start()
    {
        var matcher = new StopMatcher(["aab"]);

        Assert.Equal(string.Empty, matcher.Push("a").Emit);
        Assert.Equal(string.Empty, matcher.Push("a").Emit);
        Assert.Equal("a", matcher.Push("a").Emit); // "aaa": only the last "aa" can still start "aab"
        Assert.Equal(new StopResult(string.Empty, true, "aab"), matcher.Push("b"));
    }

    [Fact]
    public void Pushes_after_a_stop_emit_nothing()
    {
        var matcher = new StopMatcher(["."]);

        Assert.True(matcher.Push("one. two").Stopped);
        Assert.Equal(new StopResult(string.Empty, true, "."), matcher.Push("three"));
    }

    [Fact]
    public void Empty_stop_string_is_rejected()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new StopMatcher(["ok", ""]));
        Assert.Contains("stop string 1 is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stop_with_non_ascii_characters_matches_across_pushes()
    {
        var matcher = new StopMatcher(["🙂 终"]);

        Assert.Equal("ok ", matcher.Push("ok 🙂").Emit);
        Assert.Equal(string.Empty, matcher.Push(" ").Emit);
        Assert.Equal(new StopResult(string.Empty, true, "🙂 终"), matcher.Push("终了"));
    }
}
