using System.Text.Json;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Tokenizers;

/// <summary>What tokenizer_config.json says about special tokens and the chat template.</summary>
public sealed record TokenizerConfig
{
    /// <summary>The BOS token's text.</summary>
    public string? BosToken { get; init; }

    /// <summary>The EOS token's text.</summary>
    public string? EosToken { get; init; }

    /// <summary>The unknown token's text.</summary>
    public string? UnknownToken { get; init; }

    /// <summary>add_bos_token.</summary>
    public bool? AddBosToken { get; init; }

    /// <summary>add_eos_token.</summary>
    public bool? AddEosToken { get; init; }

    /// <summary>chat_template (the default one when the file lists several).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="ModelLoadException"/> naming the file and field.</summary>
    public static TokenizerConfig Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException(path, "the top level is not a JSON object");
            }

            return new TokenizerConfig
            {
                BosToken = TokenText(path, root, "bos_token"),
                EosToken = TokenText(path, root, "eos_token"),
                UnknownToken = TokenText(path, root, "unk_token"),
                AddBosToken = Bool(path, root, "add_bos_token"),
                AddEosToken = Bool(path, root, "add_eos_token"),
                ChatTemplate = Template(path, root),
            };
        }
    }

    private static string? TokenText(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString();
        }

        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
        {
            return c.GetString();
        }

        throw new ModelLoadException(path, $"field '{field}' is neither a string nor an object with 'content'");
    }

    private static bool? Bool(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelLoadException(path, $"field '{field}' is not a boolean"),
        };
    }

    private static string? Template(string path, JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString();
        }

        if (v.ValueKind == JsonValueKind.Array)
        {
            string? first = null;
            foreach (var item in v.EnumerateArray())
            {
                if (item.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String)
                {
                    first ??= t.GetString();
                    if (item.TryGetProperty("name", out var n) && n.GetString() == "default")
                    {
                        return t.GetString();
                    }
                }
            }

            return first;
        }

        throw new ModelLoadException(path, "field 'chat_template' is neither a string nor a list of named templates");
    }
}
