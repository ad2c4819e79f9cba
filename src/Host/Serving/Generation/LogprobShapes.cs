using System.Text;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Serving.Dtos;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>Engine log-probabilities in the OpenAI shapes: the chat one (token, logprob, bytes, top_logprobs) and the completions one.</summary>
internal static class LogprobShapes
{
    /// <summary>The text a token stands for: its bytes as UTF-8 (a partial character shows as U+FFFD), a special token's name.</summary>
    public static string TokenText(ITokenizer tokenizer, int id) =>
        tokenizer.IsSpecial(id) ? tokenizer.GetTokenText(id) : Encoding.UTF8.GetString(tokenizer.GetTokenBytes(id));

    public static int[] TokenBytes(ITokenizer tokenizer, int id)
    {
        ReadOnlySpan<byte> bytes = tokenizer.IsSpecial(id) ? Encoding.UTF8.GetBytes(tokenizer.GetTokenText(id)) : tokenizer.GetTokenBytes(id);
        int[] result = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            result[i] = bytes[i];
        }

        return result;
    }

    public static ChatTokenLogprobDto Chat(ITokenizer tokenizer, TokenLogprobs lp, bool withTop) => new()
    {
        Token = TokenText(tokenizer, lp.TokenId),
        Logprob = Finite(lp.Logprob),
        Bytes = TokenBytes(tokenizer, lp.TokenId),
        TopLogprobs = withTop
            ? [.. lp.Top.Select(t => new ChatTopLogprobDto { Token = TokenText(tokenizer, t.TokenId), Logprob = Finite(t.Logprob), Bytes = TokenBytes(tokenizer, t.TokenId) })]
            : [],
    };

    /// <summary>Appends one token to the completions shape; <paramref name="offset"/> is the token's position in the text.</summary>
    public static void AddCompletion(CompletionLogprobsDto target, ITokenizer tokenizer, TokenLogprobs lp, int offset)
    {
        target.Tokens.Add(TokenText(tokenizer, lp.TokenId));
        target.TokenLogprobs.Add(Finite(lp.Logprob));
        var top = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (TopLogprob t in lp.Top)
        {
            top.TryAdd(TokenText(tokenizer, t.TokenId), Finite(t.Logprob));
        }

        target.TopLogprobs.Add(top);
        target.TextOffset.Add(offset);
    }

    /// <summary>JSON has no infinities: an impossible token gets -9999, as OpenAI reports it.</summary>
    private static float Finite(float logprob) => float.IsFinite(logprob) ? logprob : -9999f;
}
