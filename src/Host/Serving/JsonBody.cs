using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>
/// Reads a JSON request body into a DTO: a body over the size limit is a 413; malformed JSON, a body that is not an
/// object and a field of the wrong type are 400s naming the field and the type it needs.
/// </summary>
internal static partial class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, long limit)
        where T : class
    {
        byte[] body = await RequestBody.ReadAsync(context, limit).ConfigureAwait(false);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest($"the request body is not valid JSON: {Trim(ex.Message)}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiError.BadRequest($"the request body must be a JSON object, got {Describe(document.RootElement.ValueKind)}");
            }

            try
            {
                return document.Deserialize(typeInfo) ?? throw ApiError.BadRequest("the request body must be a JSON object");
            }
            catch (JsonException ex)
            {
                string field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : ex.Path ?? "$";
                throw ApiError.BadRequest($"'{field}' has the wrong type: it must be {Expected(ex.Message)}", field);
            }
        }
    }

    /// <summary>"a string", "an integer", ... for the target type named in a System.Text.Json conversion message.</summary>
    private static string Expected(string message)
    {
        Match m = TargetType().Match(message);
        string type = m.Success ? m.Groups[1].Value : "";
        return type switch
        {
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "an integer",
            _ when type.Contains("Single", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) => "a number",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ when type.Contains("System.String", StringComparison.Ordinal) => "a string",
            _ when type.Contains("List", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal) => "an array",
            _ => "an object",
        };
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "an object",
    };

    private static string Trim(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    [GeneratedRegex(@"converted to ([^\s.]+(?:\.[^\s.]+)*)")]
    private static partial Regex TargetType();
}
