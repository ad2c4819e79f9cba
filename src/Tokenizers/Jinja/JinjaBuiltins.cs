using LlmFramework.Tokenizers;

using System.Globalization;
using System.Text;

namespace LlmFramework.Tokenizers.Jinja;

/// <summary>Operators, globals, attributes and methods of the Jinja subset.</summary>
internal static partial class JinjaBuiltins
{
    /// <summary>The most items range() makes (jinja2's sandbox, which transformers renders in, has the same limit).</summary>
    private const int MaxRange = 100_000;

    public static object? Global(string name) => name switch
    {
        "raise_exception" => (JinjaCallable)((args, _) =>
            throw new ChatTemplateException("raise_exception: " + (args.Count > 0 ? JinjaValues.ToStr(args[0]) : "template error"))),
        "namespace" => (JinjaCallable)((args, kwargs) =>
        {
            var ns = new JinjaNamespace();
            if (args.Count > 0 && args[0] is Dictionary<string, object?> d)
            {
                foreach (var kv in d)
                {
                    ns.Values[kv.Key] = kv.Value;
                }
            }

            foreach (var kv in kwargs)
            {
                ns.Values[kv.Key] = kv.Value;
            }

            return ns;
        }),
        "dict" => (JinjaCallable)((_, kwargs) => new Dictionary<string, object?>(kwargs, StringComparer.Ordinal)),
        "range" => (JinjaCallable)((args, _) =>
        {
            long start = 0, stop, step = 1;
            if (args.Count == 1)
            {
                stop = JinjaValues.ToLong(args[0]);
            }
            else
            {
                start = JinjaValues.ToLong(args[0]);
                stop = JinjaValues.ToLong(args[1]);
                step = args.Count > 2 ? JinjaValues.ToLong(args[2]) : 1;
            }

            if (step == 0)
            {
                throw new ChatTemplateException("range() step must not be zero.");
            }

            Int128 count = step > 0 ? ((Int128)stop - start + step - 1) / step : ((Int128)start - stop - step - 1) / -step;
            if (count > MaxRange)
            {
                throw new ChatTemplateException($"range() of {count} items: more than the {MaxRange} a template may make (jinja2's sandbox blocks them too).");
            }

            var list = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                list.Add(i);
            }

            return list;
        }),
        "strftime_now" => (JinjaCallable)((args, _) => StrFTime(DateTime.Now, args.Count > 0 ? JinjaValues.ToStr(args[0]) : "%Y-%m-%d")),
        _ => JinjaUndefined.Instance,
    };

    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Dictionary<string, object?> d:
                if (d.TryGetValue(name, out var v))
                {
                    return v;
                }

                return (object?)DictMethod(d, name) ?? JinjaUndefined.Instance;
            case JinjaNamespace ns:
                return ns.Values.TryGetValue(name, out var nv) ? nv : JinjaUndefined.Instance;
            case string s:
                return (object?)StringMethod(s, name) ?? JinjaUndefined.Instance;
            case List<object?> l:
                return (object?)ListMethod(l, name) ?? JinjaUndefined.Instance;
            default:
                return JinjaUndefined.Instance;
        }
    }

    public static object? GetItem(object? target, object? index)
    {
        switch (target)
        {
            case Dictionary<string, object?> d:
                return index is not null && d.TryGetValue(JinjaValues.ToStr(index), out var v) ? v : JinjaUndefined.Instance;
            case JinjaNamespace ns:
                return ns.Values.TryGetValue(JinjaValues.ToStr(index), out var nv) ? nv : JinjaUndefined.Instance;
            case List<object?> l when index is long or bool:
            {
                long i = JinjaValues.ToLong(index);
                if (i < 0)
                {
                    i += l.Count;
                }

                return i >= 0 && i < l.Count ? l[(int)i] : JinjaUndefined.Instance;
            }

            case string s when index is long:
            {
                var runes = s.EnumerateRunes().ToList();
                long i = (long)index;
                if (i < 0)
                {
                    i += runes.Count;
                }

                return i >= 0 && i < runes.Count ? runes[(int)i].ToString() : JinjaUndefined.Instance;
            }

            case List<object?> or string:
                return JinjaUndefined.Instance;
            default:
                return index is string name ? GetAttribute(target, name) : JinjaUndefined.Instance;
        }
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        List<object?> items = target switch
        {
            List<object?> l => l,
            string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
            _ => throw new ChatTemplateException($"Cannot slice a {JinjaValues.TypeName(target)}."),
        };

        int n = items.Count;
        long st = step is null ? 1 : JinjaValues.ToLong(step);
        if (st == 0)
        {
            throw new ChatTemplateException("Slice step must not be zero.");
        }

        long Norm(object? v, long def)
        {
            if (v is null)
            {
                return def;
            }

            long i = JinjaValues.ToLong(v);
            if (i < 0)
            {
                i += n;
            }

            return st > 0 ? Math.Clamp(i, 0, n) : Math.Clamp(i, -1, n - 1);
        }

        long a = Norm(start, st > 0 ? 0 : n - 1), b = Norm(stop, st > 0 ? n : -1);
        var result = new List<object?>();
        for (long i = a; st > 0 ? i < b : i > b; i += st)
        {
            result.Add(items[(int)i]);
        }

        return target is string ? string.Concat(result.Select(x => (string)x!)) : result;
    }

    public static object? Binary(string op, object? a, object? b)
    {
        switch (op)
        {
            case "==": return JinjaValues.Equals(a, b);
            case "!=": return !JinjaValues.Equals(a, b);
            case "<": return JinjaValues.Compare(a, b) < 0;
            case ">": return JinjaValues.Compare(a, b) > 0;
            case "<=": return JinjaValues.Compare(a, b) <= 0;
            case ">=": return JinjaValues.Compare(a, b) >= 0;
            case "~": return JinjaValues.ToStr(a) + JinjaValues.ToStr(b);
            case "in": return Contains(b, a);
            case "+":
                if (a is string sa && b is string sb)
                {
                    return sa + sb;
                }

                if (a is List<object?> la && b is List<object?> lb)
                {
                    return la.Concat(lb).ToList();
                }

                if (a is string || b is string)
                {
                    throw new ChatTemplateException($"Cannot add a {JinjaValues.TypeName(a)} and a {JinjaValues.TypeName(b)} (use ~ to join as text).");
                }

                return Arithmetic(op, a, b);
            case "*":
                if (a is string rs && b is long count)
                {
                    return string.Concat(Enumerable.Repeat(rs, RepeatCount(rs.Length, count)));
                }

                if (a is List<object?> rl && b is long times)
                {
                    return Enumerable.Repeat(rl, RepeatCount(rl.Count, times)).SelectMany(x => x).ToList();
                }

                return Arithmetic(op, a, b);
            default:
                return Arithmetic(op, a, b);
        }
    }

    /// <summary>How many copies <c>x * count</c> makes; refused when they would pass the template's output limit.</summary>
    private static int RepeatCount(int length, long count)
    {
        if (count <= 0 || length == 0)
        {
            // Copies of nothing are nothing: one will do, however many were asked for.
            return count <= 0 ? 0 : 1;
        }

        if (count > JinjaRenderer.MaxOutputChars / length)
        {
            throw new ChatTemplateException($"Repeating {length} items or characters {count} times makes more than the {JinjaRenderer.MaxOutputChars} a template may produce.");
        }

        return (int)count;
    }

    private static object? Arithmetic(string op, object? a, object? b)
    {
        if (!JinjaValues.IsNumber(a) || !JinjaValues.IsNumber(b))
        {
            throw new ChatTemplateException($"Operator '{op}' needs numbers, got {JinjaValues.TypeName(a)} and {JinjaValues.TypeName(b)}.");
        }

        bool ints = a is long or bool && b is long or bool;
        if (ints && op is "+" or "-" or "*" or "//" or "%" or "**")
        {
            long x = JinjaValues.ToLong(a), y = JinjaValues.ToLong(b);
            if ((op is "//" or "%") && y == 0)
            {
                throw new ChatTemplateException("Division by zero.");
            }

            return op switch
            {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "//" => (long)Math.Floor((double)x / y),
                "%" => ((x % y) + y) % y,
                _ => (long)Math.Pow(x, y),
            };
        }

        double p = JinjaValues.ToDouble(a), q = JinjaValues.ToDouble(b);
        return op switch
        {
            "+" => p + q,
            "-" => p - q,
            "*" => p * q,
            "/" => q == 0 ? throw new ChatTemplateException("Division by zero.") : p / q,
            "//" => Math.Floor(p / q),
            "%" => p - (q * Math.Floor(p / q)),
            "**" => Math.Pow(p, q),
            _ => throw new ChatTemplateException($"Unknown operator '{op}'."),
        };
    }

    private static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal) : throw new ChatTemplateException($"'in <string>' needs a string, got {JinjaValues.TypeName(item)}."),
        List<object?> l => l.Any(x => JinjaValues.Equals(x, item)),
        Dictionary<string, object?> d => item is string k && d.ContainsKey(k),
        JinjaNamespace ns => item is string k2 && ns.Values.ContainsKey(k2),
        null or JinjaUndefined => false,
        _ => throw new ChatTemplateException($"'in' needs a string, list or dict, got {JinjaValues.TypeName(container)}."),
    };

    private static JinjaCallable? DictMethod(Dictionary<string, object?> d, string name) => name switch
    {
        "get" => (args, _) => args.Count > 0 && d.TryGetValue(JinjaValues.ToStr(args[0]), out var v) ? v : args.Count > 1 ? args[1] : null,
        "items" => (_, _) => d.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList(),
        "keys" => (_, _) => d.Keys.Cast<object?>().ToList(),
        "values" => (_, _) => d.Values.ToList(),
        _ => null,
    };

    private static JinjaCallable? ListMethod(List<object?> l, string name) => name switch
    {
        "index" => (args, _) => (long)l.FindIndex(x => JinjaValues.Equals(x, args[0])),
        "count" => (args, _) => (long)l.Count(x => JinjaValues.Equals(x, args[0])),
        _ => null,
    };

    private static JinjaCallable? StringMethod(string s, string name) => name switch
    {
        "strip" => (args, _) => args.Count > 0 && args[0] is string chars ? s.Trim(chars.ToCharArray()) : s.Trim(),
        "lstrip" => (args, _) => args.Count > 0 && args[0] is string chars ? s.TrimStart(chars.ToCharArray()) : s.TrimStart(),
        "rstrip" => (args, _) => args.Count > 0 && args[0] is string chars ? s.TrimEnd(chars.ToCharArray()) : s.TrimEnd(),
        "upper" => (_, _) => s.ToUpperInvariant(),
        "lower" => (_, _) => s.ToLowerInvariant(),
        "title" => (_, _) => Title(s),
        "capitalize" => (_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(),
        "isalpha" => (_, _) => s.Length > 0 && s.EnumerateRunes().All(Rune.IsLetter),
        "isalnum" => (_, _) => s.Length > 0 && s.EnumerateRunes().All(Rune.IsLetterOrDigit),
        "isupper" => (_, _) => s.Any(char.IsLetter) && s == s.ToLowerInvariant().ToUpperInvariant() && s != s.ToLowerInvariant(),
        "islower" => (_, _) => s.Any(char.IsLetter) && s == s.ToUpperInvariant().ToLowerInvariant() && s != s.ToUpperInvariant(),
        "rfind" => (args, _) => (long)s.LastIndexOf(JinjaValues.ToStr(args[0]), StringComparison.Ordinal),
        "removeprefix" => (args, _) => s.StartsWith(JinjaValues.ToStr(args[0]), StringComparison.Ordinal) ? s[JinjaValues.ToStr(args[0]).Length..] : s,
        "removesuffix" => (args, _) => s.EndsWith(JinjaValues.ToStr(args[0]), StringComparison.Ordinal) ? s[..^JinjaValues.ToStr(args[0]).Length] : s,
        "rsplit" => (args, kwargs) => RSplit(s, args.Count > 0 ? args[0] : kwargs.GetValueOrDefault("sep"), args.Count > 1 ? JinjaValues.ToLong(args[1]) : kwargs.TryGetValue("maxsplit", out var m) ? JinjaValues.ToLong(m) : -1),
        "startswith" => (args, _) => Prefixes(args).Any(p => s.StartsWith(p, StringComparison.Ordinal)),
        "endswith" => (args, _) => Prefixes(args).Any(p => s.EndsWith(p, StringComparison.Ordinal)),
        "split" => (args, kwargs) => Split(s, args.Count > 0 ? args[0] : kwargs.GetValueOrDefault("sep"), args.Count > 1 ? JinjaValues.ToLong(args[1]) : kwargs.TryGetValue("maxsplit", out var m) ? JinjaValues.ToLong(m) : -1),
        "replace" => (args, _) => Replace(s, JinjaValues.ToStr(args[0]), JinjaValues.ToStr(args[1]), args.Count > 2 ? JinjaValues.ToLong(args[2]) : -1),
        "find" => (args, _) => (long)s.IndexOf(JinjaValues.ToStr(args[0]), StringComparison.Ordinal),
        "count" => (args, _) => (long)CountOf(s, JinjaValues.ToStr(args[0])),
        "join" => (args, _) => string.Join(s, ToList(args[0]).Select(JinjaValues.ToStr)),
        "isdigit" => (_, _) => s.Length > 0 && s.All(char.IsDigit),
        "isspace" => (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace),
        _ => null,
    };

    private static IEnumerable<string> Prefixes(List<object?> args) =>
        args.Count == 0 ? [] : args[0] is List<object?> l ? l.Select(JinjaValues.ToStr) : [JinjaValues.ToStr(args[0])];

    /// <summary>Python's str.split: on runs of white space (dropping empty parts) when no separator is given.</summary>
    private static List<object?> Split(string s, object? sep, long maxSplit)
    {
        if (sep is null or JinjaUndefined)
        {
            var parts = new List<object?>();
            int i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i == s.Length)
                {
                    return parts;
                }

                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    // The rest, with its trailing white space, is the last part.
                    parts.Add(s[i..]);
                    return parts;
                }

                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                parts.Add(s[start..i]);
            }
        }

        string separator = Separator(sep);
        var result = maxSplit >= 0 ? s.Split(separator, (int)maxSplit + 1) : s.Split(separator);
        return result.Cast<object?>().ToList();
    }

    /// <summary>Python's str.rsplit: as <see cref="Split"/>, with at most maxsplit splits taken from the right.</summary>
    private static List<object?> RSplit(string s, object? sep, long maxSplit)
    {
        if (maxSplit < 0)
        {
            return Split(s, sep, maxSplit);
        }

        if (sep is null or JinjaUndefined)
        {
            var reversed = Split(new string(s.Reverse().ToArray()), null, maxSplit);
            reversed.Reverse();
            return reversed.Select(p => (object?)new string(((string)p!).Reverse().ToArray())).ToList();
        }

        string separator = Separator(sep);
        var parts = new List<object?>();
        int end = s.Length;
        while (parts.Count < maxSplit)
        {
            int i = end - separator.Length < 0 ? -1 : s.LastIndexOf(separator, end - 1, end, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }

            parts.Add(s[(i + separator.Length)..end]);
            end = i;
        }

        parts.Add(s[..end]);
        parts.Reverse();
        return parts;
    }

    private static string Separator(object? sep)
    {
        string separator = JinjaValues.ToStr(sep);
        return separator.Length > 0 ? separator : throw new ChatTemplateException("split() separator must not be empty.");
    }

    private static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0 || old.Length == 0)
        {
            return old.Length == 0 ? s : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var sb = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int i = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }

            sb.Append(s, pos, i - pos).Append(replacement);
            pos = i + old.Length;
        }

        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static int CountOf(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        int count = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool start = true;
        foreach (char c in s)
        {
            sb.Append(start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            start = !char.IsLetterOrDigit(c);
        }

        return sb.ToString();
    }

    public static List<object?> ToList(object? v) => v switch
    {
        List<object?> l => l,
        Dictionary<string, object?> d => d.Keys.Cast<object?>().ToList(),
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        null or JinjaUndefined => [],
        _ => throw new ChatTemplateException($"Expected a sequence, got {JinjaValues.TypeName(v)}."),
    };

    private static string StrFTime(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            char c = format[++i];
            sb.Append(c switch
            {
                'd' => t.ToString("dd", CultureInfo.InvariantCulture),
                'm' => t.ToString("MM", CultureInfo.InvariantCulture),
                'Y' => t.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => t.ToString("yy", CultureInfo.InvariantCulture),
                'b' => t.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => t.ToString("MMMM", CultureInfo.InvariantCulture),
                'H' => t.ToString("HH", CultureInfo.InvariantCulture),
                'M' => t.ToString("mm", CultureInfo.InvariantCulture),
                'S' => t.ToString("ss", CultureInfo.InvariantCulture),
                'a' => t.ToString("ddd", CultureInfo.InvariantCulture),
                'A' => t.ToString("dddd", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => "%" + c,
            });
        }

        return sb.ToString();
    }
}
