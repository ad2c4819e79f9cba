using LlmFramework.Abstractions.Tokenization;

using LlmFramework.Tokenizers.Jinja;

namespace LlmFramework.Tokenizers;

/// <summary>
/// A chat template in Jinja (the subset LLaMA 2/3, Mistral and DeepSeek-V3/R1 templates use), rendered as
/// transformers does: trim_blocks and lstrip_blocks on, loop controls ({% break %}, {% continue %}) and
/// {% generation %} blocks; variables messages, add_generation_prompt, bos_token, eos_token. Parsed once; rendering
/// is thread-safe.
/// </summary>
public sealed class JinjaChatTemplate : IChatTemplate
{
    private readonly List<JinjaNode> _nodes;
    private readonly string? _bosToken;
    private readonly string? _eosToken;

    /// <summary>Parses <paramref name="template"/>.</summary>
    /// <exception cref="ChatTemplateException">The template has a syntax error or unsupported statement.</exception>
    public JinjaChatTemplate(string template, string? bosToken, string? eosToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        Source = template;
        _nodes = JinjaParser.Parse(template);
        _bosToken = bosToken;
        _eosToken = eosToken;
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <inheritdoc />
    /// <exception cref="ChatTemplateException">The template raised an exception or used an unsupported feature.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.Select(m => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["role"] = m.Role,
            ["content"] = m.Content,
        }).ToList();
        return Render(new Dictionary<string, object?> { ["messages"] = list, ["add_generation_prompt"] = addGenerationPrompt });
    }

    /// <summary>
    /// Renders with any variables (e.g. messages with tool_calls, tools); values may be strings, numbers, bools,
    /// sequences, dictionaries (keys as strings) and System.Text.Json elements. bos_token and eos_token are added
    /// unless given.
    /// </summary>
    /// <exception cref="ChatTemplateException">The template raised an exception, used an unsupported feature, or an
    /// operation of it refused its values (never another exception for what the template does).</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var scope = new JinjaScope(null);
        scope.Set("bos_token", _bosToken ?? string.Empty);
        scope.Set("eos_token", _eosToken ?? string.Empty);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, JinjaValues.FromClr(value));
        }

        try
        {
            return new JinjaRenderer().Render(_nodes, new JinjaScope(scope));
        }
        catch (InsufficientExecutionStackException ex)
        {
            throw new ChatTemplateException("The chat template nests too deeply (a macro that calls itself without end?).", ex);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException or FormatException or InvalidCastException or IndexOutOfRangeException or KeyNotFoundException)
        {
            // An operation of the template refused its values (a negative width, a sort of mixed types): the
            // template's error, not the server's.
            throw new ChatTemplateException($"The chat template failed: {ex.Message}", ex);
        }
    }
}
