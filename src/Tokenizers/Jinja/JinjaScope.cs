namespace LlmFramework.Tokenizers.Jinja;

/// <summary>Variables of one scope (the template, a loop body, a macro call), falling back to its parent.</summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s._values.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public JinjaScope? Parent { get; } = parent;

    public void Set(string name, object? value) => _values[name] = value;
}
