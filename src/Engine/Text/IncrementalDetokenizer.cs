using System.Buffers;
using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Engine.Text;

/// <summary>
/// Turns the tokens of one sequence into text as they arrive. Bytes of a UTF-8 character split over several tokens
/// are held until the character is complete, so no piece ends in half a character (a code point, including both
/// halves of a surrogate pair, is always emitted whole). Not thread-safe: one per sequence.
/// </summary>
public sealed class IncrementalDetokenizer
{
    private readonly ITokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly StringBuilder _text = new();
    private byte[] _pending = new byte[16];
    private int _pendingLength;
    private bool _emittedText;

    /// <summary>Creates a detokenizer over <paramref name="tokenizer"/>'s byte pieces.</summary>
    /// <param name="tokenizer">Gives each token's bytes (<see cref="ITokenizer.GetTokenBytes"/>).</param>
    /// <param name="skipSpecialTokens">Whether special (control) tokens contribute nothing.</param>
    /// <param name="continuesText">
    /// Whether the tokens continue text that came before them (a prompt): then no leading space is dropped, since the
    /// dummy-prefix space belongs to the start of the whole text only (as Hugging Face's streamer shows a continuation).
    /// </param>
    public IncrementalDetokenizer(ITokenizer tokenizer, bool skipSpecialTokens = true, bool continuesText = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
        _emittedText = continuesText;
    }

    /// <summary>
    /// Adds one token and returns the text it completes: "" while a multi-byte character is incomplete. When the
    /// tokenizer <see cref="ITokenizer.StripsLeadingSpace"/>, one leading space of the very first text is dropped.
    /// Bytes that can never form a valid character are emitted as U+FFFD as soon as that is certain.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokenId"/> is outside the vocabulary.</exception>
    public string Append(int tokenId)
    {
        if ((uint)tokenId >= (uint)_tokenizer.VocabSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(tokenId), tokenId, $"token id outside the vocabulary of {_tokenizer.VocabSize}");
        }

        if (_tokenizer.IsSpecial(tokenId))
        {
            if (_skipSpecialTokens)
            {
                return string.Empty;
            }

            ReadOnlySpan<byte> bytes = _tokenizer.GetTokenBytes(tokenId);
            if (bytes.IsEmpty)
            {
                // Control tokens often contribute no bytes to decoded text; shown, they read as their vocabulary entry.
                AddPending(Encoding.UTF8.GetBytes(_tokenizer.GetTokenText(tokenId)));
            }
            else
            {
                AddPending(bytes);
            }
        }
        else
        {
            AddPending(_tokenizer.GetTokenBytes(tokenId));
        }

        return DecodeComplete(final: false);
    }

    /// <summary>
    /// Ends the sequence: returns what is left, with an incomplete character at the end replaced by U+FFFD, and
    /// resets the pending bytes (the leading-space rule is not reset).
    /// </summary>
    public string Flush() => DecodeComplete(final: true);

    private void AddPending(ReadOnlySpan<byte> bytes)
    {
        if (_pendingLength + bytes.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pendingLength + bytes.Length, _pending.Length * 2));
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private string DecodeComplete(bool final)
    {
        ReadOnlySpan<byte> bytes = _pending.AsSpan(0, _pendingLength);
        int consumed = 0;
        while (consumed < bytes.Length)
        {
            OperationStatus status = Rune.DecodeFromUtf8(bytes[consumed..], out Rune rune, out int length);
            if (status == OperationStatus.NeedMoreData && !final)
            {
                break;
            }

            // InvalidData and, at the end, NeedMoreData give U+FFFD for the maximal invalid subsequence.
            AppendRune(status == OperationStatus.Done ? rune : Rune.ReplacementChar);
            consumed += length;
        }

        bytes[consumed..].CopyTo(_pending);
        _pendingLength -= consumed;
        if (_text.Length == 0)
        {
            return string.Empty;
        }

        string text = _text.ToString();
        _text.Clear();
        return text;
    }

    private void AppendRune(Rune rune)
    {
        if (!_emittedText)
        {
            _emittedText = true;
            if (rune.Value == ' ' && _tokenizer.StripsLeadingSpace)
            {
                return;
            }
        }

        Span<char> chars = stackalloc char[2];
        int count = rune.EncodeToUtf16(chars);
        _text.Append(chars[..count]);
    }
}
