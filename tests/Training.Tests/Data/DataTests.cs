using LlmFramework.Training.Data;
using LlmFramework.Training.Tests.Support;

namespace LlmFramework.Training.Tests.Data;

/// <summary>Corpus splitting, training windows and padded batches.</summary>
public sealed class DataTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_held_out_tail_starts_at_a_line_and_the_parts_join_to_the_text()
    {
        string text = string.Concat(Enumerable.Range(0, 100).Select(i => $"line number {i} of the text\n"));
        TextCorpus corpus = TextCorpus.Load(_folder.WriteText("a.txt", text), 0.1);
        Assert.Equal(text, corpus.TrainingText + corpus.HeldOutText);
        Assert.StartsWith("line number", corpus.HeldOutText, StringComparison.Ordinal);
        Assert.InRange(corpus.HeldOutText.Length, text.Length * 0.08, text.Length * 0.11);
    }

    [Fact]
    public void A_folder_is_read_in_name_order_with_blank_lines_between_files()
    {
        _folder.WriteText("texts/b.txt", "second");
        _folder.WriteText("texts/a.txt", "first");
        _folder.WriteText("texts/skip.md", "not text");
        TextCorpus corpus = TextCorpus.Load(_folder.Combine("texts"), 0);
        Assert.Equal("first\n\nsecond", corpus.TrainingText);
        Assert.Equal(2, corpus.Files.Count);
    }

    [Fact]
    public void Windows_depend_only_on_seed_and_step_and_targets_are_the_next_tokens()
    {
        int[] tokens = [.. Enumerable.Range(0, 1000)];
        var windows = new TokenWindows(tokens, 16);
        var (x1, y1, x2, y2) = (new long[64], new long[64], new long[64], new long[64]);
        windows.Fill(3, 42, x1, y1);
        windows.Fill(3, 42, x2, y2);
        Assert.Equal(x1, x2);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(x1[i] + 1, y1[i]);
        }

        windows.Fill(3, 43, x2, y2);
        Assert.NotEqual(x1, x2);
    }

    [Fact]
    public void Padded_batches_ignore_padding_and_unscored_positions()
    {
        var a = new ScoredSequence([1, 2, 3, 4], [false, false, true, true]);
        var b = ScoredSequence.AllTokens([5, 6]);
        (long[] inputs, long[] targets, int length) = SequenceBatch.Pack([a, b], pad: 0);
        Assert.Equal(3, length);
        Assert.Equal(new long[] { 1, 2, 3, 5, 0, 0 }, inputs);
        Assert.Equal(new long[] { SequenceBatch.Ignore, 3, 4, 6, SequenceBatch.Ignore, SequenceBatch.Ignore }, targets);
    }

    [Fact]
    public void Windows_for_perplexity_cut_text_like_eval_ppl()
    {
        IReadOnlyList<ScoredSequence> windows = ScoredSequence.Windows([.. Enumerable.Range(0, 11)], 4);
        Assert.Equal([4, 4, 3], windows.Select(w => w.Tokens.Length));
        Assert.Equal(8, windows.Sum(w => w.Predictions));
    }
}
