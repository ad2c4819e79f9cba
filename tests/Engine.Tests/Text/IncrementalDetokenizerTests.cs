using System.Text;
using LlmFramework.Engine.Text;

namespace LlmFramework.Engine.Tests.Text;

public sealed class IncrementalDetokenizerTests
{
    // é (2 bytes), 中 (3 bytes), 🙂 (4 bytes, a surrogate pair), family emoji joined with ZWJ (U+200D, 3 bytes).
    private const string Mixed = "héllo 中文 🙂 ok 👨‍👩‍👧 end";

    [Theory]
    [InlineData("é")]
    [InlineData("中")]
    [InlineData("🙂")]
    [InlineData("👨‍👩‍👧")]
    [InlineData(Mixed)]
    public void Byte_tokens_of_multi_byte_characters_give_whole_characters_only(string text)
    {
        var tokenizer = new ByteTokenizer();
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        var pieces = new List<string>();
        foreach (int id in tokenizer.EncodeBytes(text))
        {
            pieces.Add(detokenizer.Append(id));
        }

        pieces.Add(detokenizer.Flush());

        Assert.Equal(text, string.Concat(pieces));
        foreach (string piece in pieces)
        {
            AssertWholeCharacters(piece);
        }
    }

    [Fact]
    public void Text_appears_as_soon_as_the_last_byte_of_a_character_arrives()
    {
        var tokenizer = new ByteTokenizer();
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        byte[] bytes = Encoding.UTF8.GetBytes("a🙂");

        Assert.Equal("a", detokenizer.Append(bytes[0]));
        Assert.Equal(string.Empty, detokenizer.Append(bytes[1]));
        Assert.Equal(string.Empty, detokenizer.Append(bytes[2]));
        Assert.Equal(string.Empty, detokenizer.Append(bytes[3]));
        Assert.Equal("🙂", detokenizer.Append(bytes[4]));
        Assert.Equal(string.Empty, detokenizer.Flush());
    }

    [Fact]
    public void Tokens_that_end_inside_a_character_and_start_the_next_one_are_joined()
    {
        // Pieces cut across character boundaries: "a" + first byte of 中, rest of 中 + first byte of 🙂, ...
        byte[] all = Encoding.UTF8.GetBytes("a中🙂é");
        var tokenizer = new SplitTokenizer(all, [2, 3, 1, 1, 3]);
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        Assert.Equal("a", detokenizer.Append(0));
        Assert.Equal("中", detokenizer.Append(1));
        Assert.Equal(string.Empty, detokenizer.Append(2));
        Assert.Equal(string.Empty, detokenizer.Append(3));
        Assert.Equal("🙂é", detokenizer.Append(4));
    }

    [Fact]
    public void Incomplete_character_at_the_end_is_flushed_as_replacement_character()
    {
        var tokenizer = new ByteTokenizer();
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        byte[] bytes = Encoding.UTF8.GetBytes("x中");

        Assert.Equal("x", detokenizer.Append(bytes[0]));
        Assert.Equal(string.Empty, detokenizer.Append(bytes[1]));
        Assert.Equal(string.Empty, detokenizer.Append(bytes[2]));
        Assert.Equal("\uFFFD", detokenizer.Flush());
        Assert.Equal(string.Empty, detokenizer.Flush());
    }

    [Fact]
    public void Invalid_bytes_become_replacement_characters_without_waiting_for_flush()
    {
        var tokenizer = new ByteTokenizer();
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        Assert.Equal("\uFFFD", detokenizer.Append(0x80)); // a lone continuation byte can never start a character
        Assert.Equal(string.Empty, detokenizer.Append(0xE4)); // lead byte of a 3-byte character
        Assert.Equal("\uFFFDA", detokenizer.Append('A')); // ... interrupted by ASCII
    }

    [Fact]
    public void Leading_space_is_stripped_once_when_the_tokenizer_says_so()
    {
        var tokenizer = new ByteTokenizer(pieces: [" Hello", " world"], stripsLeadingSpace: true);
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        Assert.Equal("Hello", detokenizer.Append(tokenizer.PieceId(" Hello")));
        Assert.Equal(" world", detokenizer.Append(tokenizer.PieceId(" world")));
    }

    [Fact]
    public void Leading_space_is_kept_when_the_tokenizer_does_not_strip_it()
    {
        var tokenizer = new ByteTokenizer(pieces: [" Hello"], stripsLeadingSpace: false);
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        Assert.Equal(" Hello", detokenizer.Append(tokenizer.PieceId(" Hello")));
    }

    [Fact]
    public void Leading_space_rule_waits_for_the_first_emitted_text()
    {
        var tokenizer = new ByteTokenizer(pieces: [" Hi"], specials: ["<s>"], stripsLeadingSpace: true);
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        Assert.Equal(string.Empty, detokenizer.Append(tokenizer.SpecialId("<s>")));
        Assert.Equal("Hi", detokenizer.Append(tokenizer.PieceId(" Hi")));
        Assert.Equal(" Hi", detokenizer.Append(tokenizer.PieceId(" Hi")));
    }

    [Fact]
    public void A_continuation_of_a_prompt_keeps_its_first_space()
    {
        var tokenizer = new ByteTokenizer(pieces: [" Hi"], stripsLeadingSpace: true);
        var detokenizer = new IncrementalDetokenizer(tokenizer, continuesText: true);

        Assert.Equal(" Hi", detokenizer.Append(tokenizer.PieceId(" Hi")));
    }

    [Fact]
    public void Special_tokens_are_skipped_or_shown_as_their_text()
    {
        var tokenizer = new ByteTokenizer(specials: ["<|eot|>"]);
        int eot = tokenizer.SpecialId("<|eot|>");

        Assert.Equal(string.Empty, new IncrementalDetokenizer(tokenizer).Append(eot));
        Assert.Equal("<|eot|>", new IncrementalDetokenizer(tokenizer, skipSpecialTokens: false).Append(eot));
    }

    [Fact]
    public void Token_outside_the_vocabulary_is_rejected()
    {
        var tokenizer = new ByteTokenizer();
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        Assert.Throws<ArgumentOutOfRangeException>(() => detokenizer.Append(tokenizer.VocabSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => detokenizer.Append(-1));
    }

    private static void AssertWholeCharacters(string piece)
    {
        Assert.DoesNotContain('\uFFFD', piece);
        for (int i = 0; i < piece.Length; i++)
        {
            if (char.IsHighSurrogate(piece[i]))
            {
                Assert.True(i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]), $"piece \"{piece}\" ends in half a surrogate pair");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(piece[i]), $"piece \"{piece}\" starts with half a surrogate pair");
            }
        }
    }
}
