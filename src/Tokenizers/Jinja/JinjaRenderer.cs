using LlmFramework.Tokenizers;

using System.Runtime.CompilerServices;
using System.Text;

namespace LlmFramework.Tokenizers.Jinja;

/// <summary>Executes a parsed template: statements write to the output, expressions evaluate to Jinja values.</summary>
internal sealed class JinjaRenderer
{
    /// <summary>The most text a template may produce, or build in one string or list.</summary>
    public const int MaxOutputChars = 64 * 1024 * 1024;
    private readonly StringBuilder _output = new();

    public string Render(List<JinjaNode> nodes, JinjaScope scope)
    {
        Execute(nodes, scope, _output);
        return _output.ToString();
    }

    /// <summary>What a {% break %} or {% continue %} asks of the loop around the statements that ran it.</summary>
    private enum LoopSignal
    {
        None,
        Break,
        Continue,
    }

    private LoopSignal Execute(List<JinjaNode> nodes, JinjaScope scope, StringBuilder output)
    {
        // A macro that calls itself without end would otherwise overflow the stack and end the process.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        foreach (var node in nodes)
        {
            var signal = LoopSignal.None;
            switch (node)
            {
                case TextNode t:
                    output.Append(t.Text);
                    break;
                case OutputNode o:
                    output.Append(JinjaValues.ToStr(Evaluate(o.Expression, scope)));
                    break;
                case IfNode i:
                {
                    bool done = false;
                    foreach (var (condition, body) in i.Branches)
                    {
                        if (JinjaValues.IsTruthy(Evaluate(condition, scope)))
                        {
                            signal = Execute(body, scope, output);
                            done = true;
                            break;
                        }
                    }

                    if (!done && i.Else is not null)
                    {
                        signal = Execute(i.Else, scope, output);
                    }

                    break;
                }

                case LoopControlNode c:
                    signal = c.Break ? LoopSignal.Break : LoopSignal.Continue;
                    break;
                case GenerationNode g:
                    signal = Execute(g.Body, scope, output);
                    break;

                case ForNode f:
                    ExecuteFor(f, scope, output);
                    break;
                case SetNode s:
                {
                    object? value;
                    if (s.Value is not null)
                    {
                        value = Evaluate(s.Value, scope);
                    }
                    else
                    {
                        var captured = new StringBuilder();
                        Execute(s.Body!, scope, captured);
                        value = captured.ToString();
                    }

                    if (s.Attribute is null)
                    {
                        scope.Set(s.Name, value);
                    }
                    else if (scope.TryGet(s.Name, out var target) && target is JinjaNamespace ns)
                    {
                        ns.Values[s.Attribute] = value;
                    }
                    else
                    {
                        throw new ChatTemplateException($"Cannot set '{s.Name}.{s.Attribute}': '{s.Name}' is not a namespace().");
                    }

                    break;
                }

                case MacroNode m:
                    scope.Set(m.Name, MakeMacro(m, scope));
                    break;
            }

            if (output.Length > MaxOutputChars)
            {
                throw new ChatTemplateException($"The chat template produced more than {MaxOutputChars} characters.");
            }

            if (signal != LoopSignal.None)
            {
                return signal;
            }
        }

        return LoopSignal.None;
    }

    private JinjaCallable MakeMacro(MacroNode m, JinjaScope definingScope) => (args, kwargs) =>
    {
        var local = new JinjaScope(definingScope);
        for (int i = 0; i < m.Parameters.Count; i++)
        {
            var (name, def) = m.Parameters[i];
            object? value = i < args.Count ? args[i] : kwargs.TryGetValue(name, out var kv) ? kv : def is null ? JinjaUndefined.Instance : Evaluate(def, definingScope);
            local.Set(name, value);
        }

        var sb = new StringBuilder();
        Execute(m.Body, local, sb);
        return sb.ToString();
    };

    private void ExecuteFor(ForNode f, JinjaScope scope, StringBuilder output)
    {
        List<object?> items = JinjaBuiltins.ToList(Evaluate(f.Iterable, scope));

        if (f.Filter is not null)
        {
            items = items.Where(item =>
            {
                var probe = new JinjaScope(scope);
                Bind(f.Targets, item, probe);
                return JinjaValues.IsTruthy(Evaluate(f.Filter, probe));
            }).ToList();
        }

        if (items.Count == 0)
        {
            if (f.Else is not null)
            {
                Execute(f.Else, scope, output);
            }

            return;
        }

        for (int i = 0; i < items.Count; i++)
        {
            var body = new JinjaScope(scope);
            Bind(f.Targets, items[i], body);
            int index = i;
            body.Set("loop", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["index0"] = (long)i,
                ["index"] = (long)(i + 1),
                ["revindex0"] = (long)(items.Count - i - 1),
                ["revindex"] = (long)(items.Count - i),
                ["first"] = i == 0,
                ["last"] = i == items.Count - 1,
                ["length"] = (long)items.Count,
                ["previtem"] = i > 0 ? items[i - 1] : JinjaUndefined.Instance,
                ["nextitem"] = i + 1 < items.Count ? items[i + 1] : JinjaUndefined.Instance,
                ["cycle"] = (JinjaCallable)((args, _) => args.Count == 0 ? null : args[index % args.Count]),
            });
            if (Execute(f.Body, body, output) == LoopSignal.Break)
            {
                break;
            }
        }
    }

    private static void Bind(List<string> targets, object? item, JinjaScope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }

        if (item is not List<object?> tuple || tuple.Count != targets.Count)
        {
            throw new ChatTemplateException($"Cannot unpack a {JinjaValues.TypeName(item)} into {targets.Count} loop variables.");
        }

        for (int i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], tuple[i]);
        }
    }

    public object? Evaluate(JinjaExpr expr, JinjaScope scope)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (expr)
        {
            case LiteralExpr l:
                return l.Value;
            case NameExpr n:
                return scope.TryGet(n.Name, out var v) ? v : JinjaBuiltins.Global(n.Name);
            case ListExpr l:
                return l.Items.Select(i => Evaluate(i, scope)).ToList();
            case DictExpr d:
            {
                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, val) in d.Items)
                {
                    dict[JinjaValues.ToStr(Evaluate(k, scope))] = Evaluate(val, scope);
                }

                return dict;
            }

            case AttributeExpr a:
                return JinjaBuiltins.GetAttribute(Evaluate(a.Target, scope), a.Name);
            case IndexExpr i:
                return JinjaBuiltins.GetItem(Evaluate(i.Target, scope), Evaluate(i.Index, scope));
            case SliceExpr s:
                return JinjaBuiltins.Slice(Evaluate(s.Target, scope), Opt(s.Start, scope), Opt(s.Stop, scope), Opt(s.Step, scope));
            case CallExpr c:
            {
                var target = Evaluate(c.Target, scope);
                if (target is not JinjaCallable fn)
                {
                    throw new ChatTemplateException($"{Describe(c.Target)} is a {JinjaValues.TypeName(target)}, not a function.");
                }

                return fn(c.Arguments.Select(a => Evaluate(a, scope)).ToList(), Kwargs(c.Keywords, scope));
            }

            case FilterExpr f:
                return JinjaBuiltins.Filter(f.Name, Evaluate(f.Target, scope), f.Arguments.Select(a => Evaluate(a, scope)).ToList(), Kwargs(f.Keywords, scope));
            case TestExpr t:
                return JinjaBuiltins.Test(t.Name, Evaluate(t.Target, scope), t.Arguments.Select(a => Evaluate(a, scope)).ToList()) != t.Negated;
            case UnaryExpr u:
            {
                var operand = Evaluate(u.Operand, scope);
                return u.Operator == "not" ? !JinjaValues.IsTruthy(operand) :
                    operand is long l ? (object)(-l) : -JinjaValues.ToDouble(operand);
            }

            case BinaryExpr b:
                if (b.Operator == "and")
                {
                    var left = Evaluate(b.Left, scope);
                    return JinjaValues.IsTruthy(left) ? Evaluate(b.Right, scope) : left;
                }

                if (b.Operator == "or")
                {
                    var left = Evaluate(b.Left, scope);
                    return JinjaValues.IsTruthy(left) ? left : Evaluate(b.Right, scope);
                }

                return JinjaBuiltins.Binary(b.Operator, Evaluate(b.Left, scope), Evaluate(b.Right, scope));
            case ConditionalExpr c:
                return JinjaValues.IsTruthy(Evaluate(c.Condition, scope)) ? Evaluate(c.Then, scope) :
                    c.Else is null ? JinjaUndefined.Instance : Evaluate(c.Else, scope);
            default:
                throw new ChatTemplateException($"Unsupported expression {expr.GetType().Name}.");
        }
    }

    private object? Opt(JinjaExpr? e, JinjaScope scope) => e is null ? null : Evaluate(e, scope);

    private Dictionary<string, object?> Kwargs(List<(string Name, JinjaExpr Value)> keywords, JinjaScope scope)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in keywords)
        {
            d[name] = Evaluate(value, scope);
        }

        return d;
    }

    private static string Describe(JinjaExpr e) => e switch
    {
        NameExpr n => $"'{n.Name}'",
        AttributeExpr a => $"'{Describe(a.Target).Trim('\'')}.{a.Name}'",
        _ => "the called value",
    };
}
