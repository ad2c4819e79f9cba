using LlmFramework.Tokenizers;

using System.Globalization;
using System.Runtime.CompilerServices;

namespace LlmFramework.Tokenizers.Jinja;

/// <summary>Recursive-descent parser for the Jinja subset chat templates use (precedence as Jinja2's).</summary>
internal sealed class JinjaParser(List<JinjaToken> tokens, string source)
{
    private int _pos;
    private int _loopDepth;

    public static List<JinjaNode> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source), source);
        try
        {
            var body = parser.ParseBody([], out string? end);
            if (end is not null)
            {
                throw parser.Error($"Unexpected '{{% {end} %}}'");
            }

            return body;
        }
        catch (InsufficientExecutionStackException)
        {
            throw parser.Error("Blocks or expressions nested too deeply");
        }
    }

    private JinjaToken Current => tokens[_pos];

    private List<JinjaNode> ParseBody(string[] endTags, out string? endTag)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var nodes = new List<JinjaNode>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case JinjaTokenKind.EndOfInput:
                    if (endTags.Length > 0)
                    {
                        throw Error($"Missing '{{% {endTags[^1]} %}}'");
                    }

                    endTag = null;
                    return nodes;
                case JinjaTokenKind.Text:
                    nodes.Add(new TextNode(t.Value));
                    _pos++;
                    break;
                case JinjaTokenKind.BeginOutput:
                    _pos++;
                    nodes.Add(new OutputNode(ParseExpression()));
                    Expect(JinjaTokenKind.EndTag, "'}}'");
                    break;
                case JinjaTokenKind.BeginBlock:
                    var keyword = tokens[_pos + 1];
                    if (keyword.Kind == JinjaTokenKind.Name && endTags.Contains(keyword.Value))
                    {
                        _pos += 2;
                        endTag = keyword.Value;
                        return nodes;
                    }

                    _pos++;
                    nodes.Add(ParseStatement());
                    break;
                default:
                    throw Error("Unexpected token");
            }
        }
    }

    private JinjaNode ParseStatement()
    {
        string keyword = ExpectName();
        switch (keyword)
        {
            case "if":
            {
                var branches = new List<(JinjaExpr, List<JinjaNode>)>();
                var condition = ParseExpression();
                Expect(JinjaTokenKind.EndTag, "'%}'");
                while (true)
                {
                    var body = ParseBody(["elif", "else", "endif"], out string? end);
                    branches.Add((condition, body));
                    if (end == "elif")
                    {
                        condition = ParseExpression();
                        Expect(JinjaTokenKind.EndTag, "'%}'");
                        continue;
                    }

                    List<JinjaNode>? elseBody = null;
                    Expect(JinjaTokenKind.EndTag, "'%}'");
                    if (end == "else")
                    {
                        elseBody = ParseBody(["endif"], out _);
                        Expect(JinjaTokenKind.EndTag, "'%}'");
                    }

                    return new IfNode(branches, elseBody);
                }
            }

            case "for":
            {
                var targets = new List<string> { ExpectName() };
                while (TryOperator(","))
                {
                    targets.Add(ExpectName());
                }

                if (ExpectName() != "in")
                {
                    throw Error("Expected 'in' in for loop");
                }

                var iterable = ParseConditional(allowConditional: false);
                JinjaExpr? filter = null;
                if (TryName("if"))
                {
                    filter = ParseOr();
                }

                TryName("recursive");
                Expect(JinjaTokenKind.EndTag, "'%}'");
                _loopDepth++;
                var body = ParseBody(["else", "endfor"], out string? end);
                _loopDepth--;
                Expect(JinjaTokenKind.EndTag, "'%}'");
                List<JinjaNode>? elseBody = null;
                if (end == "else")
                {
                    elseBody = ParseBody(["endfor"], out _);
                    Expect(JinjaTokenKind.EndTag, "'%}'");
                }

                return new ForNode(targets, iterable, filter, body, elseBody);
            }

            case "set":
            {
                string name = ExpectName();
                string? attribute = null;
                if (TryOperator("."))
                {
                    attribute = ExpectName();
                }

                if (TryOperator("="))
                {
                    var value = ParseExpression();
                    Expect(JinjaTokenKind.EndTag, "'%}'");
                    return new SetNode(name, attribute, value, null);
                }

                Expect(JinjaTokenKind.EndTag, "'%}'");
                var body = ParseBody(["endset"], out _);
                Expect(JinjaTokenKind.EndTag, "'%}'");
                return new SetNode(name, attribute, null, body);
            }

            case "macro":
            {
                string name = ExpectName();
                Expect(JinjaTokenKind.Operator, "'('", "(");
                var parameters = new List<(string, JinjaExpr?)>();
                while (!TryOperator(")"))
                {
                    string p = ExpectName();
                    parameters.Add((p, TryOperator("=") ? ParseExpression() : null));
                    TryOperator(",");
                }

                Expect(JinjaTokenKind.EndTag, "'%}'");
                var body = ParseBody(["endmacro"], out _);
                Expect(JinjaTokenKind.EndTag, "'%}'");
                return new MacroNode(name, parameters, body);
            }

            case "break" or "continue":
                if (_loopDepth == 0)
                {
                    _pos--;
                    throw Error($"'{keyword}' outside a loop");
                }

                Expect(JinjaTokenKind.EndTag, "'%}'");
                return new LoopControlNode(keyword == "break");

            case "generation":
            {
                Expect(JinjaTokenKind.EndTag, "'%}'");
                var body = ParseBody(["endgeneration"], out _);
                Expect(JinjaTokenKind.EndTag, "'%}'");
                return new GenerationNode(body);
            }

            default:
                _pos--;
                throw Error($"Unsupported statement '{keyword}' (supported: if, for, set, macro, break, continue, generation)");
        }
    }

    public JinjaExpr ParseExpression() => ParseConditional(allowConditional: true);

    private JinjaExpr ParseConditional(bool allowConditional)
    {
        var expr = ParseOr();
        while (allowConditional && TryName("if"))
        {
            var condition = ParseOr();
            JinjaExpr? otherwise = TryName("else") ? ParseConditional(true) : null;
            expr = new ConditionalExpr(condition, expr, otherwise);
        }

        return expr;
    }

    private JinjaExpr ParseOr()
    {
        var left = ParseAnd();
        while (TryName("or"))
        {
            left = new BinaryExpr("or", left, ParseAnd());
        }

        return left;
    }

    private JinjaExpr ParseAnd()
    {
        var left = ParseNot();
        while (TryName("and"))
        {
            left = new BinaryExpr("and", left, ParseNot());
        }

        return left;
    }

    private JinjaExpr ParseNot() => TryName("not") ? new UnaryExpr("not", ParseNot()) : ParseCompare();

    private JinjaExpr ParseCompare()
    {
        var left = ParseMath1();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && Current.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                string op = Current.Value;
                _pos++;
                left = new BinaryExpr(op, left, ParseMath1());
            }
            else if (TryName("in"))
            {
                left = new BinaryExpr("in", left, ParseMath1());
            }
            else if (Current.Kind == JinjaTokenKind.Name && Current.Value == "not" && tokens[_pos + 1] is { Kind: JinjaTokenKind.Name, Value: "in" })
            {
                _pos += 2;
                left = new UnaryExpr("not", new BinaryExpr("in", left, ParseMath1()));
            }
            else
            {
                return left;
            }
        }
    }

    private JinjaExpr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Value is "+" or "-")
        {
            string op = Current.Value;
            _pos++;
            left = new BinaryExpr(op, left, ParseConcat());
        }

        return left;
    }

    private JinjaExpr ParseConcat()
    {
        var left = ParseMath2();
        while (TryOperator("~"))
        {
            left = new BinaryExpr("~", left, ParseMath2());
        }

        return left;
    }

    private JinjaExpr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            string op = Current.Value;
            _pos++;
            left = new BinaryExpr(op, left, ParsePow());
        }

        return left;
    }

    private JinjaExpr ParsePow()
    {
        var left = ParseUnary();
        while (TryOperator("**"))
        {
            left = new BinaryExpr("**", left, ParseUnary());
        }

        return left;
    }

    /// <summary>A sign binds tighter than filters and tests, as in Jinja2: -3 | abs is (-3) | abs.</summary>
    private JinjaExpr ParseUnary(bool withFilters = true)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        JinjaExpr expr = TryOperator("-") ? new UnaryExpr("-", ParseUnary(false)) :
            TryOperator("+") ? ParseUnary(false) :
            ParsePostfix(ParsePrimary());
        return withFilters ? ParseFilters(expr) : expr;
    }

    private JinjaExpr ParsePrimary()
    {
        var t = Current;
        _pos++;
        switch (t.Kind)
        {
            case JinjaTokenKind.String:
            {
                string value = t.Value;
                while (Current.Kind == JinjaTokenKind.String)
                {
                    value += Current.Value;
                    _pos++;
                }

                return new LiteralExpr(value);
            }

            case JinjaTokenKind.Integer:
                return long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long integer) ? new LiteralExpr(integer) :
                    throw Error($"Integer {t.Value} does not fit in 64 bits");
            case JinjaTokenKind.Float:
                return new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true),
                    "false" or "False" => new LiteralExpr(false),
                    "none" or "None" => new LiteralExpr(null),
                    _ => new NameExpr(t.Value),
                };
            case JinjaTokenKind.Operator when t.Value == "(":
            {
                var first = ParseExpression();
                if (TryOperator(")"))
                {
                    return first;
                }

                var items = new List<JinjaExpr> { first };
                while (TryOperator(","))
                {
                    if (Current is { Kind: JinjaTokenKind.Operator, Value: ")" })
                    {
                        break;
                    }

                    items.Add(ParseExpression());
                }

                Expect(JinjaTokenKind.Operator, "')'", ")");
                return new ListExpr(items);
            }

            case JinjaTokenKind.Operator when t.Value == "[":
            {
                var items = new List<JinjaExpr>();
                while (!TryOperator("]"))
                {
                    items.Add(ParseExpression());
                    if (!TryOperator(","))
                    {
                        Expect(JinjaTokenKind.Operator, "']'", "]");
                        break;
                    }
                }

                return new ListExpr(items);
            }

            case JinjaTokenKind.Operator when t.Value == "{":
            {
                var items = new List<(JinjaExpr, JinjaExpr)>();
                while (!TryOperator("}"))
                {
                    var key = ParseExpression();
                    Expect(JinjaTokenKind.Operator, "':'", ":");
                    items.Add((key, ParseExpression()));
                    if (!TryOperator(","))
                    {
                        Expect(JinjaTokenKind.Operator, "'}'", "}");
                        break;
                    }
                }

                return new DictExpr(items);
            }

            default:
                _pos--;
                throw Error("Expected an expression");
        }
    }

    private JinjaExpr ParsePostfix(JinjaExpr expr)
    {
        while (true)
        {
            if (TryOperator("."))
            {
                expr = new AttributeExpr(expr, ExpectName());
            }
            else if (TryOperator("["))
            {
                JinjaExpr? start = null, stop = null, step = null;
                bool slice = false;
                if (!(Current is { Kind: JinjaTokenKind.Operator, Value: ":" }))
                {
                    start = ParseExpression();
                }

                if (TryOperator(":"))
                {
                    slice = true;
                    if (!(Current is { Kind: JinjaTokenKind.Operator, Value: "]" or ":" }))
                    {
                        stop = ParseExpression();
                    }

                    if (TryOperator(":") && !(Current is { Kind: JinjaTokenKind.Operator, Value: "]" }))
                    {
                        step = ParseExpression();
                    }
                }

                Expect(JinjaTokenKind.Operator, "']'", "]");
                expr = slice ? new SliceExpr(expr, start, stop, step) : new IndexExpr(expr, start!);
            }
            else if (Current is { Kind: JinjaTokenKind.Operator, Value: "(" })
            {
                _pos++;
                var (args, kwargs) = ParseArguments();
                expr = new CallExpr(expr, args, kwargs);
            }
            else
            {
                return expr;
            }
        }
    }

    private JinjaExpr ParseFilters(JinjaExpr expr)
    {
        while (true)
        {
            if (TryOperator("|"))
            {
                string name = ExpectName();
                var (args, kwargs) = TryOperator("(") ? ParseArguments() : ([], []);
                expr = new FilterExpr(expr, name, args, kwargs);
            }
            else if (TryName("is"))
            {
                bool negated = TryName("not");
                string name = ExpectName();
                var args = new List<JinjaExpr>();
                if (TryOperator("("))
                {
                    (args, _) = ParseArguments();
                }
                else if (Current.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float ||
                    (Current.Kind == JinjaTokenKind.Name && Current.Value is not ("else" or "or" or "and")) ||
                    Current is { Kind: JinjaTokenKind.Operator, Value: "[" or "{" })
                {
                    // One argument without parentheses: "is divisibleby 3", "is sameas none", "is in [1, 2]".
                    args.Add(ParsePostfix(ParsePrimary()));
                }

                expr = new TestExpr(expr, name, negated, args);
            }
            else
            {
                return expr;
            }
        }
    }

    /// <summary>Parses call arguments after '(' up to and including ')'.</summary>
    private (List<JinjaExpr> Args, List<(string, JinjaExpr)> Kwargs) ParseArguments()
    {
        var args = new List<JinjaExpr>();
        var kwargs = new List<(string, JinjaExpr)>();
        while (!TryOperator(")"))
        {
            if (Current.Kind == JinjaTokenKind.Name && tokens[_pos + 1] is { Kind: JinjaTokenKind.Operator, Value: "=" })
            {
                string name = Current.Value;
                _pos += 2;
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                args.Add(ParseExpression());
            }

            if (!TryOperator(","))
            {
                Expect(JinjaTokenKind.Operator, "')'", ")");
                break;
            }
        }

        return (args, kwargs);
    }

    private bool TryOperator(string op)
    {
        if (Current.Kind == JinjaTokenKind.Operator && Current.Value == op)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private bool TryName(string name)
    {
        if (Current.Kind == JinjaTokenKind.Name && Current.Value == name)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private string ExpectName()
    {
        if (Current.Kind != JinjaTokenKind.Name)
        {
            throw Error("Expected a name");
        }

        return tokens[_pos++].Value;
    }

    private void Expect(JinjaTokenKind kind, string what, string? value = null)
    {
        if (Current.Kind != kind || (value is not null && Current.Value != value))
        {
            throw Error($"Expected {what}");
        }

        _pos++;
    }

    private ChatTemplateException Error(string message)
    {
        int offset = Current.Position;
        int line = 1 + source.AsSpan(0, Math.Min(offset, source.Length)).Count('\n');
        string near = source.Substring(offset, Math.Min(30, source.Length - offset));
        return new ChatTemplateException($"Chat template syntax error at line {line}, offset {offset} (near \"{near}\"): {message}.");
    }
}
