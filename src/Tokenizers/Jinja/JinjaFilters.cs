using LlmFramework.Tokenizers;

namespace LlmFramework.Tokenizers.Jinja;

/// <summary>Filters (x | name) and tests (x is name) of the Jinja subset.</summary>
internal static partial class JinjaBuiltins
{
    public static object? Filter(string name, object? v, List<object?> args, Dictionary<string, object?> kwargs)
    {
        object? Arg(int i, string key, object? def = null) => i < args.Count ? args[i] : kwargs.TryGetValue(key, out var k) ? k : def;
        switch (name)
        {
            case "trim":
                return JinjaValues.ToStr(v).Trim();
            case "length" or "count":
                return v switch
                {
                    string s => (long)s.EnumerateRunes().Count(),
                    List<object?> l => (long)l.Count,
                    Dictionary<string, object?> d => (long)d.Count,
                    _ => throw new ChatTemplateException($"'{name}' needs a string, list or dict, got {JinjaValues.TypeName(v)}."),
                };
            case "tojson":
                return JinjaValues.ToJson(v, Arg(0, "indent") is object ind and not JinjaUndefined ? (int)JinjaValues.ToLong(ind) : null);
            case "default" or "d":
            {
                bool boolean = JinjaValues.IsTruthy(Arg(1, "boolean", false));
                return v is JinjaUndefined || (boolean && !JinjaValues.IsTruthy(v)) ? Arg(0, "default_value", string.Empty) : v;
            }

            case "upper":
                return JinjaValues.ToStr(v).ToUpperInvariant();
            case "lower":
                return JinjaValues.ToStr(v).ToLowerInvariant();
            case "capitalize" or "title" or "replace":
                return StringMethod(JinjaValues.ToStr(v), name)!(args, kwargs);
            case "string":
                return JinjaValues.ToStr(v);
            case "int":
                return v is string s1 ? long.TryParse(s1.Trim(), out long l1) ? l1 : 0L : v is double d1 ? (long)d1 : JinjaValues.ToLong(v);
            case "float":
                return v is string s2 ? double.TryParse(s2.Trim(), System.Globalization.CultureInfo.InvariantCulture, out double d2) ? d2 : 0.0 : JinjaValues.ToDouble(v);
            case "abs":
                return v is long l2 ? Math.Abs(l2) : (object)Math.Abs(JinjaValues.ToDouble(v));
            case "sum":
            {
                var items = Attribute(ToList(v), Arg(0, "attribute"));
                object? total = Arg(1, "start", 0L);
                foreach (var x in items)
                {
                    total = Binary("+", total, x);
                }

                return total;
            }

            case "min" or "max":
            {
                var items = ToList(v);
                if (items.Count == 0)
                {
                    return JinjaUndefined.Instance;
                }

                var keys = SortKeys(items, Arg(1, "attribute"), JinjaValues.IsTruthy(Arg(0, "case_sensitive", false)));
                int best = 0;
                for (int i = 1; i < items.Count; i++)
                {
                    int c = JinjaValues.Compare(keys[i], keys[best]);
                    if (name == "min" ? c < 0 : c > 0)
                    {
                        best = i;
                    }
                }

                return items[best];
            }

            case "sort":
            {
                var items = ToList(v);
                var keys = SortKeys(items, Arg(2, "attribute"), JinjaValues.IsTruthy(Arg(1, "case_sensitive", false)));
                return Sorted(items, keys, JinjaValues.IsTruthy(Arg(0, "reverse", false)));
            }

            case "dictsort":
            {
                if (v is not Dictionary<string, object?> mapping)
                {
                    throw new ChatTemplateException($"'dictsort' needs a dict, got {JinjaValues.TypeName(v)}.");
                }

                bool byValue = JinjaValues.ToStr(Arg(1, "by", "key")) == "value";
                var pairs = mapping.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList();
                var keys = SortKeys(mapping.Select(kv => byValue ? kv.Value : kv.Key).ToList(), null, JinjaValues.IsTruthy(Arg(0, "case_sensitive", false)));
                return Sorted(pairs, keys, JinjaValues.IsTruthy(Arg(2, "reverse", false)));
            }

            case "escape" or "e":
                // As markupsafe escapes: only these five characters.
                return JinjaValues.ToStr(v).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
                    .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
            case "first":
                return ToList(v) is { Count: > 0 } f ? f[0] : JinjaUndefined.Instance;
            case "last":
                return ToList(v) is { Count: > 0 } la ? la[^1] : JinjaUndefined.Instance;
            case "list":
                return ToList(v).ToList();
            case "reverse":
                return v is string rs ? new string(rs.Reverse().ToArray()) : Enumerable.Reverse(ToList(v)).ToList();
            case "join":
            {
                var items = ToList(v);
                if (Arg(1, "attribute") is string attr)
                {
                    items = items.Select(x => GetAttribute(x, attr)).ToList();
                }

                return string.Join(JinjaValues.ToStr(Arg(0, "d", string.Empty)), items.Select(JinjaValues.ToStr));
            }

            case "items":
                return v is Dictionary<string, object?> dict ? DictMethod(dict, "items")!([], []) : throw new ChatTemplateException($"'items' needs a dict, got {JinjaValues.TypeName(v)}.");
            case "safe":
                return v;
            case "map":
                if (Arg(0, "attribute") is string mapAttr && kwargs.ContainsKey("attribute"))
                {
                    return ToList(v).Select(x => GetAttribute(x, mapAttr)).ToList();
                }

                if (args.Count > 0 && args[0] is string filterName)
                {
                    return ToList(v).Select(x => Filter(filterName, x, args.Skip(1).ToList(), [])).ToList();
                }

                throw new ChatTemplateException("map() needs a filter name or attribute=.");
            case "select" or "reject":
            {
                string test = JinjaValues.ToStr(Arg(0, "test", "truthy"));
                bool keep = name == "select";
                return ToList(v).Where(x => (test == "truthy" ? JinjaValues.IsTruthy(x) : Test(test, x, args.Skip(1).ToList())) == keep).ToList();
            }

            case "selectattr" or "rejectattr":
            {
                string attr = JinjaValues.ToStr(Arg(0, "attribute"));
                bool keep = name == "selectattr";
                return ToList(v).Where(x =>
                {
                    var a = GetAttribute(x, attr);
                    bool ok = args.Count > 1 ? Test(JinjaValues.ToStr(args[1]), a, args.Skip(2).ToList()) : JinjaValues.IsTruthy(a);
                    return ok == keep;
                }).ToList();
            }

            case "unique":
            {
                var result = new List<object?>();
                foreach (var x in ToList(v))
                {
                    if (!result.Any(r => JinjaValues.Equals(r, x)))
                    {
                        result.Add(x);
                    }
                }

                return result;
            }

            case "indent":
            {
                int width = (int)JinjaValues.ToLong(Arg(0, "width", 4L));
                bool first = JinjaValues.IsTruthy(Arg(1, "first", false));
                string pad = new(' ', width);
                var lines = JinjaValues.ToStr(v).Split('\n');
                for (int i = first ? 0 : 1; i < lines.Length; i++)
                {
                    if (lines[i].Length > 0)
                    {
                        lines[i] = pad + lines[i];
                    }
                }

                return string.Join('\n', lines);
            }

            case "round":
            {
                int digits = (int)JinjaValues.ToLong(Arg(0, "precision", 0L));
                return Math.Round(JinjaValues.ToDouble(v), digits, MidpointRounding.ToEven);
            }

            default:
                throw new ChatTemplateException($"Unsupported filter '{name}'.");
        }
    }

    private static List<object?> Attribute(List<object?> items, object? attribute) =>
        attribute is string a ? items.Select(x => GetAttribute(x, a)).ToList() : items;

    /// <summary>The values sort, min and max compare: an attribute of each item, strings lowercased unless case-sensitive.</summary>
    private static List<object?> SortKeys(List<object?> items, object? attribute, bool caseSensitive) =>
        Attribute(items, attribute).Select(k => !caseSensitive && k is string s ? s.ToLowerInvariant() : k).ToList();

    /// <summary>The items in the order of their keys; stable, as Python's sorted(), and in reverse too.</summary>
    private static List<object?> Sorted(List<object?> items, List<object?> keys, bool reverse)
    {
        var order = Enumerable.Range(0, items.Count).ToList();
        order.Sort((a, b) => (reverse ? JinjaValues.Compare(keys[b], keys[a]) : JinjaValues.Compare(keys[a], keys[b])) is int c && c != 0 ? c : a.CompareTo(b));
        return order.Select(i => items[i]).ToList();
    }

    public static bool Test(string name, object? v, List<object?> args) => name switch
    {
        "defined" => v is not JinjaUndefined,
        "undefined" => v is JinjaUndefined,
        "none" => v is null,
        "true" => v is true,
        "false" => v is false,
        "boolean" => v is bool,
        "string" => v is string,
        "number" => v is long or double,
        "integer" => v is long,
        "float" => v is double,
        "mapping" => v is Dictionary<string, object?> or JinjaNamespace,
        "iterable" => v is string or List<object?> or Dictionary<string, object?>,
        "sequence" => v is string or List<object?> or Dictionary<string, object?>,
        "callable" => v is JinjaCallable,
        "odd" => JinjaValues.ToLong(v) % 2 != 0,
        "even" => JinjaValues.ToLong(v) % 2 == 0,
        "divisibleby" => JinjaValues.ToLong(v) % JinjaValues.ToLong(args[0]) == 0,
        "equalto" or "eq" or "==" or "sameas" => JinjaValues.Equals(v, args[0]),
        "ne" or "!=" => !JinjaValues.Equals(v, args[0]),
        "in" => args.Count > 0 && (bool)Binary("in", v, args[0])!,
        "lower" => v is string ls && ls == ls.ToLowerInvariant(),
        "upper" => v is string us && us == us.ToUpperInvariant(),
        _ => throw new ChatTemplateException($"Unsupported test '{name}'."),
    };
}
