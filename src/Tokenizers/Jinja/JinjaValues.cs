using LlmFramework.Tokenizers;

using System.Globalization;
using System.Text;

namespace LlmFramework.Tokenizers.Jinja;

/// <summary>An undefined variable or attribute: prints as nothing, is falsy, fails "is defined".</summary>
internal sealed class JinjaUndefined
{
    public static readonly JinjaUndefined Instance = new();
}

/// <summary>A namespace() object: attributes that a {% set ns.x = ... %} inside a loop can change.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
}

/// <summary>A callable value: global functions, bound methods, macros.</summary>
internal delegate object? JinjaCallable(List<object?> args, Dictionary<string, object?> kwargs);

/// <summary>Python-like semantics of Jinja values: truthiness, str(), repr(), equality, ordering, JSON.</summary>
internal static class JinjaValues
{
    public static bool IsTruthy(object? v) => v switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        Dictionary<string, object?> d => d.Count > 0,
        _ => true,
    };

    public static string ToStr(object? v) => v switch
    {
        null => "None",
        JinjaUndefined => string.Empty,
        string s => s,
        _ => Repr(v),
    };

    public static string Repr(object? v) => v switch
    {
        null => "None",
        JinjaUndefined => string.Empty,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        string s => ReprString(s),
        List<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
        Dictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => Repr(kv.Key) + ": " + Repr(kv.Value))) + "}",
        JinjaNamespace => "<Namespace>",
        _ => v.ToString() ?? string.Empty,
    };

    /// <summary>Python's repr() of a string: single quotes unless it holds one and no double quote; escapes as Python's.</summary>
    private static string ReprString(string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < ' ' || c == '\x7f')
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append(quote).ToString();
    }

    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        string s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";
    }

    public static new bool Equals(object? a, object? b)
    {
        if (a is JinjaUndefined || b is JinjaUndefined)
        {
            return a is JinjaUndefined && b is JinjaUndefined;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return ToDouble(a) == ToDouble(b);
        }

        return (a, b) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,
            (string x, string y) => x == y,
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equals(p.First, p.Second)),
            (Dictionary<string, object?> x, Dictionary<string, object?> y) => x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var o) && Equals(kv.Value, o)),
            _ => ReferenceEquals(a, b) || a.Equals(b),
        };
    }

    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return ToDouble(a).CompareTo(ToDouble(b));
        }

        if (a is string x && b is string y)
        {
            return string.CompareOrdinal(x, y);
        }

        throw new ChatTemplateException($"Cannot compare {TypeName(a)} with {TypeName(b)}.");
    }

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new ChatTemplateException($"Expected a number, got {TypeName(v)}."),
    };

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        _ => throw new ChatTemplateException($"Expected an integer, got {TypeName(v)}."),
    };

    public static string TypeName(object? v) => v switch
    {
        null => "none",
        JinjaUndefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "string",
        List<object?> => "list",
        Dictionary<string, object?> => "dict",
        JinjaNamespace => "namespace",
        JinjaCallable => "function",
        _ => v.GetType().Name,
    };

    /// <summary>Python's json.dumps(ensure_ascii=False), as transformers' tojson filter.</summary>
    public static string ToJson(object? v, int? indent, int level = 0)
    {
        // A namespace holding itself would otherwise recurse until the stack overflows.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        string nl = indent is int n ? "\n" + new string(' ', n * (level + 1)) : string.Empty;
        string close = indent is int m ? "\n" + new string(' ', m * level) : string.Empty;
        string sep = indent is null ? ", " : ",";
        switch (v)
        {
            case null or JinjaUndefined:
                return "null";
            case bool b:
                return b ? "true" : "false";
            case long or double:
                return Repr(v);
            case string s:
                var sb = new StringBuilder("\"");
                foreach (char c in s)
                {
                    sb.Append(c switch
                    {
                        '"' => "\\\"",
                        '\\' => "\\\\",
                        '\n' => "\\n",
                        '\r' => "\\r",
                        '\t' => "\\t",
                        '\b' => "\\b",
                        '\f' => "\\f",
                        < ' ' => $"\\u{(int)c:x4}",
                        _ => c.ToString(),
                    });
                }

                return sb.Append('"').ToString();
            case List<object?> l:
                return l.Count == 0 ? "[]" : "[" + nl + string.Join(sep + nl, l.Select(x => ToJson(x, indent, level + 1))) + close + "]";
            case Dictionary<string, object?> d:
                return d.Count == 0 ? "{}" : "{" + nl + string.Join(sep + nl, d.Select(kv => ToJson(kv.Key, indent) + ": " + ToJson(kv.Value, indent, level + 1))) + close + "}";
            case JinjaNamespace ns:
                return ToJson(ns.Values, indent, level);
            default:
                throw new ChatTemplateException($"Cannot convert a {TypeName(v)} to JSON.");
        }
    }

    /// <summary>Converts .NET values given by callers (records, lists, dictionaries) to template values.</summary>
    /// <summary>
    /// A CLR value as a Jinja value, all the way down: integers as long, other numbers as double, dictionaries with
    /// string keys, other sequences as lists, and JSON (System.Text.Json elements) as the values it spells.
    /// </summary>
    public static object? FromClr(object? v) => v switch
    {
        null or bool or long or double or string or JinjaUndefined or JinjaNamespace or JinjaCallable => v,
        int or short or byte or sbyte or ushort or uint => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        float or decimal or ulong => Convert.ToDouble(v, CultureInfo.InvariantCulture),
        System.Text.Json.JsonElement e => FromJson(e),
        System.Collections.IDictionary d => d.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => FromClr(d[k]), StringComparer.Ordinal),
        System.Collections.IEnumerable e => e.Cast<object?>().Select(FromClr).ToList(),
        _ => v,
    };

    private static object? FromJson(System.Text.Json.JsonElement e) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        System.Text.Json.JsonValueKind.String => e.GetString(),
        System.Text.Json.JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        System.Text.Json.JsonValueKind.True => true,
        System.Text.Json.JsonValueKind.False => false,
        _ => null,
    };
}
