using System.Text.Json;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>Reads the prompt of /v1/completions or the input of /v1/embeddings: a string, a list of strings, token ids or lists of token ids.</summary>
internal static class PromptInput
{
    /// <summary>Most prompts or inputs per request.</summary>
    public const int MaxItems = 64;

    public static IReadOnlyList<int[]> Parse(JsonElement? value, string field, ITokenizer tokenizer, bool required)
    {
        if (value is not JsonElement e || e.ValueKind == JsonValueKind.Null)
        {
            return required ? throw ApiError.BadRequest($"'{field}' is required", field) : [];
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            return [Encode(e.GetString()!, field, tokenizer)];
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            throw WrongShape(field, e.ValueKind);
        }

        int count = e.GetArrayLength();
        if (count == 0)
        {
            throw ApiError.BadRequest($"'{field}' is an empty list", field);
        }

        JsonElement first = e[0];
        if (first.ValueKind == JsonValueKind.Number)
        {
            return [Ids(e, field)];
        }

        if (count > MaxItems)
        {
            throw ApiError.BadRequest($"'{field}' has {count} items; at most {MaxItems} are allowed per request", field);
        }

        var items = new List<int[]>(count);
        int i = 0;
        foreach (JsonElement item in e.EnumerateArray())
        {
            string where = $"{field}[{i++}]";
            items.Add(item.ValueKind switch
            {
                JsonValueKind.String => Encode(item.GetString()!, where, tokenizer),
                JsonValueKind.Array when item.GetArrayLength() > 0 => Ids(item, where),
                JsonValueKind.Array => throw ApiError.BadRequest($"'{where}' is an empty list of token ids", field),
                _ => throw WrongShape(where, item.ValueKind),
            });
        }

        return items;
    }

    private static int[] Encode(string text, string field, ITokenizer tokenizer)
    {
        if (text.Length == 0)
        {
            throw ApiError.BadRequest($"'{field}' is an empty string", field);
        }

        return tokenizer.Encode(text, addSpecialTokens: true);
    }

    private static int[] Ids(JsonElement array, string field)
    {
        int[] ids = new int[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement id in array.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int v))
            {
                throw ApiError.BadRequest($"'{field}[{i}]' must be a token id (an integer), got {JsonBody.Describe(id.ValueKind)}", field);
            }

            ids[i++] = v;
        }

        return ids;
    }

    private static ApiError WrongShape(string field, JsonValueKind kind) =>
        ApiError.BadRequest($"'{field}' must be a string, a list of strings, a list of token ids or a list of lists of token ids, got {JsonBody.Describe(kind)}", field);
}
